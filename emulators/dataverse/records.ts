// Writes to Dataverse tables with the platform's semantics: payload validation, @odata.bind lookups, audit
// stamping from the caller, row versions, alternate-key uniqueness, state/status rules, cascades and the
// deleted-row log that change tracking reads.
import { randomUUID } from "node:crypto";
import type { Literal } from "../odata/filter.ts";
import { rowsWhere } from "../runtime/equality.ts";
import type { Store, StoredRow, StoreTable } from "../runtime/storage.ts";
import { dv, fail } from "./errors.ts";
import { type KeySpec, normalizeGuid, parseKey, splitKeySegment, splitPath } from "./keys.ts";
import type { Model, TableModel } from "./model.ts";
import { type Column, lookupValue } from "./schema.ts";

export type Row = StoredRow;

export interface Caller {
  /** The user the operation runs as (impersonated user when impersonating). */
  userId: string;
  /** The authenticated user (the application user); differs from userId when impersonating. */
  callingUserId: string;
}

export interface WriteContext {
  caller: Caller;
  now: Date;
  /** Content-ID → service-relative URL of the record that request created (inside a $batch change set). */
  contentIds?: Map<string, string>;
  serviceRoot: URL;
  /** `MSCRM.SuppressDuplicateDetection: false`: the table's duplicate detection rules apply to this write. */
  detectDuplicates?: boolean;
}

export const LOOKUP_TYPE = "@Microsoft.Dynamics.CRM.lookuplogicalname";
const META_TABLE = "__meta";
/** Parsed references kept (resolveReference): enough for a bulk request's distinct binds many times over. */
const REFERENCES_KEPT = 10_000;
const deletedTable = (logical: string) => `__deleted:${logical}`;

/** Lookup columns whose parent's deletion deletes the row (Cascade); other lookups are cleared (RemoveLink). */
const CASCADE = new Set([
  "salesorderdetail.salesorderid",
  "quotedetail.quoteid",
  "invoicedetail.invoiceid",
  "productpricelevel.pricelevelid",
  "productpricelevel.productid",
  "uom.uomscheduleid",
  "annotation.objectid",
]);

/** Primary keys of intersect rows that have no table of their own in the model. */
const INTERSECT_KEYS: Record<string, string> = { roleprivileges: "roleprivilegeid" };

const FULLNAME_TABLES = new Set(["contact", "lead", "systemuser"]);
/**
 * Sales document lines and their header (the lookup column on the line names the header table). Dataverse's pricing
 * engine ("use system pricing") keeps a line's amounts and its header's totals up to date, and a line always has
 * its header's currency.
 */
const DOCUMENT_LINES: Record<string, string> = {
  salesorderdetail: "salesorder",
  quotedetail: "quote",
  invoicedetail: "invoice",
};
/**
 * A value of the wrong type for its column, as the service words it. A module function, not a closure made in
 * checkValue: a closure per column value was 4% of the emulators' CPU in a 20,000-item sync.
 */
function literalError(entity: string, value: unknown, edm: string): never {
  return fail(
    dv.make("payloadValue", entity, `Cannot convert the literal '${String(value)}' to the expected type '${edm}'.`),
  );
}

const money = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : Number(v ?? 0) || 0);
const round2 = (n: number): number => Math.round(n * 100) / 100;

/** A committed-or-not write to a row, for the webhook dispatcher (which re-reads the row before it posts). */
export interface RecordChange {
  message: "Create" | "Update" | "Delete";
  table: string;
  id: string;
  /** The row after the write (before it, for Delete). */
  row: Row;
  changedColumns: string[];
  caller: Caller;
  at: Date;
}

export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export class Records {
  private keyIndexes = new Map<string, Map<string, string>>();
  private readonly changeListeners: ((change: RecordChange) => void)[] = [];

  /** Registers a listener told of every create, update and delete (plug-in steps run from it). */
  onChange(listener: (change: RecordChange) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(change: RecordChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  constructor(
    readonly store: Store,
    readonly model: Model,
  ) {}

  rows(table: TableModel): StoreTable<Row> {
    return this.store.table<Row>(table.def.logicalName);
  }

  get(table: TableModel, id: string): Row | undefined {
    return this.rows(table).get(id);
  }

  /** Atomic unit of work; in-memory key indexes are dropped on rollback (they are rebuilt on demand). */
  transaction<T>(work: () => T): T {
    try {
      return this.store.transaction(work);
    } catch (error) {
      this.keyIndexes.clear();
      throw error;
    }
  }

  currentVersion(): number {
    return (this.store.table(META_TABLE).get("version")?.value as number | undefined) ?? 0;
  }

  /** A new row version (for platform rows written outside create/update, such as intersect rows). */
  bumpVersion(): number {
    return this.nextVersion();
  }

  private nextVersion(): number {
    const v = this.currentVersion() + 1;
    this.store.table(META_TABLE).put("version", { value: v });
    return v;
  }

  deletedSince(table: TableModel, version: number): { id: string; version: number }[] {
    const out: { id: string; version: number }[] = [];
    for (const [, r] of this.store.table(deletedTable(table.def.logicalName)).scan()) {
      if ((r.version as number) > version) out.push({ id: r.id as string, version: r.version as number });
    }
    return out.sort((a, b) => a.version - b.version);
  }

  // ---- keys -------------------------------------------------------------------------------------------------

  private keyIndex(table: TableModel, columns: string[]): Map<string, string> {
    const name = `${table.def.logicalName}|${columns.join(",")}`;
    let index = this.keyIndexes.get(name);
    if (!index) {
      index = new Map();
      for (const [id, row] of this.rows(table).scan()) {
        const k = keyOf(row, columns);
        if (k !== undefined) index.set(k, id);
      }
      this.keyIndexes.set(name, index);
    }
    return index;
  }

  private indexedKeys(table: TableModel): string[][] {
    return [...table.def.alternateKeys, ...(table.def.unique ?? []).map((u) => [u.column])];
  }

  private reindex(table: TableModel, id: string, before: Row | undefined, after: Row | undefined): void {
    for (const cols of this.indexedKeys(table)) {
      const index = this.keyIndexes.get(`${table.def.logicalName}|${cols.join(",")}`);
      if (!index) continue;
      const old = before ? keyOf(before, cols) : undefined;
      if (old !== undefined && index.get(old) === id) index.delete(old);
      const now = after ? keyOf(after, cols) : undefined;
      if (now !== undefined) index.set(now, id);
    }
  }

  /** Finds a row by the values of one of the table's alternate keys. */
  findByAlternateKey(table: TableModel, values: Record<string, Literal>): Row | undefined {
    const names = Object.keys(values).sort();
    const key = table.def.alternateKeys.find((k) => [...k].sort().join(",") === names.join(","));
    if (!key) {
      fail(dv.make("badKey", table.def.logicalName));
    }
    const probe: Row = {};
    for (const [k, lit] of Object.entries(values)) probe[attributeFor(table, k)] = lit.value;
    const k = keyOf(
      probe,
      key.map((c) => attributeFor(table, c)),
    );
    const id =
      k === undefined
        ? undefined
        : this.keyIndex(
            table,
            key.map((c) => attributeFor(table, c)),
          ).get(k);
    return id ? this.get(table, id) : undefined;
  }

  /** Resolves a key spec to a row; undefined when there is none. */
  find(table: TableModel, key: KeySpec): Row | undefined {
    if (key.kind === "id") return this.get(table, key.id);
    // `accounts(accountid=<guid>)`: the primary key named (not for systemuser/team, whose key is principal's).
    const names = Object.keys(key.values);
    const named = key.values[table.def.primaryKey];
    if (names.length === 1 && named && !["systemuser", "team"].includes(table.def.logicalName)) {
      return typeof named.value === "string" ? this.get(table, named.value.toLowerCase()) : undefined;
    }
    return this.findByAlternateKey(table, key.values);
  }

  /** `/accounts(<id>)`, `accounts(accountnumber='x')`, absolute URLs, `$1`: the referenced table and row id. */
  resolveReference(url: string, ctx: WriteContext): { table: TableModel; id: string } {
    const ref = /^\$([A-Za-z0-9_.-]+)$/.exec(url.trim());
    let target = url;
    if (ref) {
      const created = ctx.contentIds?.get(ref[1]);
      if (!created) fail(dv.make("contentIdMissing", url.trim()));
      target = created;
    }
    const parsed = this.parsedReference(target, ctx.serviceRoot.pathname);
    if (!parsed) fail(dv.make("invalidArgument", `The URI '${url}' is not a valid entity reference.`));
    const { table, key } = parsed;
    const row = this.find(table, key);
    if (!row) {
      fail(
        key.kind === "id"
          ? dv.make("notFound", table.def.logicalName, key.id)
          : dv.make("keyNotFound", table.def.logicalName),
      );
    }
    return { table, id: row[table.def.primaryKey] as string };
  }

  /**
   * A reference's table and key, parsed once per distinct text: a bulk create's rows bind the same few price
   * lists, units and parents again and again (resolving the binds was a fifth of the Dataverse emulator's time for
   * bulk creates in a 20,000-item sync, most of it parsing). Only the parse is kept, never whether the row exists.
   * Bounded: cleared when it fills.
   */
  private readonly references = new Map<string, { table: TableModel; key: KeySpec } | undefined>();
  private parsedReference(url: string, root: string): { table: TableModel; key: KeySpec } | undefined {
    const cacheKey = `${root}\n${url}`;
    if (this.references.has(cacheKey)) return this.references.get(cacheKey);
    let target = url.trim();
    if (/^https?:\/\//i.test(target)) target = new URL(target).pathname;
    if (target.startsWith(root)) target = target.slice(root.length);
    target = target.replace(/^\/+/, "");
    const segments = splitPath(decodeURIComponent(target));
    const seg = segments.length === 1 ? splitKeySegment(segments[0]) : undefined;
    const table = seg ? this.model.bySet.get(seg.name) : undefined;
    const key = seg?.key !== undefined ? parseKey(seg.key) : undefined;
    const parsed = table && key ? { table, key } : undefined;
    if (this.references.size >= REFERENCES_KEPT) this.references.clear();
    this.references.set(cacheKey, parsed);
    return parsed;
  }

  // ---- writes -----------------------------------------------------------------------------------------------

  /**
   * Creates a row. `presetKey` is the URL's key for upserts (id or alternate key values). Returns the stored row.
   * Collection-valued deep inserts and N:N binds run after the parent exists.
   */
  create(table: TableModel, body: Record<string, unknown>, ctx: WriteContext, presetKey?: KeySpec): Row {
    const def = table.def;
    const pk = def.primaryKey;
    const row: Row = {};
    const after: (() => void)[] = [];
    this.applyPayload(table, row, body, ctx, "create", after);
    let id = row[pk] as string | undefined;
    if (presetKey?.kind === "id") id = presetKey.id;
    if (presetKey?.kind === "alternate") {
      // use-upsert-insert-update-record: a key value the body sets is used even when it differs from the URL's;
      // the URL's value is copied only when the body has none.
      for (const [k, lit] of Object.entries(presetKey.values)) {
        const attr = attributeFor(table, k);
        if (row[attr] === undefined) row[attr] = lit.value;
      }
    }
    id = id ?? randomUUID();
    if (this.rows(table).has(id)) fail(dv.make("duplicateRecord"));
    row[pk] = id;

    for (const c of def.columns) {
      if (!c.required) continue;
      const attr = c.type === "lookup" ? lookupValue(c.name) : c.name;
      if (row[attr] === undefined || row[attr] === null) fail(dv.make("required", c.name, def.logicalName));
    }
    if (def.state) {
      const state = (row.statecode as number | undefined) ?? def.state.defaultState ?? 0;
      const statuses = def.state.states[state] ?? [];
      const status = (row.statuscode as number | undefined) ?? statuses[0];
      if (!statuses.includes(status)) {
        fail(
          dv.make("invalidStatus", status, `${def.state.enumName}.${def.state.stateNames[state]}`, def.logicalName, id),
        );
      }
      row.statecode = state;
      row.statuscode = status;
    }
    const now = isoSeconds(ctx.now);
    row.createdon = typeof row.overriddencreatedon === "string" ? row.overriddencreatedon : now;
    row.modifiedon = now;
    this.stampUser(row, "createdby", ctx.caller.userId);
    this.stampUser(row, "modifiedby", ctx.caller.userId);
    if (ctx.caller.callingUserId !== ctx.caller.userId) {
      this.stampUser(row, "createdonbehalfby", ctx.caller.callingUserId);
      this.stampUser(row, "modifiedonbehalfby", ctx.caller.callingUserId);
    }
    if (def.ownership === "user" && !row._ownerid_value) {
      row._ownerid_value = ctx.caller.userId;
      row[`_ownerid_value${LOOKUP_TYPE}`] = "systemuser";
    }
    if (def.ownership === "organization") {
      const org = this.store.table("organization").scan().next().value;
      if (org) row._organizationid_value = org[0];
    }
    if (table.columns.has("transactioncurrencyid") && !row._transactioncurrencyid_value) {
      const base = this.baseCurrencyId();
      if (base && def.columns.some((c) => c.type === "money")) row._transactioncurrencyid_value = base;
    }
    this.derive(table, row);
    this.checkUnique(table, id, row);
    if (ctx.detectDuplicates) this.checkDuplicates(table, id, row);
    row.versionnumber = this.nextVersion();
    this.rows(table).put(id, row);
    this.reindex(table, id, undefined, row);
    for (const run of after) run.call(undefined);
    if (def.logicalName === "uomschedule") this.createBaseUom(row, ctx);
    this.recalculateHeader(def.logicalName, row, ctx);
    const created = this.get(table, id) as Row;
    this.changed({
      message: "Create",
      table: def.logicalName,
      id,
      row: created,
      changedColumns: Object.keys(body),
      caller: ctx.caller,
      at: ctx.now,
    });
    return created;
  }

  /** Updates a row (PATCH semantics: only the given properties change). */
  update(table: TableModel, existing: Row, body: Record<string, unknown>, ctx: WriteContext): Row {
    const def = table.def;
    const id = existing[def.primaryKey] as string;
    const row: Row = { ...existing };
    const after: (() => void)[] = [];
    this.applyPayload(table, row, body, ctx, "update", after);
    row[def.primaryKey] = id;
    for (const c of def.columns) {
      if (!c.required) continue;
      const attr = c.type === "lookup" ? lookupValue(c.name) : c.name;
      if (attr in body || `${c.name}@odata.bind` in body) {
        if (row[attr] === undefined || row[attr] === null) fail(dv.make("required", c.name, def.logicalName));
      }
    }
    if (def.state && ("statecode" in body || "statuscode" in body)) this.changeState(table, existing, row, body);
    row.modifiedon = isoSeconds(ctx.now);
    this.stampUser(row, "modifiedby", ctx.caller.userId);
    if (ctx.caller.callingUserId !== ctx.caller.userId)
      this.stampUser(row, "modifiedonbehalfby", ctx.caller.callingUserId);
    else {
      delete row._modifiedonbehalfby_value;
      delete row[`_modifiedonbehalfby_value${LOOKUP_TYPE}`];
    }
    this.derive(table, row);
    this.checkUnique(table, id, row);
    if (ctx.detectDuplicates) this.checkDuplicates(table, id, row);
    row.versionnumber = this.nextVersion();
    this.rows(table).put(id, row);
    this.reindex(table, id, existing, row);
    for (const run of after) run.call(undefined);
    this.recalculateHeader(def.logicalName, row, ctx);
    if (DOCUMENT_LINES[def.logicalName] === undefined && Object.values(DOCUMENT_LINES).includes(def.logicalName)) {
      // A client that writes the totals itself (Business Central does) keeps them.
      const writesTotals = Object.keys(body).some((k) => k.startsWith("total"));
      if (!writesTotals && ("discountamount" in body || "freightamount" in body))
        this.recalculateTotals(def.logicalName, id, ctx);
    }
    const updated = this.get(table, id) as Row;
    this.changed({
      message: "Update",
      table: def.logicalName,
      id,
      row: updated,
      changedColumns: Object.keys(body),
      caller: ctx.caller,
      at: ctx.now,
    });
    return updated;
  }

  delete(table: TableModel, id: string, ctx: WriteContext): void {
    const existing = this.get(table, id);
    if (!existing) fail(dv.make("notFound", table.def.logicalName, id));
    this.rows(table).delete(id);
    this.reindex(table, id, existing, undefined);
    this.store.table(deletedTable(table.def.logicalName)).put(id, { id, version: this.nextVersion() });
    this.recalculateHeader(table.def.logicalName, existing as Row, ctx);
    this.changed({
      message: "Delete",
      table: table.def.logicalName,
      id,
      row: existing as Row,
      changedColumns: [],
      caller: ctx.caller,
      at: ctx.now,
    });
    // Intersect rows of N:N relationships go with the row.
    for (const rel of table.def.manyToMany) {
      const intersect = this.store.table<Row>(rel.intersect);
      for (const [iid, r] of [...intersect.scan()]) if (r[rel.selfColumn] === id) intersect.delete(iid);
    }
    for (const { table: child, column } of this.model.referencing(table.def.logicalName)) {
      const attr = lookupValue(column.name);
      for (const [cid, r] of rowsWhere(this.rows(child), { [attr]: id })) {
        if (CASCADE.has(`${child.def.logicalName}.${column.name}`)) this.delete(child, cid, ctx);
        else {
          const cleared: Row = { ...r, versionnumber: this.nextVersion(), modifiedon: isoSeconds(ctx.now) };
          delete cleared[attr];
          delete cleared[`${attr}${LOOKUP_TYPE}`];
          this.derive(child, cleared);
          this.rows(child).put(cid, cleared);
        }
      }
    }
  }

  associate(
    table: TableModel,
    id: string,
    navName: string,
    target: { table: TableModel; id: string },
    ctx: WriteContext,
  ): void {
    const nav = table.navigation.get(navName);
    if (nav?.kind === "manyToMany") {
      if (target.table.def.logicalName !== nav.rel.otherTable) {
        fail(
          dv.make("invalidArgument", `The relationship '${navName}' does not relate ${target.table.def.logicalName}.`),
        );
      }
      const intersect = this.store.table<Row>(nav.rel.intersect);
      for (const [, r] of intersect.scan()) {
        if (r[nav.rel.selfColumn] === id && r[nav.rel.otherColumn] === target.id) fail(dv.make("duplicateRecord"));
      }
      const iid = randomUUID();
      const pk = this.model.tables.get(nav.rel.intersect)?.def.primaryKey ?? INTERSECT_KEYS[nav.rel.intersect];
      intersect.put(iid, {
        [pk ?? `${nav.rel.intersect}id`]: iid,
        [nav.rel.selfColumn]: id,
        [nav.rel.otherColumn]: target.id,
        // A role's privilege associated without a depth (not through AddPrivilegesRole) counts as Global.
        ...(nav.rel.intersect === "roleprivileges" ? { privilegedepthmask: 8 } : {}),
        versionnumber: this.nextVersion(),
      });
      return;
    }
    if (nav?.kind === "oneToMany") {
      const child = this.model.table(nav.rel.table);
      const existing = this.get(child, target.id);
      if (!existing) fail(dv.make("notFound", child.def.logicalName, target.id));
      const column = child.columns.get(nav.rel.column);
      const bindName =
        (column?.targets?.length ?? 1) > 1 && !column?.singleNav
          ? `${nav.rel.column}_${table.def.logicalName}`
          : nav.rel.column;
      this.update(child, existing, { [`${bindName}@odata.bind`]: `/${table.def.entitySet}(${id})` }, ctx);
      return;
    }
    if (nav?.kind === "single") {
      const existing = this.get(table, id);
      if (!existing) fail(dv.make("notFound", table.def.logicalName, id));
      this.update(table, existing, { [`${navName}@odata.bind`]: `/${target.table.def.entitySet}(${target.id})` }, ctx);
      return;
    }
    fail(dv.make("segmentNotFound", navName));
  }

  disassociate(table: TableModel, id: string, navName: string, otherId: string | undefined, ctx: WriteContext): void {
    const nav = table.navigation.get(navName);
    if (nav?.kind === "manyToMany") {
      const intersect = this.store.table<Row>(nav.rel.intersect);
      let removed = false;
      for (const [iid, r] of [...intersect.scan()]) {
        if (r[nav.rel.selfColumn] === id && (otherId === undefined || r[nav.rel.otherColumn] === otherId)) {
          intersect.delete(iid);
          removed = true;
        }
      }
      if (!removed) fail(dv.make("notFound", nav.rel.otherTable, otherId ?? ""));
      return;
    }
    if (nav?.kind === "oneToMany" && otherId) {
      const child = this.model.table(nav.rel.table);
      const existing = this.get(child, otherId);
      if (!existing || existing[lookupValue(nav.rel.column)] !== id)
        fail(dv.make("notFound", child.def.logicalName, otherId));
      const column = child.columns.get(nav.rel.column);
      const bindName =
        (column?.targets?.length ?? 1) > 1 && !column?.singleNav
          ? `${nav.rel.column}_${table.def.logicalName}`
          : nav.rel.column;
      this.update(child, existing, { [`${bindName}@odata.bind`]: null }, ctx);
      return;
    }
    if (nav?.kind === "single") {
      const existing = this.get(table, id);
      if (!existing) fail(dv.make("notFound", table.def.logicalName, id));
      this.update(table, existing, { [`${navName}@odata.bind`]: null }, ctx);
      return;
    }
    fail(dv.make("segmentNotFound", navName));
  }

  /** Rows of `child` whose lookup `column` points at `id`. */
  related(child: TableModel, column: string, id: string): Row[] {
    return [...rowsWhere(this.rows(child), { [lookupValue(column)]: id })].map(([, r]) => r);
  }

  manyToManyRows(table: TableModel, navName: string, id: string): Row[] {
    const nav = table.navigation.get(navName);
    if (nav?.kind !== "manyToMany") return [];
    const other = this.model.table(nav.rel.otherTable);
    const out: Row[] = [];
    for (const [, r] of this.store.table<Row>(nav.rel.intersect).scan()) {
      if (r[nav.rel.selfColumn] !== id) continue;
      const o = this.get(other, r[nav.rel.otherColumn] as string);
      if (o) out.push(o);
    }
    return out;
  }

  baseCurrencyId(): string | undefined {
    const org = this.store.table<Row>("organization").scan().next().value;
    return org?.[1]._basecurrencyid_value as string | undefined;
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private stampUser(row: Row, column: string, userId: string): void {
    row[`_${column}_value`] = userId;
    row[`_${column}_value${LOOKUP_TYPE}`] = "systemuser";
  }

  private applyPayload(
    table: TableModel,
    row: Row,
    body: Record<string, unknown>,
    ctx: WriteContext,
    mode: "create" | "update",
    after: (() => void)[],
  ): void {
    const entity = table.def.logicalName;
    for (const [key, value] of Object.entries(body)) {
      if (key.endsWith("@odata.bind")) {
        this.applyBind(table, row, key.slice(0, -"@odata.bind".length), value, ctx, mode, after);
        continue;
      }
      if (key.includes("@")) continue; // annotations such as @odata.type, @odata.etag
      const nav = table.navigation.get(key);
      if (nav?.kind === "single" && value === null) {
        // `"parentaccountid": null` disassociates, like `"parentaccountid@odata.bind": null`.
        this.applyBind(table, row, key, null, ctx, mode, after);
        continue;
      }
      if (nav) {
        this.deepInsert(table, row, nav, value, ctx, after);
        continue;
      }
      const column = table.columns.get(key);
      if (!column || column.type === "lookup") fail(dv.make("payloadProperty", entity, key));
      if (column.readOnly) continue; // the platform ignores values for columns not valid for create/update
      if (column.createOnly && mode === "update" && column.type !== "uniqueidentifier") continue;
      row[key] = this.checkValue(table, column, value);
    }
  }

  private applyBind(
    table: TableModel,
    row: Row,
    navName: string,
    value: unknown,
    ctx: WriteContext,
    mode: "create" | "update",
    after: (() => void)[],
  ): void {
    const entity = table.def.logicalName;
    const nav = table.navigation.get(navName);
    if (!nav) fail(dv.make("payloadProperty", entity, navName));
    if (nav.kind === "single") {
      const column = nav.column;
      if (column.readOnly || (column.createOnly && mode === "update")) {
        if (column.readOnly) return;
      }
      const attr = lookupValue(column.name);
      if (value === null) {
        delete row[attr];
        delete row[`${attr}${LOOKUP_TYPE}`];
        return;
      }
      if (typeof value !== "string")
        fail(dv.make("payloadValue", entity, `An @odata.bind value for '${navName}' must be a URL.`));
      const target = this.resolveReference(value, ctx);
      const targetName = target.table.def.logicalName;
      const allowed = nav.target ? [nav.target] : (column.targets ?? []);
      if (!allowed.includes(targetName)) {
        fail(
          dv.make(
            "payloadValue",
            entity,
            `A navigation property '${navName}' cannot reference an entity of type '${targetName}'.`,
          ),
        );
      }
      row[attr] = target.id;
      row[`${attr}${LOOKUP_TYPE}`] = targetName;
      return;
    }
    const urls = Array.isArray(value) ? value : [value];
    after.push(() => {
      const id = row[table.def.primaryKey] as string;
      for (const url of urls) {
        if (typeof url !== "string")
          fail(dv.make("payloadValue", entity, `Bind values for '${navName}' must be URLs.`));
        this.associate(table, id, navName, this.resolveReference(url, ctx), ctx);
      }
    });
  }

  private deepInsert(
    table: TableModel,
    row: Row,
    nav: import("./model.ts").Navigation,
    value: unknown,
    ctx: WriteContext,
    after: (() => void)[],
  ): void {
    const entity = table.def.logicalName;
    if (nav.kind === "single") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        fail(dv.make("payloadValue", entity, `The value of '${nav.name}' must be an object.`));
      }
      const targetName = nav.target ?? nav.column.targets?.[0];
      const target = this.model.table(targetName as string);
      const created = this.create(target, value as Record<string, unknown>, ctx);
      row[lookupValue(nav.column.name)] = created[target.def.primaryKey];
      row[`${lookupValue(nav.column.name)}${LOOKUP_TYPE}`] = target.def.logicalName;
      return;
    }
    if (!Array.isArray(value)) fail(dv.make("payloadValue", entity, `The value of '${nav.name}' must be an array.`));
    after.push(() => {
      const id = row[table.def.primaryKey] as string;
      for (const item of value as Record<string, unknown>[]) {
        if (nav.kind === "oneToMany") {
          const child = this.model.table(nav.rel.table);
          const column = child.columns.get(nav.rel.column);
          const bindName = (column?.targets?.length ?? 1) > 1 ? `${nav.rel.column}_${entity}` : nav.rel.column;
          this.create(child, { ...item, [`${bindName}@odata.bind`]: `/${table.def.entitySet}(${id})` }, ctx);
        } else if (nav.kind === "manyToMany") {
          const other = this.model.table(nav.rel.otherTable);
          const created = this.create(other, item, ctx);
          this.associate(table, id, nav.name, { table: other, id: created[other.def.primaryKey] as string }, ctx);
        }
      }
    });
  }

  private checkValue(table: TableModel, column: Column, value: unknown): unknown {
    const entity = table.def.logicalName;
    if (value === null) return null;
    switch (column.type) {
      case "string":
      case "memo":
        if (typeof value !== "string") return literalError(entity, value, "Edm.String");
        if (column.maxLength !== undefined && value.length > column.maxLength) {
          fail(dv.make("stringTooLong", column.name, entity, column.maxLength));
        }
        return value;
      case "uniqueidentifier": {
        const id = typeof value === "string" ? normalizeGuid(value) : undefined;
        return id ?? literalError(entity, value, "Edm.Guid");
      }
      case "integer":
      case "bigint": {
        if (typeof value !== "number" || !Number.isInteger(value)) return literalError(entity, value, "Edm.Int32");
        if ((column.min !== undefined && value < column.min) || (column.max !== undefined && value > column.max)) {
          fail(
            dv.make(
              "invalidArgument",
              `A validation error occurred. The value of '${column.name}' on record of type '${entity}' is outside the valid range.`,
            ),
          );
        }
        return value;
      }
      case "decimal":
      case "money":
      case "double": {
        const n =
          typeof value === "number"
            ? value
            : typeof value === "string" && value.trim() !== ""
              ? Number(value)
              : Number.NaN;
        if (Number.isNaN(n)) return literalError(entity, value, "Edm.Decimal");
        if ((column.min !== undefined && n < column.min) || (column.max !== undefined && n > column.max)) {
          fail(
            dv.make(
              "invalidArgument",
              `A validation error occurred. The value of '${column.name}' on record of type '${entity}' is outside the valid range.`,
            ),
          );
        }
        return n;
      }
      case "boolean":
        return typeof value === "boolean" ? value : literalError(entity, value, "Edm.Boolean");
      case "datetime": {
        if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
          return literalError(entity, value, "Edm.DateTimeOffset");
        return isoSeconds(new Date(value));
      }
      case "picklist":
      case "state":
      case "status": {
        if (typeof value !== "number" || !Number.isInteger(value)) return literalError(entity, value, "Edm.Int32");
        if (column.options && !column.options.includes(value)) {
          fail(dv.make("outOfRange", value, column.name, entity, column.options.join(",")));
        }
        return value;
      }
      default:
        return value;
    }
  }

  private changeState(table: TableModel, existing: Row, row: Row, body: Record<string, unknown>): void {
    const model = table.def.state;
    if (!model) return;
    const id = existing[table.def.primaryKey] as string;
    const fromState = existing.statecode as number;
    const fromStatus = existing.statuscode as number;
    const toState = "statecode" in body ? (row.statecode as number) : fromState;
    if (toState === null || toState === undefined) fail(dv.make("required", "statecode", table.def.logicalName));
    const allowed = model.transitions?.[fromState];
    if (allowed && !allowed.includes(toState)) fail(dv.make("invalidTransition", fromState, fromStatus, toState));
    const statuses = model.states[toState] ?? [];
    const toStatus = "statuscode" in body && row.statuscode !== null ? (row.statuscode as number) : statuses[0];
    if (!statuses.includes(toStatus)) {
      fail(
        dv.make("invalidStatus", toStatus, `${model.enumName}.${model.stateNames[toState]}`, table.def.logicalName, id),
      );
    }
    row.statecode = toState;
    row.statuscode = toStatus;
  }

  /** Columns the platform computes from others. */
  /** After a line changed: its header's totals (unless the header's prices are locked). */
  private recalculateHeader(lineTable: string, line: Row, ctx: WriteContext): void {
    const header = DOCUMENT_LINES[lineTable];
    const headerId = header ? (line[lookupValue(`${header}id`)] as string | undefined) : undefined;
    if (header && headerId) this.recalculateTotals(header, headerId, ctx);
  }

  /**
   * The pricing engine's totals of a Sales document from its lines: line item amount (sum of base amounts), line
   * discounts, tax, the amount less freight (after the header's discount) and the total. Written as the platform
   * writes them: a new row version, modified by the caller.
   */
  private recalculateTotals(header: string, headerId: string, ctx: WriteContext): void {
    const headerTable = this.model.table(header);
    const existing = this.get(headerTable, headerId);
    if (!existing || existing.ispricelocked === true) return;
    const lineTable = Object.keys(DOCUMENT_LINES).find((l) => DOCUMENT_LINES[l] === header) as string;
    let items = 0;
    let lineDiscounts = 0;
    let tax = 0;
    for (const line of this.related(this.model.table(lineTable), `${header}id`, headerId)) {
      items += money(line.baseamount);
      lineDiscounts += money(line.manualdiscountamount) + money(line.volumediscountamount);
      tax += money(line.tax);
    }
    const lessFreight = round2(items - lineDiscounts - money(existing.discountamount));
    const totals: Row = {
      totallineitemamount: round2(items),
      totallineitemdiscountamount: round2(lineDiscounts),
      totaldiscountamount: round2(lineDiscounts + money(existing.discountamount)),
      totaltax: round2(tax),
      totalamountlessfreight: lessFreight,
      totalamount: round2(lessFreight + money(existing.freightamount) + tax),
    };
    if (Object.entries(totals).every(([k, v]) => existing[k] === v)) return;
    const row: Row = { ...existing, ...totals, modifiedon: isoSeconds(ctx.now), versionnumber: this.nextVersion() };
    this.stampUser(row, "modifiedby", ctx.caller.userId);
    this.rows(headerTable).put(headerId, row);
  }

  private derive(table: TableModel, row: Row): void {
    const name = table.def.logicalName;
    const header = DOCUMENT_LINES[name];
    if (header) {
      // A line has its header's currency; its amounts follow quantity and price unless written.
      const parent = this.store.table<Row>(header).get(row[lookupValue(`${header}id`)] as string);
      if (parent?._transactioncurrencyid_value) row._transactioncurrencyid_value = parent._transactioncurrencyid_value;
      const base = round2(money(row.quantity) * money(row.priceperunit));
      if (row.baseamount === undefined || row.baseamount === null || !row.ispriceoverridden) row.baseamount = base;
      row.extendedamount = round2(money(row.baseamount) - money(row.manualdiscountamount) + money(row.tax));
    }
    if (FULLNAME_TABLES.has(name)) {
      const full = [row.firstname, row.lastname].filter((p) => typeof p === "string" && p).join(" ");
      row.fullname = full || null;
    }
    const customer = row._customerid_value ?? row._parentcustomerid_value;
    const customerType = row[`_customerid_value${LOOKUP_TYPE}`] ?? row[`_parentcustomerid_value${LOOKUP_TYPE}`];
    if (name === "contact") row._accountid_value = customerType === "account" ? customer : null;
    if (name === "salesorder" || name === "quote" || name === "invoice") {
      row._accountid_value = customerType === "account" ? customer : null;
      row._contactid_value = customerType === "contact" ? customer : null;
    }
    if (name === "annotation")
      row.objecttypecode = (row[`_objectid_value${LOOKUP_TYPE}`] as string | undefined) ?? null;
    if (table.def.ownership === "user" && row._ownerid_value) {
      const isTeam = row[`_ownerid_value${LOOKUP_TYPE}`] === "team";
      row._owninguser_value = isTeam ? null : row._ownerid_value;
      row._owningteam_value = isTeam ? row._ownerid_value : null;
      const owner = this.store.table<Row>(isTeam ? "team" : "systemuser").get(row._ownerid_value as string);
      row._owningbusinessunit_value = (owner?._businessunitid_value as string | undefined) ?? null;
    }
    if (name === "productpricelevel" && row._productid_value) {
      row.productnumber =
        (this.store.table<Row>("product").get(row._productid_value as string)?.productnumber as string) ?? null;
    }
  }

  private checkUnique(table: TableModel, id: string, row: Row): void {
    for (const cols of table.def.alternateKeys) {
      const attrs = cols.map((c) => attributeFor(table, c));
      const k = keyOf(row, attrs);
      if (k === undefined) continue;
      const other = this.keyIndex(table, attrs).get(k);
      if (other && other !== id) {
        const values = cols.map((c, i) => `${c}:${String(row[attrs[i]])}`).join(", ");
        fail(dv.make("duplicateKey", `${table.def.logicalName}_${cols.join("_")}`, table.def.logicalName, values));
      }
    }
    for (const u of table.def.unique ?? []) {
      const k = keyOf(row, [u.column]);
      if (k === undefined) continue;
      const other = this.keyIndex(table, [u.column]).get(k);
      if (other && other !== id) fail(dv.make("duplicateCurrency"));
    }
  }

  /** manage-duplicate-detection-create-update: a write that another row duplicates under a published rule fails. */
  private checkDuplicates(table: TableModel, id: string, row: Row): void {
    for (const cols of table.def.duplicateRules) {
      const attrs = cols.map((c) => attributeFor(table, c));
      const k = keyOf(row, attrs);
      if (k === undefined) continue;
      for (const [otherId, other] of this.rows(table).scan()) {
        if (otherId !== id && keyOf(other, attrs) === k) fail(dv.make("duplicateDetected"));
      }
    }
  }

  private createBaseUom(schedule: Row, ctx: WriteContext): void {
    const uom = this.model.table("uom");
    const name = (schedule.baseuomname as string | undefined) ?? "Primary Unit";
    const created = this.create(
      uom,
      { name, quantity: 1, "uomscheduleid@odata.bind": `/uomschedules(${schedule.uomscheduleid})` },
      ctx,
    );
    const id = created.uomid as string;
    this.rows(uom).put(id, {
      ...created,
      isschedulebaseuom: true,
      _baseuom_value: id,
      [`_baseuom_value${LOOKUP_TYPE}`]: "uom",
    });
  }
}

/** The JSON attribute name of a column name (lookup columns surface as `_x_value`). */
export function attributeFor(table: TableModel, column: string): string {
  const c = table.columns.get(column);
  return c?.type === "lookup" ? lookupValue(column) : column;
}

/**
 * The body of an upsert that found its row by alternate key, without the key's values: the server removes them so
 * that the key naming a row cannot change it (use-upsert-insert-update-record, "Guidance for composing requests").
 */
export function withoutKeyValues(
  table: TableModel,
  body: Record<string, unknown>,
  key: KeySpec,
): Record<string, unknown> {
  if (key.kind !== "alternate") return body;
  const rest = { ...body };
  for (const k of Object.keys(key.values)) {
    const column = k.replace(/^_(.+)_value$/, "$1");
    for (const name of [k, column, attributeFor(table, column), `${column}@odata.bind`]) delete rest[name];
  }
  return rest;
}

/** Normalised value of a key (strings case-insensitive, as the service's collation); undefined if any is null. */
function keyOf(row: Row, attrs: string[]): string | undefined {
  const parts: string[] = [];
  for (const a of attrs) {
    const v = row[a];
    if (v === null || v === undefined || v === "") return undefined;
    parts.push(typeof v === "string" ? v.toLowerCase() : String(v));
  }
  return parts.join("\u0000");
}
