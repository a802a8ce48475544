// The synchronous heart of the emulator: one API request (method, path below the API root, query, headers,
// JSON body) → one response. HTTP routes and `$batch` both call it; everything it writes runs in one storage
// transaction, so a failing request (or a failing snapshot batch) leaves no trace.

import {
  etagMatches,
  filterPaths,
  keyValues,
  parseQueryString,
  type QueryOptions,
  type TokenCodec,
} from "../../odata/index.ts";
import type { ApiDef } from "../entities/registry.ts";
import type { EntityDef, Row } from "../entities/types.ts";
import { BcError, bcErrors } from "../errors.ts";
import type { BcDatabase, CompanyStore } from "../store/database.ts";
import { firstRow, indexedPage, type PageSource, sourceRows, sourceRowsById } from "./indexed.ts";
import {
  deleteThrough,
  etagOf,
  insertThrough,
  modifyThrough,
  pageRow,
  pageRows,
  plainFields,
  runAction,
  serialize,
} from "./pages.ts";
import { applyFilter, applyOrder, applySelect, checkFilter, defaultOrderPaths } from "./query.ts";

export interface InnerRequest {
  method: string;
  /** Path below the API root, without leading slash: `companies(…)/customers`. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body?: unknown;
}

export interface InnerResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** A plain-text answer (`…/$count`). */
  text?: string;
  /** Rows read and written, for the cost model. */
  work: { read: number; written: number };
}

export interface CoreOptions {
  db: BcDatabase;
  api: ApiDef;
  environment: string;
  /** `http://host:port/v2.0/{tenant}/{env}/api/v2.0` — for @odata.context and nextLink. */
  apiRoot: string;
  tokens: TokenCodec;
  defaultPageSize: number;
  maxPageSize: number;
  /** false: every list filters and sorts all its rows (the reference indexed reads are tested against). */
  indexed?: boolean;
}

interface Segment {
  name: string;
  key?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseSegments(path: string): Segment[] {
  const out: Segment[] = [];
  for (const raw of path.split("/")) {
    if (!raw) continue;
    const decoded = decodeURIComponent(raw);
    const m = /^([A-Za-z0-9_.$]+)(?:\((.*)\))?$/.exec(decoded);
    if (!m) throw bcErrors.notFound(path);
    let key = m[2];
    if (key !== undefined) {
      key = key.replace(/^id=/i, "").replace(/^'(.*)'$/, "$1");
      if (!GUID.test(key)) throw bcErrors.querySyntax(`The key value '${m[2]}' is not a valid Edm.Guid.`);
    }
    out.push({ name: m[1], key });
  }
  return out;
}

/** Splits `'a','b,c',3` on the commas outside quotes. */
function splitValues(list: string): string[] {
  return (list.match(/'(?:[^']|'')*'|[^,\s][^,]*/g) ?? []).map((v) => v.trim());
}

/**
 * `field in (v1, v2)` is only accepted with `$schemaversion=2.1` (use-filter-expressions-in-odata-uris.md); the
 * shared parser does not know `in`, so it is rewritten into `(field eq v1 or field eq v2)` first.
 */
export function rewriteIn(query: string): string {
  const params = query.split("&");
  const schema21 = params.some((p) => decodeURIComponent(p) === "$schemaversion=2.1");
  return params
    .map((param) => {
      const eq = param.indexOf("=");
      if (eq < 0 || decodeURIComponent(param.slice(0, eq)) !== "$filter") return param;
      const text = decodeURIComponent(param.slice(eq + 1).replace(/\+/g, " "));
      if (!/\s+in\s+\(/i.test(text)) return param;
      if (!schema21) throw bcErrors.querySyntax("The 'in' operator requires $schemaversion=2.1.");
      const rewritten = text.replace(
        /([A-Za-z_][A-Za-z0-9_]*)\s+in\s+\(([^)]*)\)/gi,
        (_m, field: string, list: string) => {
          const values = splitValues(list);
          return values.length === 0 ? "false" : `(${values.map((v) => `${field} eq ${v}`).join(" or ")})`;
        },
      );
      return `$filter=${encodeURIComponent(rewritten)}`;
    })
    .join("&");
}

function parseQuery(query: string): QueryOptions {
  const parsed = parseQueryString(rewriteIn(query));
  if (!parsed.ok) throw bcErrors.querySyntax(parsed.message);
  return parsed.options;
}

function requireIfMatch(headers: InnerRequest["headers"], current: string): void {
  const ifMatch = headers["if-match"];
  if (!ifMatch) throw bcErrors.invalidToken();
  if (!etagMatches(ifMatch, current)) throw bcErrors.entityChanged();
}

function jsonBody(body: unknown): Row {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body))
    throw bcErrors.badRequest("Invalid Request Body");
  return body as Row;
}

function maxPageSizeOf(headers: InnerRequest["headers"]): number | undefined {
  const prefer = headers.prefer ?? "";
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer);
  return m ? Number(m[1]) : undefined;
}

/**
 * `Data-Access-Intent` (devenv-connect-apps-tips.md): `ReadOnly` reads from a replica and is refused for
 * modifications; `ReadWrite` is the default. There is one database here, so reads behave the same either way.
 */
function checkDataAccessIntent(request: InnerRequest): void {
  const intent = request.headers["data-access-intent"]?.trim();
  if (!intent) return;
  if (!/^(readonly|readwrite)$/i.test(intent))
    throw bcErrors.badRequest(`The value '${intent}' is not valid for the Data-Access-Intent header.`);
  if (/^readonly$/i.test(intent) && request.method !== "GET") throw bcErrors.readOnlyIntent(request.method);
}

export class ApiCore {
  private readonly o: CoreOptions;
  constructor(options: CoreOptions) {
    this.o = options;
  }

  handle(request: InnerRequest): InnerResponse {
    checkDataAccessIntent(request);
    const segments = parseSegments(request.path);
    const { db } = this.o;
    const work = { read: 0, written: 0 };
    const before = db.writeCount;
    const response = db.transaction(() => this.route(request, segments, work));
    response.work.written = db.writeCount - before;
    return response;
  }

  private route(request: InnerRequest, segments: Segment[], work: InnerResponse["work"]): InnerResponse {
    const { api, db, environment } = this.o;
    const options = parseQuery(request.query);
    if (segments.length === 0) {
      if (request.method !== "GET") throw bcErrors.methodNotAllowed(request.method, "service document");
      return this.ok(
        {
          "@odata.context": `${this.o.apiRoot}/$metadata`,
          value: [...api.pages.values()]
            .filter((p) => !p.parent)
            .map((p) => ({ name: p.set, kind: "EntitySet", url: p.set })),
        },
        work,
      );
    }
    const first = segments[0];
    let store: CompanyStore | undefined;
    let rest = segments;
    let contextPrefix = "";
    if (first.name === "companies") {
      const companies = api.pages.get("companies") as EntityDef;
      if (!first.key) {
        if (segments.length > 1) throw bcErrors.notFound(request.path);
        if (request.method !== "GET") throw bcErrors.methodNotAllowed(request.method, "companies");
        const rows = db.companies(environment).map((c) => this.companyRow(c));
        return this.list(companies, rows, undefined, options, request, "companies", work);
      }
      store = db.company(environment, first.key);
      if (!store) throw bcErrors.companyNotFound(first.key);
      if (segments.length === 1) {
        if (request.method !== "GET") throw bcErrors.methodNotAllowed(request.method, "companies");
        return this.entity(companies, this.companyRow(store.info), undefined, options, "companies/$entity", work);
      }
      rest = segments.slice(1);
      contextPrefix = `companies(${store.id})/`;
    } else {
      const companyId = options.custom.company ?? request.headers.company;
      if (!companyId) throw bcErrors.notFound(request.path);
      store =
        db.company(environment, companyId) ??
        db
          .companies(environment)
          .map((c) => db.company(environment, c.id))
          .find((s) => s?.info.name === companyId);
      if (!store) throw bcErrors.companyNotFound(companyId);
    }
    return this.resource(request, store, rest, options, contextPrefix, work);
  }

  private companyRow(info: { id: string; name: string; displayName: string; createdAt: string }): Row {
    return {
      id: info.id,
      systemVersion: "26.0.30643.32772",
      timestamp: Date.parse(info.createdAt),
      name: info.name,
      displayName: info.displayName,
      businessProfileId: "",
      systemCreatedAt: info.createdAt,
      systemModifiedAt: info.createdAt,
      $v: 1,
    };
  }

  private resource(
    request: InnerRequest,
    store: CompanyStore,
    segments: Segment[],
    options: QueryOptions,
    contextPrefix: string,
    work: InnerResponse["work"],
  ): InnerResponse {
    const { api } = this.o;
    // `…/customers/$count`: the number of matching records as plain text.
    const countOnly = segments.length > 1 && segments[segments.length - 1].name === "$count";
    if (countOnly) segments = segments.slice(0, -1);
    let def = api.pages.get(segments[0].name);
    if (!def || def.global) throw bcErrors.resourceNotFound(segments[0].name);
    let row: Row | undefined;
    let parent: { column: string; id: string } | undefined;
    let context = `${contextPrefix}${def.set}`;
    if (segments[0].key) {
      row = pageRow(def, store, segments[0].key);
      if (!row) throw bcErrors.recordNotFound(def.caption, { Id: segments[0].key });
    }
    for (let i = 1; i < segments.length; i++) {
      const seg = segments[i];
      if (!row) throw bcErrors.notFound(request.path);
      if (seg.name.startsWith("Microsoft.NAV.")) {
        if (i !== segments.length - 1) throw bcErrors.notFound(request.path);
        if (request.method !== "POST") throw bcErrors.methodNotAllowed(request.method, seg.name);
        runAction(def, store, row, seg.name.slice("Microsoft.NAV.".length));
        return { status: 204, headers: {}, work };
      }
      if (def.streams?.[seg.name] && i === segments.length - 1) {
        // The stream a `…@odata.mediaReadLink` points to. No picture is stored: empty, as for a record without one.
        if (request.method !== "GET") throw bcErrors.methodNotAllowed(request.method, seg.name);
        return { status: 204, headers: {}, work };
      }
      const nav = def.navigation?.[seg.name];
      if (!nav) throw bcErrors.resourceNotFound(seg.name);
      const target = api.pages.get(nav.target);
      if (!target) throw bcErrors.resourceNotFound(seg.name);
      if (nav.many) {
        parent = { column: nav.foreignKey, id: row.id as string };
        context = `${context}(${String(row.id)})/${seg.name}`;
        def = target;
        row = undefined;
        if (seg.key) {
          row = pageRow(def, store, seg.key);
          if (!row || row[parent.column] !== parent.id) throw bcErrors.recordNotFound(def.caption, { Id: seg.key });
        }
      } else {
        const id = String(row[nav.foreignKey] ?? "");
        row = id ? pageRow(target, store, id) : undefined;
        def = target;
        context = `${context}/${seg.name}`;
        if (!row) return { status: 204, headers: {}, work };
      }
    }

    const method = request.method;
    if (countOnly && (row || method !== "GET")) throw bcErrors.notFound(request.path);
    if (!row) {
      if (method === "GET") {
        const rows: PageSource = { store, parent };
        if (countOnly) {
          const counted = this.list(
            def,
            rows,
            store,
            { ...options, count: true, top: 0, skip: 0 },
            request,
            context,
            work,
          );
          const total = (counted.body as Row)["@odata.count"];
          return { status: 200, headers: { "content-type": "text/plain" }, text: String(total), work };
        }
        return this.list(def, rows, store, options, request, context, work);
      }
      if (method === "POST") {
        const created = this.deepInsert(def, store, jsonBody(request.body), parent);
        // `$select`/`$expand` shape the returned representation (a deep insert shows its lines only when
        // expanded, e.g. `POST …/salesOrders?$expand=salesOrderLines`).
        const reply = this.entity(def, created, store, options, `${context}/$entity`, work, 201);
        // A 201 names the new record in Location (OData 4.0 part 1, 11.4.2), also inside a $batch.
        reply.headers.location = `${this.o.apiRoot}/${request.path.replace(/\/+$/, "")}(${String(created.id)})`;
        return reply;
      }
      throw bcErrors.methodNotAllowed(method, def.set);
    }
    if (method === "GET") return this.entity(def, row, store, options, `${context}/$entity`, work);
    if (method === "PATCH") {
      requireIfMatch(request.headers, etagOf(def, row, store));
      const updated = modifyThrough(def, store, row, jsonBody(request.body));
      return this.entity(def, updated, store, options, `${context}/$entity`, work);
    }
    if (method === "DELETE") {
      requireIfMatch(request.headers, etagOf(def, row, store));
      deleteThrough(def, store, row);
      return { status: 204, headers: {}, work };
    }
    throw bcErrors.methodNotAllowed(method, def.set);
  }

  /** POST with nested line arrays (deep insert), e.g. a sales quote with `salesQuoteLines`. */
  private deepInsert(def: EntityDef, store: CompanyStore, body: Row, parent?: { column: string; id: string }): Row {
    const created = insertThrough(def, store, body, parent);
    for (const [name, nav] of Object.entries(def.navigation ?? {})) {
      const nested = body[name];
      if (!nav.many || !Array.isArray(nested)) continue;
      const target = this.o.api.pages.get(nav.target);
      if (!target) continue;
      for (const child of nested)
        this.deepInsert(target, store, jsonBody(child), { column: nav.foreignKey, id: created.id as string });
    }
    return store.get(def.table, created.id as string) ?? created;
  }

  private expand(
    def: EntityDef,
    store: CompanyStore | undefined,
    row: Row,
    out: Row,
    options: QueryOptions,
    work: InnerResponse["work"],
  ): void {
    if (!store) return;
    for (const e of options.expand ?? []) {
      const nav = def.navigation?.[e.property];
      const target = nav ? this.o.api.pages.get(nav.target) : undefined;
      if (!nav || !target)
        throw bcErrors.querySyntax(
          `Could not find a property named '${e.property}' on type 'Microsoft.NAV.${def.entity}'.`,
        );
      // Nested `$expand` (`salesOrderLines($expand=item)`) expands each related row in turn, with the same
      // checks as at the top level.
      if (nav.many) {
        const children = pageRows(target, store).filter((c) => c[nav.foreignKey] === row.id);
        work.read += children.length;
        const byId = new Map(children.map((c) => [String(c.id), c]));
        let shaped = children.map((c) => serialize(target, c, store));
        shaped = applyFilter(shaped, checkFilter(target, e.options.filter));
        shaped = applyOrder(target, shaped, e.options);
        if (e.options.skip) shaped = shaped.slice(e.options.skip);
        if (e.options.top !== undefined) shaped = shaped.slice(0, e.options.top);
        out[e.property] = shaped.map((c) => {
          const projected = applySelect(target, c, e.options.select);
          const original = byId.get(String(c.id));
          if (original && e.options.expand?.length) this.expand(target, store, original, projected, e.options, work);
          return projected;
        });
      } else {
        const id = String(row[nav.foreignKey] ?? "");
        const related = id ? pageRow(target, store, id) : undefined;
        if (related) {
          const projected = applySelect(target, serialize(target, related, store), e.options.select);
          if (e.options.expand?.length) this.expand(target, store, related, projected, e.options, work);
          out[e.property] = projected;
        } else {
          out[e.property] = null;
        }
      }
    }
  }

  /** Refuses unknown navigation properties in `$expand`, at any depth. */
  private checkExpand(def: EntityDef, options: QueryOptions): void {
    for (const e of options.expand ?? []) {
      const nav = def.navigation?.[e.property];
      const target = nav ? this.o.api.pages.get(nav.target) : undefined;
      if (!nav || !target)
        throw bcErrors.querySyntax(
          `Could not find a property named '${e.property}' on type 'Microsoft.NAV.${def.entity}'.`,
        );
      this.checkExpand(target, e.options);
    }
  }

  /**
   * Stream properties as `<name>@odata.mediaReadLink` after the field the page puts them behind
   * (dynamics_companyinformation_get.md), unless `$select` leaves them out.
   */
  private withMediaLinks(
    def: EntityDef,
    store: CompanyStore | undefined,
    row: Row,
    out: Row,
    select: string[] | undefined,
  ): Row {
    if (!def.streams || !store) return out;
    const links = Object.entries(def.streams).filter(
      ([name]) => !select || select.includes(name) || select.includes("*"),
    );
    if (links.length === 0) return out;
    const base = `${this.o.apiRoot}/companies(${store.id})/${def.set}(${String(row.id)})`;
    const placed: Row = {};
    const pending = new Map(links);
    for (const [key, value] of Object.entries(out)) {
      placed[key] = value;
      for (const [name, after] of pending)
        if (after === key) {
          placed[`${name}@odata.mediaReadLink`] = `${base}/${name}`;
          pending.delete(name);
        }
    }
    for (const name of pending.keys()) placed[`${name}@odata.mediaReadLink`] = `${base}/${name}`;
    return placed;
  }

  private entity(
    def: EntityDef,
    row: Row,
    store: CompanyStore | undefined,
    options: QueryOptions,
    context: string,
    work: InnerResponse["work"],
    status = 200,
  ): InnerResponse {
    work.read += 1;
    this.checkExpand(def, options);
    const shaped = serialize(def, row, store);
    const projected = this.withMediaLinks(def, store, row, applySelect(def, shaped, options.select), options.select);
    this.expand(def, store, row, projected, options, work);
    return {
      status,
      headers: { etag: String(shaped["@odata.etag"]) },
      body: { "@odata.context": `${this.o.apiRoot}/$metadata#${context}`, ...projected },
      work,
    };
  }

  private list(
    def: EntityDef,
    from: Row[] | PageSource,
    store: CompanyStore | undefined,
    options: QueryOptions,
    request: InnerRequest,
    context: string,
    work: InnerResponse["work"],
  ): InnerResponse {
    this.checkExpand(def, options);
    const filter = checkFilter(
      def,
      options.filter,
      new URLSearchParams(request.query).get("$schemaversion") ?? undefined,
    );
    // A page's rows (`from` a source) are read only as far as needed: looked up by id, or walked in an index.
    let rows = Array.isArray(from) ? from : undefined;
    const source = Array.isArray(from) ? undefined : from;
    // A list of ids (`id eq … or id eq …`) narrows the rows by a set lookup before the filter is evaluated on them.
    const ids = "id" in def.fields ? keyValues(filter, "id") : undefined;
    if (ids) {
      const wanted = new Set(ids.map((id) => id.toLowerCase()));
      rows = rows
        ? rows.filter((r) => wanted.has(String(r.id).toLowerCase()))
        : sourceRowsById(def, from as PageSource, wanted);
    }
    // Fast path: when every field the filter and the sort read is stored as shown, work on stored rows and
    // serialize only the page; otherwise serialize first (enums, FlowFields, aliases).
    const plain = plainFields(def, store, rows ? rows[0] : firstRow(def, from as PageSource));
    const paths = [
      ...(filter ? filterPaths(filter) : []),
      ...(options.orderby ?? []).map((k) => k.path),
      ...defaultOrderPaths(def),
    ];
    const fast = paths.every((p) => p.length === 1 && plain.has(p[0]));
    const headers: Record<string, string> = {};
    const paging = () => {
      let offset = options.skip ?? 0;
      if (options.skiptoken) {
        const token = this.o.tokens.decode<{ o: number }>(options.skiptoken);
        if (!token) throw bcErrors.querySyntax("The skip token is not valid.");
        offset = token.o;
      }
      const requested = maxPageSizeOf(request.headers);
      // "odata.maxpagesize can't be greater than … 20000 for online" (Server-Driven-Paging-in-OData-Web-Services.md);
      // exceeding the max page size is answered 413 (operational-limits-online.md).
      if (requested !== undefined && requested > this.o.maxPageSize)
        throw bcErrors.pageSizeTooLarge(this.o.maxPageSize);
      const pageSize = Math.min(requested ?? this.o.defaultPageSize, this.o.maxPageSize);
      if (requested !== undefined) headers["preference-applied"] = `odata.maxpagesize=${pageSize}`;
      return { offset, pageSize };
    };
    const byId = new Map<string, Row>();
    let page: Row[];
    let pageEnd: number;
    let more: boolean;
    let count = 0;
    const indexed =
      source && !rows && fast && this.o.indexed !== false
        ? indexedPage(def, source, filter, options, paging)
        : undefined;
    if (indexed) ({ page, pageEnd, more } = indexed);
    else {
      rows ??= sourceRows(def, from as PageSource);
      let shaped: Row[];
      if (fast) {
        const matching = applyFilter([...rows], filter);
        // A count alone (`…/customers/$count`) returns no rows: sorting 20,000 of them to count them held the
        // emulator's event loop for ~0.1 s beside a full sync's first page.
        shaped = options.top === 0 && !options.orderby ? matching : applyOrder(def, matching, options);
      } else {
        for (const r of rows) byId.set(String(r.id), r);
        shaped = applyOrder(
          def,
          applyFilter(
            rows.map((r) => serialize(def, r, store)),
            filter,
          ),
          options,
        );
      }
      count = shaped.length;
      const { offset, pageSize } = paging();
      let end = shaped.length;
      if (options.top !== undefined) end = Math.min(end, (options.skip ?? 0) + options.top);
      pageEnd = Math.min(end, offset + pageSize);
      page = shaped.slice(offset, pageEnd);
      more = pageEnd < end;
    }
    const value = page.map((r) => {
      const projected = this.withMediaLinks(
        def,
        store,
        r,
        applySelect(def, fast ? serialize(def, r, store) : r, options.select),
        options.select,
      );
      const original = fast ? r : byId.get(String(r.id));
      if (original) this.expand(def, store, original, projected, options, work);
      return projected;
    });
    // The cost model charges rows returned: BC reads through SQL indexes, not by scanning the table.
    work.read += value.length;
    const body: Row = { "@odata.context": `${this.o.apiRoot}/$metadata#${context}` };
    if (options.count) body["@odata.count"] = count;
    body.value = value;
    if (more) {
      const params = new URLSearchParams(request.query);
      params.delete("$skiptoken");
      params.delete("aid");
      const query = [...params.entries()].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
      const token = this.o.tokens.encode({ o: pageEnd });
      body["@odata.nextLink"] =
        `${this.o.apiRoot}/${request.path}?${query ? `${query}&` : ""}aid=FIN&$skiptoken=${token}`;
    }
    return { status: 200, headers, body, work };
  }

  private ok(body: unknown, work: InnerResponse["work"]): InnerResponse {
    return { status: 200, headers: {}, body, work };
  }
}

export function errorResponse(error: unknown, correlationId?: string): InnerResponse {
  const e =
    error instanceof BcError ? error : bcErrors.internal(error instanceof Error ? error.message : String(error));
  return { status: e.status, headers: { ...e.headers }, body: e.body(correlationId), work: { read: 0, written: 0 } };
}
