// Reading Dataverse tables: $select/$filter/$orderby/$top/$count/$expand, keyset paging with an opaque signed
// $skiptoken, change tracking (delta links), and the JSON shape of rows with their annotations.
import { CRM_FUNCTION_PARAMETERS, CRM_FUNCTIONS } from "../odata/crm-functions.ts";
import { weakEtag } from "../odata/etag.ts";
import { type EvalContext, evaluateFilter, FilterEvalError, orderValues } from "../odata/evaluate.ts";
import { type FilterExpr, filterPaths } from "../odata/filter.ts";
import { boundRange, orderIndex, positionAfter, walkable } from "../odata/indexed.ts";
import type { TokenCodec } from "../odata/paging.ts";
import {
  type ExpandOption,
  filterRows,
  keyValues,
  type OrderKey,
  orderRows,
  type QueryOptions,
  textList,
} from "../odata/query.ts";
import type { IndexSpec } from "../runtime/storage.ts";
import { dv, fail } from "./errors.ts";
import { annotationWanted, contextSelect, type FormatLookups, formattedValue } from "./format.ts";
import type { Model, TableModel } from "./model.ts";
import { LOOKUP_TYPE, type Records, type Row } from "./records.ts";
import { lookupValue } from "./schema.ts";

export interface FormatShape {
  /** false: no `@odata.etag` (expanded single-valued rows inside an entity-set response). */
  etag?: boolean;
  /** The row is (inside) an item of an entity-set response. */
  inList?: boolean;
  /** Reached through a lookup: systemuser/team rows also show `ownerid`. */
  principal?: boolean;
  /** An extra lookup property to include (the parent reference of expanded collection rows). */
  backReference?: string;
  /**
   * The entity-set query has a nested `$expand` somewhere (query/join-tables): expanded collections are paged with
   * the request's `odata.maxpagesize` and their rows carry neither `@odata.etag` nor the back-reference.
   */
  nested?: { pageSize?: number };
}

export const MAX_PAGE_SIZE = 5000;
const MAX_EXPANDS = 15;

/** A column's value as lower-cased text (null when empty): what an `eq` with a GUID or text literal compares. */
function lowerText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value).toLowerCase();
}

function compareText(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return (a as string) < (b as string) ? -1 : 1;
}

const lowerTextIndexes = new Map<string, IndexSpec>();

/** Rows ordered by a column's lower-cased text (then id): the rows holding one value are neighbours. */
function lowerTextIndex(column: string): IndexSpec {
  let spec = lowerTextIndexes.get(column);
  if (!spec) {
    spec = { key: (row) => [lowerText(row[column])], compare: (a, b) => compareText(a[0], b[0]) };
    lowerTextIndexes.set(column, spec);
  }
  return spec;
}

/** Rows by version number (the row version change tracking reads by), nulls first. */
const VERSION_INDEX: IndexSpec = {
  key: (row) => [typeof row.versionnumber === "number" ? row.versionnumber : (row.versionnumber ?? null)],
  compare: (a, b) => orderValues(a[0], b[0], false),
  tag: (key) => (key[0] === null ? "null" : typeof key[0] === "number" && !Number.isNaN(key[0]) ? "number" : "other"),
};

/** Query functions an indexed read evaluates on the rows it walks only (their parameters are checked first). */
/** Path step that sorts a lookup by the related row's primary name (see orderKeys). */
const LOOKUP_NAME = "@OData.Community.Display.V1.FormattedValue";

const INDEXED_FUNCTIONS: ReadonlySet<string> = new Set(["Microsoft.Dynamics.CRM.In", "Microsoft.Dynamics.CRM.NotIn"]);

export interface Preferences {
  returnRepresentation: boolean;
  maxPageSize?: number;
  trackChanges: boolean;
  continueOnError: boolean;
  /** The include-annotations value, e.g. `*` or a comma list; undefined when not asked. */
  annotations?: string;
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { returnRepresentation: false, trackChanges: false, continueOnError: false };
  if (!header) return prefs;
  for (const raw of splitPrefer(header)) {
    const item = raw.trim();
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value =
      eq < 0
        ? ""
        : item
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, "");
    if (name === "return" && value === "representation") prefs.returnRepresentation = true;
    else if (name === "odata.maxpagesize" && /^\d+$/.test(value)) prefs.maxPageSize = Number(value);
    else if (name === "odata.track-changes") prefs.trackChanges = true;
    else if (name === "odata.continue-on-error") prefs.continueOnError = true;
    else if (name === "odata.include-annotations") prefs.annotations = value;
  }
  return prefs;
}

function splitPrefer(header: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    if (header[i] === '"') quoted = !quoted;
    else if (header[i] === "," && !quoted) {
      out.push(header.slice(start, i));
      start = i + 1;
    }
  }
  out.push(header.slice(start));
  return out;
}

export interface ListResult {
  body: Record<string, unknown>;
  rowsRead: number;
  preferenceApplied: string[];
}

interface PageToken {
  t: string;
  k: unknown[];
  p: number;
  /** Version at the start of a change-tracking read, for the final deltaLink. */
  dv?: number;
}

export class Reader {
  constructor(
    private readonly model: Model,
    private readonly records: Records,
    private readonly tokens: TokenCodec,
    private readonly options: {
      now: () => number;
      expireChangeTrackingDays: () => number;
      userId: () => string;
      /** `http://host:port/api/data/v9.2/`, for `@odata.id` and nextLink URLs in rows. */
      serviceRoot: () => string;
      /**
       * false: every read filters and sorts the whole table (the reference the indexed reads are tested against);
       * default true: table reads walk the storage's ordered indexes.
       */
      indexed?: boolean;
    },
  ) {}

  evalContext(table: TableModel): EvalContext {
    const userId = this.options.userId();
    const users = this.model.tables.get("systemuser");
    const user = users && userId ? this.records.get(users, userId) : undefined;
    return {
      resolve: (row, path) => this.resolvePath(table, row, path),
      resolveCollection: (row, path) => this.collection(this.tableHolding(table, row, path[0]), row, path[0]),
      // Query functions name a lookup by its attribute (`ownerid`), whose value is `_ownerid_value`.
      resolveFunctionProperty: (row, name) => {
        const path = name.split("/");
        const last = path[path.length - 1];
        const owner = path.length === 1 ? table : undefined;
        if (owner && !owner.attributes.has(last) && owner.attributes.has(lookupValue(last)))
          return row[lookupValue(last)] ?? null;
        return this.resolvePath(table, row, path);
      },
      caseInsensitive: true,
      likeWildcards: true,
      functions: CRM_FUNCTIONS,
      now: () => new Date(this.options.now()),
      userId,
      businessUnitId: (user?._businessunitid_value as string | undefined) ?? undefined,
      teamIds: () =>
        users && userId
          ? this.records.manyToManyRows(users, "teammembership_association", userId).map((t) => String(t.teamid))
          : [],
    };
  }

  private resolvePath(table: TableModel, row: Row, path: string[]): unknown {
    const [head, ...rest] = path;
    if (rest.length === 0) return row[head] ?? null;
    if (rest[0] === LOOKUP_NAME) {
      const id = row[head] as string | undefined;
      const type = (row[`${head}${LOOKUP_TYPE}`] as string | undefined) ?? rest[1];
      return id && type ? (this.lookups.primaryName(type, id) ?? null) : null;
    }
    const target = this.single(table, row, head);
    if (!target) return null;
    return this.resolvePath(target.table, target.row, rest);
  }

  private single(table: TableModel, row: Row, navName: string): { table: TableModel; row: Row } | undefined {
    const nav = table.navigation.get(navName);
    if (nav?.kind !== "single") return undefined;
    const attr = lookupValue(nav.column.name);
    const id = row[attr] as string | undefined;
    if (!id) return undefined;
    const type = (row[`${attr}${LOOKUP_TYPE}`] as string | undefined) ?? nav.column.targets?.[0];
    if (nav.target && nav.target !== type) return undefined;
    const target = this.model.tables.get(nav.target ?? (type as string));
    const found = target ? this.records.get(target, id) : undefined;
    return target && found ? { table: target, row: found } : undefined;
  }

  /** Child rows by parent id, built once per request: expanding a collection on 5000 rows must not rescan. */
  private childIndex = new Map<string, Map<string, Row[]>>();

  /**
   * Rows whose version is in (since, upTo], in version order (then id order, as a scan in key order sorted by
   * version gives them), at most `limit`: from the table's version index, so a delta read costs what it returns.
   */
  private changedSince(table: TableModel, since: number, upTo: number, limit: number): Row[] {
    const rows = this.records.rows(table);
    const index = this.options.indexed === false ? undefined : rows.index("versionnumber", VERSION_INDEX);
    const out: Row[] = [];
    if (!index || index.tagCount("other") > 0) {
      // A version that is not a number (never written so by the platform): scan, as the index cannot bound it.
      const all = rows
        .values()
        .filter((r) => (r.versionnumber as number) > since && (r.versionnumber as number) <= upTo);
      all.sort((a, b) => (a.versionnumber as number) - (b.versionnumber as number));
      return all.slice(0, limit);
    }
    for (const entry of index.entries(index.search((e) => e.key[0] !== null && (e.key[0] as number) > since))) {
      if ((entry.key[0] as number) > upTo || out.length === limit) break;
      out.push(rows.get(entry.id) as Row);
    }
    return out;
  }

  /** Forgets per-request indexes; the service calls it before each request (data may have changed). */
  beginRequest(): void {
    this.childIndex.clear();
  }

  private children(childTable: TableModel, column: string, parentId: string): Row[] {
    const name = `${childTable.def.logicalName}.${column}`;
    let index = this.childIndex.get(name);
    if (!index) {
      index = new Map();
      const attr = lookupValue(column);
      for (const r of this.records.rows(childTable).values()) {
        const parent = r[attr];
        if (typeof parent !== "string") continue;
        const list = index.get(parent);
        if (list) list.push(r);
        else index.set(parent, [r]);
      }
      this.childIndex.set(name, index);
    }
    return index.get(parentId) ?? [];
  }

  /**
   * The table a row of a filter belongs to, found by the collection it is asked for: the queried table, or (for the
   * item of an outer lambda, such as a contact in `contact_customer_accounts/any(c:c/opportunity_customer_contacts/…)`)
   * the table that has that collection and whose key the row holds.
   */
  private tableHolding(queried: TableModel, row: Row, navName: string): TableModel {
    if (queried.navigation.has(navName) && row[queried.def.primaryKey] !== undefined) return queried;
    for (const t of this.model.tables.values()) {
      if (t.navigation.has(navName) && row[t.def.primaryKey] !== undefined) return t;
    }
    return queried;
  }

  private collection(table: TableModel, row: Row, navName: string): Row[] {
    const nav = table.navigation.get(navName);
    const id = row[table.def.primaryKey] as string;
    if (nav?.kind === "oneToMany") return this.children(this.model.table(nav.rel.table), nav.rel.column, id);
    if (nav?.kind === "manyToMany") return this.records.manyToManyRows(table, navName, id);
    return [];
  }

  /** Checks $select/$filter/$orderby/$expand names against the table, as the service does before running. */
  validate(table: TableModel, options: QueryOptions): void {
    const entity = table.def.logicalName;
    for (const name of options.select ?? []) {
      if (name !== "*" && !table.attributes.has(name)) fail(dv.make("queryProperty", name, entity));
    }
    const checkPath = (t: TableModel, path: string[], lambdaVars: Set<string>): void => {
      const [head, ...rest] = path;
      if (lambdaVars.has(head)) return;
      if (rest.length === 0) {
        if (!t.attributes.has(head) && !t.navigation.has(head)) fail(dv.make("queryProperty", head, t.def.logicalName));
        return;
      }
      const nav = t.navigation.get(head);
      if (!nav) fail(dv.make("queryProperty", head, t.def.logicalName));
      if (nav.kind === "single") {
        const target = this.model.tables.get(nav.target ?? nav.column.targets?.[0] ?? "");
        if (target) checkPath(target, rest, lambdaVars);
      }
    };
    if (options.filter) {
      checkQueryFunctions(options.filter);
      const vars = new Set<string>();
      const collect = (e: import("../odata/filter.ts").FilterExpr): void => {
        if (e.kind === "lambda") vars.add(e.variable);
        if (e.kind === "and" || e.kind === "or") {
          collect(e.left);
          collect(e.right);
        } else if (e.kind === "not") collect(e.expr);
        else if (e.kind === "lambda" && e.predicate) collect(e.predicate);
      };
      collect(options.filter);
      for (const path of filterPaths(options.filter)) checkPath(table, path, vars);
    }
    for (const key of options.orderby ?? []) checkPath(table, key.path, new Set());
    // join-tables: "You can include up to 15 $expand options in a query"; each is a join (link-entity).
    const expands = (list: ExpandOption[] | undefined): number =>
      (list ?? []).reduce((n, ex) => n + 1 + expands(ex.options.expand), 0);
    if (expands(options.expand) > MAX_EXPANDS) fail(dv.make("tooManyExpands"));
    for (const ex of options.expand ?? []) {
      const nav = table.navigation.get(ex.property);
      if (!nav) fail(dv.make("queryProperty", ex.property, entity));
      if (ex.ref && nav.kind !== "single") fail(dv.make("expandRefCollection"));
      const target =
        nav.kind === "single"
          ? this.model.tables.get(nav.target ?? nav.column.targets?.[0] ?? "")
          : this.model.tables.get(nav.kind === "oneToMany" ? nav.rel.table : nav.rel.otherTable);
      if (target) this.validate(target, ex.options);
    }
  }

  /**
   * Whether an entity-set query nests an `$expand` in another (query/join-tables: then "only $select and $filter"
   * may be given to an expanded collection). `$top`/`$orderby` on a single-valued expansion are refused either way,
   * as the same message says.
   */
  nestedExpand(table: TableModel, expand: ExpandOption[] | undefined): boolean {
    const nested = (expand ?? []).some((ex) => ex.options.expand?.length);
    const check = (t: TableModel, list: ExpandOption[] | undefined): void => {
      for (const ex of list ?? []) {
        const nav = t.navigation.get(ex.property);
        if (!nav) continue;
        const limited = ex.options.top !== undefined || ex.options.orderby !== undefined;
        if (limited && (nav.kind === "single" || nested)) fail(dv.make("expandOptionsNested"));
        const target =
          nav.kind === "single"
            ? this.model.tables.get(nav.target ?? nav.column.targets?.[0] ?? "")
            : this.model.tables.get(nav.kind === "oneToMany" ? nav.rel.table : nav.rel.otherTable);
        if (target) check(target, ex.options.expand);
      }
    };
    check(table, expand);
    return nested;
  }

  /**
   * The order keys as the service sorts them: a lookup (`_primarycontactid_value`) by the related row's primary
   * name, not its GUID (query/order-rows, "Lookup Columns"); a choice by its integer value, as stored.
   */
  private orderKeys(table: TableModel, orderby: OrderKey[] | undefined): OrderKey[] | undefined {
    return orderby?.map((key) => {
      const column = key.path.length === 1 ? /^_(.+)_value$/.exec(key.path[0])?.[1] : undefined;
      const def = column ? table.columns.get(column) : undefined;
      if (def?.type !== "lookup") return key;
      return { ...key, path: [key.path[0], LOOKUP_NAME, def.targets?.[0] ?? ""] };
    });
  }

  /** Rows matching the filter, ordered (with the primary key as the final tiebreak). */
  select(table: TableModel, options: QueryOptions, rows?: Iterable<Row>): Row[] {
    const ctx = this.evalContext(table);
    try {
      // A list of ids is looked up by key, not evaluated on every row (keyValues, emulators/odata/query.ts).
      const keys = rows ? undefined : keyValues(options.filter, table.def.primaryKey, true);
      const list = rows || keys ? undefined : this.indexableList(table, options.filter);
      const candidates = keys
        ? [...new Set(keys)].flatMap((k): Row[] => {
            const row = this.records.get(table, k) ?? this.records.get(table, k.toLowerCase());
            return row ? [row] : [];
          })
        : list
          ? this.rowsWithText(table, list.column, list.values)
          : undefined;
      const matched = filterRows(candidates ?? rows ?? this.records.rows(table).values(), options.filter, ctx);
      return orderRows(matched, this.orderKeys(table, options.orderby), ctx, table.def.primaryKey);
    } catch (error) {
      if (error instanceof FilterEvalError) fail(dv.make("badQuery", error.message));
      throw error;
    }
  }

  /**
   * A list of values on one column other than the key (`_salesorderid_value eq … or …`, as the order flow reads the
   * lines of many orders at once; alone or one side of a top-level `and`), served from an index of that column's
   * lower-cased text. Every row such a list can match is among the rows the index gives (an `eq` with a GUID or
   * text literal compares lower-cased text), and the whole filter is still evaluated on each of them.
   */
  private indexableList(
    table: TableModel,
    filter: FilterExpr | undefined,
  ): { column: string; values: ReadonlyMap<string, unknown> } | undefined {
    if (!filter || this.options.indexed === false) return undefined;
    const list = textList(filter);
    if (list?.path.length !== 1 || list.path[0] === table.def.primaryKey) return undefined;
    return { column: list.path[0], values: list.values };
  }

  /** Rows whose `column`, as lower-cased text, is one of the lower-cased `values` (the keys), in key order. */
  private rowsWithText(table: TableModel, column: string, values: ReadonlyMap<string, unknown>): Row[] {
    const rows = this.records.rows(table);
    const index = rows.index(`text:${column}`, lowerTextIndex(column));
    const found = new Set<string>();
    for (const value of values.keys()) {
      for (const entry of index.entries(index.search((e) => compareText(e.key[0], value) >= 0))) {
        if (entry.key[0] !== value) break;
        found.add(entry.id);
      }
    }
    return [...found].sort().map((id) => rows.get(id) as Row);
  }

  /**
   * The JSON of a row: selected properties in the order asked (plus `_transactioncurrencyid_value` when a money
   * column is selected, and the primary key last), annotations when preferred, then expansions. `shape.inList`:
   * the row is an item of an entity-set response, where expanded single-valued rows carry no `@odata.etag` and
   * expanded collections carry the back-reference lookup and an `@odata.nextLink` (as the service does).
   */
  format(
    table: TableModel,
    row: Row,
    select: string[] | undefined,
    expand: ExpandOption[] | undefined,
    annotations?: string,
    shape: FormatShape = {},
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (shape.etag !== false) out["@odata.etag"] = weakEtag(row.versionnumber as number);
    const all = !select || select.length === 0 || select.includes("*");
    const names = all ? [...table.attributes.keys()] : select.filter((n) => table.attributes.has(n));
    const pk = table.def.primaryKey;
    const currencyAttr = lookupValue("transactioncurrencyid");
    if (!all && table.attributes.has(currencyAttr) && names.some((n) => table.attributes.get(n)?.type === "money")) {
      if (!names.includes(currencyAttr)) names.push(currencyAttr);
    }
    if (shape.backReference && !names.includes(shape.backReference)) names.push(shape.backReference);
    // `$expand=<lookup>/$ref` selects the lookup too: its value comes with the reference (join-tables, "Return
    // references"; retrieve-entity-using-web-api), as the context's `primarycontactid,primarycontactid/$ref()` says.
    for (const ex of expand ?? []) {
      const nav = ex.ref ? table.navigation.get(ex.property) : undefined;
      const attr = nav?.kind === "single" ? lookupValue(nav.column.name) : undefined;
      if (!all && attr && !names.includes(attr)) names.push(attr);
    }
    const ordered = [...names.filter((n) => n !== pk), pk];
    const formatted = annotationWanted(annotations, "OData.Community.Display.V1.FormattedValue");
    for (const name of ordered) {
      const column = table.attributes.get(name);
      const value = row[name] ?? null;
      if (column && value !== null && annotations) {
        const type =
          column.type === "lookup"
            ? ((row[`${name}${LOOKUP_TYPE}`] as string | undefined) ?? column.targets?.[0] ?? "")
            : undefined;
        // The formatted value comes first, then the lookup annotations (web-api-basic-operations-sample, with
        // `odata.include-annotations="*"`: `_transactioncurrencyid_value@…FormattedValue`, `…@…associatednavigationproperty`,
        // `…@…lookuplogicalname`, then the value).
        if (formatted) {
          const text = formattedValue(column, value, table.def.state, this.lookups, {
            lookupType: type,
            currencyId: row[currencyAttr] as string | undefined,
          });
          if (text !== undefined) out[`${name}@OData.Community.Display.V1.FormattedValue`] = text;
        }
        if (column.type === "lookup") {
          if (annotationWanted(annotations, "Microsoft.Dynamics.CRM.associatednavigationproperty")) {
            const multi = (column.targets?.length ?? 1) > 1 && !column.singleNav;
            out[`${name}@Microsoft.Dynamics.CRM.associatednavigationproperty`] = multi
              ? `${column.name}_${type}`
              : column.name;
          }
          if (annotationWanted(annotations, "Microsoft.Dynamics.CRM.lookuplogicalname"))
            out[`${name}${LOOKUP_TYPE}`] = type;
        }
      }
      out[name] = value;
    }
    // systemuser and team inherit their key from principal: expanded rows show it as ownerid too.
    if (shape.principal && (table.def.logicalName === "systemuser" || table.def.logicalName === "team"))
      out.ownerid = row[pk];
    for (const ex of expand ?? [])
      Object.assign(out, this.expand(table, row, ex, annotations, shape.inList === true, shape.nested));
    return out;
  }

  readonly lookups: FormatLookups = {
    primaryName: (logicalName, id) => {
      const target = this.model.tables.get(logicalName);
      const primary = target?.def.primaryName;
      const found = target && primary ? this.records.get(target, id) : undefined;
      return found && primary ? ((found[primary] as string | null | undefined) ?? undefined) : undefined;
    },
    currencySymbol: (currencyId) => {
      const currencies = this.model.table("transactioncurrency");
      const id = currencyId ?? this.records.baseCurrencyId();
      const row = id ? this.records.get(currencies, id) : undefined;
      return (row?.currencysymbol as string | undefined) ?? "";
    },
  };

  private expand(
    table: TableModel,
    row: Row,
    ex: ExpandOption,
    annotations: string | undefined,
    inList: boolean,
    nested?: { pageSize?: number },
  ): Record<string, unknown> {
    const nav = table.navigation.get(ex.property);
    if (!nav) return {};
    const root = this.options.serviceRoot();
    if (nav.kind === "single") {
      const target = this.single(table, row, ex.property);
      if (ex.ref) {
        return {
          [ex.property]: target
            ? { "@odata.id": `${root}${target.table.def.entitySet}(${target.row[target.table.def.primaryKey]})` }
            : null,
        };
      }
      return {
        [ex.property]: target
          ? this.format(target.table, target.row, ex.options.select, ex.options.expand, annotations, {
              etag: !inList,
              inList,
              principal: true,
              nested,
            })
          : null,
      };
    }
    const childTable = this.model.table(nav.kind === "oneToMany" ? nav.rel.table : nav.rel.otherTable);
    let rows = this.select(childTable, ex.options, this.collection(table, row, ex.property));
    if (ex.options.top !== undefined) rows = rows.slice(0, ex.options.top);
    const pageSize = nested?.pageSize !== undefined ? Math.max(1, Math.min(nested.pageSize, MAX_PAGE_SIZE)) : undefined;
    if (pageSize !== undefined) rows = rows.slice(0, pageSize);
    const backReference = inList && !nested && nav.kind === "oneToMany" ? lookupValue(nav.rel.column) : undefined;
    const out: Record<string, unknown> = {
      [ex.property]: rows.map((r) =>
        this.format(childTable, r, ex.options.select, ex.options.expand, annotations, {
          backReference,
          ...(nested ? { etag: false, inList, nested } : {}),
        }),
      ),
    };
    if (inList) {
      // The filtered collection with the expansion's options (join-tables); with a nested $expand and a full page,
      // the paging information too, so the URL returns the next rows.
      const path = `${table.def.entitySet}(${row[table.def.primaryKey]})/${ex.property}`;
      const params = expandOptionsQuery(ex.options);
      if (pageSize !== undefined && rows.length === pageSize) {
        const last = rows[rows.length - 1];
        const token = this.tokens.encode({ t: path, k: [last[childTable.def.primaryKey]], p: 2 });
        params.push(`$skiptoken=${encodeURIComponent(token)}`);
      }
      out[`${ex.property}@odata.nextLink`] = `${root}${path}${params.length ? `?${params.join("&")}` : ""}`;
    }
    return out;
  }

  /** GET on an entity set (collection), including change tracking. */
  list(
    table: TableModel,
    options: QueryOptions,
    prefs: Preferences,
    serviceRoot: string,
    rawQuery: string,
    /** A filtered collection (`systemusers(<id>)/user_accounts`): its rows, and its path for the nextLink. */
    source?: { rows: Row[]; path: string },
  ): ListResult {
    for (const unsupported of ["$skip", "$search", "$format", "$apply"]) {
      if (options.present.includes(unsupported))
        fail(dv.make("badQuery", `The query parameter ${unsupported} is not supported`));
    }
    const set = table.def.entitySet;
    const path = source?.path ?? set;
    const tracking = prefs.trackChanges || options.deltatoken !== undefined;
    if (tracking) {
      for (const opt of ["$filter", "$orderby", "$expand", "$top"]) {
        if (options.present.includes(opt)) fail(dv.make("changeTrackingOption", opt));
      }
    }
    this.validate(table, options);
    const selectSuffix = contextSelect(options.select, options.expand);
    const applied: string[] = [];
    if (options.deltatoken !== undefined) return this.delta(table, options, prefs, serviceRoot, selectSuffix);

    let page: PageToken | undefined;
    if (options.skiptoken !== undefined) {
      page = this.tokens.decode<PageToken>(options.skiptoken);
      if (!page || page.t !== path || !Array.isArray(page.k)) fail(dv.make("badSkipToken"));
    }
    const keys = [
      ...(this.orderKeys(table, options.orderby) ?? []),
      { path: [table.def.primaryKey], descending: false },
    ];
    const ctx = this.evalContext(table);
    const tuple = (r: Row) => keys.map((k) => ctx.resolve(r, k.path));
    // page-results: "Don't use $top with the Prefer: odata.maxpagesize request header. If you include both, $top is
    // ignored."
    let pageSize = MAX_PAGE_SIZE;
    let limited = false;
    if (prefs.maxPageSize !== undefined) {
      pageSize = Math.max(1, Math.min(prefs.maxPageSize, MAX_PAGE_SIZE));
      applied.push(`odata.maxpagesize=${pageSize}`);
    } else if (options.top !== undefined) {
      pageSize = Math.min(options.top, MAX_PAGE_SIZE);
      limited = true;
    }
    let slice: Row[];
    let more: boolean;
    /** Rows matching the query (for $count): known only when the whole table was filtered. */
    let total = 0;
    const indexed =
      source || this.options.indexed === false
        ? undefined
        : this.indexedPage(table, options, keys, page?.k, pageSize, limited);
    if (indexed) ({ slice, more } = indexed);
    else {
      const rows = this.select(table, options, source?.rows);
      const compare = (a: unknown[], b: unknown[]) => {
        for (let i = 0; i < keys.length; i++) {
          const d = orderValues(a[i], b[i], true);
          if (d !== 0) return keys[i].descending ? -d : d;
        }
        return 0;
      };
      let start = 0;
      if (page) {
        const after = page.k;
        start = rows.findIndex((r) => compare(tuple(r), after) > 0);
        if (start < 0) start = rows.length;
      }
      slice = rows.slice(start, start + pageSize);
      more = !limited && start + pageSize < rows.length;
      total = rows.length;
    }
    const body: Record<string, unknown> = { "@odata.context": `${serviceRoot}$metadata#${set}${selectSuffix}` };
    if (options.count) body["@odata.count"] = Math.min(total, MAX_PAGE_SIZE);
    // Without $count=true the service reports -1 (query/count-rows).
    if (annotationWanted(prefs.annotations, "Microsoft.Dynamics.CRM.totalrecordcount"))
      body["@Microsoft.Dynamics.CRM.totalrecordcount"] = options.count ? Math.min(total, MAX_PAGE_SIZE) : -1;
    if (annotationWanted(prefs.annotations, "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"))
      body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = options.count ? total > MAX_PAGE_SIZE : false;
    const nested = this.nestedExpand(table, options.expand) ? { pageSize: prefs.maxPageSize } : undefined;
    body.value = slice.map((r) =>
      this.format(table, r, options.select, options.expand, prefs.annotations, { inList: true, nested }),
    );
    const startVersion = page?.dv ?? this.records.currentVersion();
    if (more) {
      const last = slice[slice.length - 1];
      const token = this.tokens.encode({
        t: path,
        k: tuple(last),
        p: (page?.p ?? 1) + 1,
        ...(tracking ? { dv: startVersion } : {}),
      });
      const query = rawQuery
        .split("&")
        .filter((p) => p && !p.startsWith("$skiptoken="))
        .concat(`$skiptoken=${encodeURIComponent(token)}`)
        .join("&");
      body["@odata.nextLink"] = `${serviceRoot}${path}?${query}`;
    } else if (tracking) {
      body["@odata.deltaLink"] = this.deltaLink(serviceRoot, set, options.select, startVersion);
    }
    if (tracking) applied.push("odata.track-changes");
    if (prefs.annotations !== undefined) applied.push(`odata.include-annotations="${prefs.annotations}"`);
    return { body: deltaLinkFirst(body), rowsRead: slice.length, preferenceApplied: applied };
  }

  /**
   * One page of a table read from the index of its order (emulators/odata/indexed.ts) instead of filtering and
   * sorting the whole table: the same rows as `select` + the skiptoken's position. Undefined when the query is one
   * the index does not serve: a count (needs every match), a list of ids (looked up by key instead), an order
   * through a navigation path, a filter that must be evaluated on every row (walkable).
   */
  private indexedPage(
    table: TableModel,
    options: QueryOptions,
    keys: OrderKey[],
    after: unknown[] | undefined,
    pageSize: number,
    limited: boolean,
  ): { slice: Row[]; more: boolean } | undefined {
    const filter = options.filter;
    if (options.count || keys.some((k) => k.path.length !== 1)) return undefined;
    if (keyValues(filter, table.def.primaryKey, true) || this.indexableList(table, filter)) return undefined;
    if (!walkable(filter, INDEXED_FUNCTIONS)) return undefined;
    const { name, spec } = orderIndex(keys, true);
    const rows = this.records.rows(table);
    const index = rows.index(name, spec);
    const ctx = this.evalContext(table);
    try {
      const range = boundRange(index, keys[0], filter, (bound, id) => evaluateFilter(bound, rows.get(id) as Row, ctx));
      const from = after ? Math.max(range.from, positionAfter(index, spec, keys.length, after, true)) : range.from;
      const slice: Row[] = [];
      let more = false;
      let position = from;
      for (const entry of index.entries(from)) {
        // $top: no next page, so no need to look for one more row.
        if (limited && slice.length === pageSize) break;
        if (position++ >= range.to) break;
        const row = rows.get(entry.id) as Row;
        if (filter && !range.exact && !evaluateFilter(filter, row, ctx)) continue;
        if (slice.length === pageSize) {
          more = true;
          break;
        }
        slice.push(row);
      }
      return { slice, more };
    } catch (error) {
      if (error instanceof FilterEvalError) fail(dv.make("badQuery", error.message));
      throw error;
    }
  }

  private deltaLink(serviceRoot: string, set: string, select: string[] | undefined, version: number): string {
    const d = new Date(this.options.now());
    const p = (n: number) => String(n).padStart(2, "0");
    const stamp = `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
    const token = encodeURIComponent(`${version}!${stamp}`).replace(/!/g, "%21");
    const sel = select?.length ? `$select=${select.join(",")}&` : "";
    return `${serviceRoot}${set}?${sel}$deltatoken=${token}`;
  }

  private delta(
    table: TableModel,
    options: QueryOptions,
    prefs: Preferences,
    serviceRoot: string,
    selectSuffix: string,
  ): ListResult {
    const token = options.deltatoken ?? "";
    const m = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token);
    if (!m) fail(dv.make("badDeltaToken", token));
    const version = Number(m[1]);
    const issued = Date.UTC(Number(m[4]), Number(m[2]) - 1, Number(m[3]), Number(m[5]), Number(m[6]), Number(m[7]));
    if (version > this.records.currentVersion()) fail(dv.make("badDeltaToken", token));
    if (this.options.now() - issued > this.options.expireChangeTrackingDays() * 86_400_000)
      fail(dv.make("expiredDeltaToken"));
    // A delta read covers the versions (version, upTo]; its pages keep that window so rows changed again while
    // paging move to the next delta instead of shifting the pages. Keyset: changes first, then deletions.
    let upTo = this.records.currentVersion();
    let after: [number, number] = [-1, 0];
    if (options.skiptoken !== undefined) {
      const page = this.tokens.decode<{ t: string; to: number; k: [number, number] }>(options.skiptoken);
      if (!page || page.t !== table.def.entitySet || !Array.isArray(page.k)) fail(dv.make("badSkipToken"));
      upTo = page.to;
      after = page.k;
    }
    const inWindow = (v: number) => v > version && v <= upTo;
    const pageSize = Math.max(1, Math.min(prefs.maxPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
    type Item = { kind: number; version: number; row?: Row; id: string };
    // The changed rows of the window past the skiptoken, in version order, up to one more than a page.
    const pending: Item[] = [];
    if (after[0] <= 0) {
      const since = after[0] === 0 ? Math.max(version, after[1]) : version;
      for (const r of this.changedSince(table, since, upTo, pageSize + 1)) {
        pending.push({ kind: 0, version: r.versionnumber as number, row: r, id: r[table.def.primaryKey] as string });
      }
    }
    if (pending.length <= pageSize) {
      for (const d of this.records.deletedSince(table, version)) {
        // Re-created with the same id: reported as a change instead.
        if (!inWindow(d.version) || this.records.get(table, d.id)) continue;
        if (after[0] === 1 && d.version <= after[1]) continue;
        pending.push({ kind: 1, version: d.version, id: d.id });
      }
    }
    const slice = pending.slice(0, pageSize);
    const set = table.def.entitySet;
    const value = slice.map((i) =>
      i.row
        ? this.format(table, i.row, options.select, undefined, prefs.annotations)
        : { "@odata.context": `${serviceRoot}$metadata#${set}/$deletedEntity`, id: i.id, reason: "deleted" },
    );
    const body: Record<string, unknown> = {
      "@odata.context": `${serviceRoot}$metadata#${set}${selectSuffix}/$delta`,
      value,
    };
    if (pending.length > slice.length) {
      const last = slice[slice.length - 1];
      const skip = this.tokens.encode({ t: set, to: upTo, k: [last.kind, last.version] });
      const sel = options.select?.length ? `$select=${options.select.join(",")}&` : "";
      const delta = encodeURIComponent(token).replace(/!/g, "%21");
      body["@odata.nextLink"] =
        `${serviceRoot}${set}?${sel}$deltatoken=${delta}&$skiptoken=${encodeURIComponent(skip)}`;
    } else {
      body["@odata.deltaLink"] = this.deltaLink(serviceRoot, set, options.select, upTo);
    }
    const applied = ["odata.track-changes"];
    if (prefs.maxPageSize !== undefined) applied.push(`odata.maxpagesize=${pageSize}`);
    return { body: deltaLinkFirst(body), rowsRead: value.length, preferenceApplied: applied };
  }
}

/** The change-tracking docs show `@odata.deltaLink` before `value`; keep that member order. */
function deltaLinkFirst(body: Record<string, unknown>): Record<string, unknown> {
  if (!("@odata.deltaLink" in body)) return body;
  const { value, "@odata.deltaLink": deltaLink, ...rest } = body;
  const { "@odata.context": context, ...others } = rest;
  return { "@odata.context": context, "@odata.deltaLink": deltaLink, ...others, value };
}

/** filter-rows "Condition limits": no more than 500 conditions in a query. */
export const MAX_CONDITIONS = 500;

/**
 * Dataverse's own checks of a filter before it runs: query functions exist and have their documented parameters,
 * none is negated with `not` (use-web-api-functions, "Limitations of query functions"), and the filter has no more
 * than 500 conditions (filter-rows, "Condition limits").
 */
export function checkQueryFunctions(filter: FilterExpr): void {
  let conditions = 0;
  const visit = (e: FilterExpr, negated: boolean): void => {
    switch (e.kind) {
      case "and":
      case "or":
        visit(e.left, negated);
        visit(e.right, negated);
        return;
      case "not":
        visit(e.expr, true);
        return;
      case "lambda":
        conditions++;
        if (e.predicate) visit(e.predicate, negated);
        return;
      case "function": {
        conditions++;
        const takes = e.namespace === "Microsoft.Dynamics.CRM" ? CRM_FUNCTION_PARAMETERS[e.name] : undefined;
        if (!takes)
          fail(dv.make("badQuery", `'${e.namespace ? `${e.namespace}.` : ""}${e.name}' is not a valid function.`));
        if (negated) fail(dv.make("notQueryFunction"));
        const name = e.params.PropertyName;
        if (!name || Array.isArray(name) || typeof name.value !== "string")
          fail(dv.make("badQuery", `The parameter 'PropertyName' of ${e.name} is required and must be a string.`));
        if (takes === "one" && (!e.params.PropertyValue || Array.isArray(e.params.PropertyValue)))
          fail(dv.make("badQuery", `The parameter 'PropertyValue' of ${e.name} is required.`));
        if (takes === "many" && !Array.isArray(e.params.PropertyValues))
          fail(
            dv.make("badQuery", `The parameter 'PropertyValues' of ${e.name} is required and must be a collection.`),
          );
        return;
      }
      default:
        conditions++;
    }
  };
  visit(filter, false);
  if (conditions > MAX_CONDITIONS) fail(dv.make("tooManyConditions"));
}

/** Characters that would end or change a query parameter's value. */
function queryText(text: string): string {
  return text.replace(/[%&#+ ]/g, (c) => encodeURIComponent(c));
}

/** An expansion's options as query parameters of its filtered collection's URL (join-tables nextLinks). */
function expandOptionsQuery(options: QueryOptions): string[] {
  const params: string[] = [];
  if (options.select?.length) params.push(`$select=${options.select.join(",")}`);
  if (options.filterText !== undefined) params.push(`$filter=${queryText(options.filterText)}`);
  if (options.orderby?.length)
    params.push(
      `$orderby=${options.orderby.map((k) => `${k.path.join("/")}${k.descending ? "%20desc" : ""}`).join(",")}`,
    );
  if (options.top !== undefined) params.push(`$top=${options.top}`);
  if (options.expand?.length) params.push(`$expand=${options.expand.map(expandText).join(",")}`);
  return params;
}

/** An expansion as `$expand` text: `owninguser($select=fullname;$expand=…)`. */
function expandText(ex: ExpandOption): string {
  if (ex.ref) return `${ex.property}/$ref`;
  const inner = expandOptionsQuery(ex.options);
  return inner.length ? `${ex.property}(${inner.join(";")})` : ex.property;
}
