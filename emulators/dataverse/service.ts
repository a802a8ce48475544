// The Dataverse Web API request handler, free of HTTP plumbing: a request in, a response out, synchronously, so
// a $batch change set or a bulk message runs inside one store transaction and rolls back as a whole.
import { randomUUID } from "node:crypto";
import {
  type BatchResponse,
  type BatchResponsePart,
  parseBatch,
  relativeInnerUrl,
  serializeBatchResponse,
} from "../odata/batch.ts";
import { errorBody, type ODataError } from "../odata/errors.ts";
import { etagMatches, weakEtag } from "../odata/etag.ts";
import { parseLiteralText } from "../odata/filter.ts";
import { parseQueryString, type QueryOptions, splitTopLevel } from "../odata/query.ts";
import { runApply } from "./apply.ts";
import { entityDefinitions } from "./entity-definitions.ts";
import { DataverseFault, dv, fail } from "./errors.ts";
import { annotationWanted, contextSelect } from "./format.ts";
import { type KeySpec, normalizeGuid, parseKey, splitKeySegment, splitPath } from "./keys.ts";
import { metadataDocument } from "./metadata.ts";
import type { Model, TableModel } from "./model.ts";
import { insertOptionValue } from "./option-values.ts";
import { type Preferences, parsePrefer, type Reader } from "./read.ts";
import { type Caller, type Records, type Row, type WriteContext, withoutKeyValues } from "./records.ts";
import { roleAction, rolePrivileges } from "./security.ts";

export interface ServiceRequest {
  method: string;
  /** Path relative to the service root, without query (`accounts(…)`), percent-decoded. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: string;
}

export interface ServiceResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Rows read and written, for the cost model. */
  work: { read: number; written: number };
}

export interface ServiceContext {
  caller: Caller;
  now: Date;
  /** `http://host:port/api/data/v9.2/` (with trailing slash). */
  serviceRoot: URL;
  contentIds?: Map<string, string>;
  /** Inside a $batch: batches cannot nest. */
  inBatch?: boolean;
}

const JSON_TYPE = "application/json; odata.metadata=minimal";
/** Time zone codes of a few en-US (1033) standard names, for GetTimeZoneCodeByLocalizedName. */
const TIME_ZONE_CODES: Record<string, number> = {
  "pacific standard time": 4,
  "mountain standard time": 10,
  "central standard time": 20,
  "eastern standard time": 35,
  "gmt standard time": 85,
  utc: 92,
  "w. europe standard time": 110,
};
/** The version RetrieveVersion and RetrieveCurrentOrganization report (a current online 9.2 build number). */
const ORGANIZATION_VERSION = "9.2.25041.00180";
const MAX_BATCH = 1000;
const ROLE_ACTIONS = new Set(["AddPrivilegesRole", "ReplacePrivilegesRole", "RemovePrivilegeRole"]);

export class DataverseService {
  constructor(
    readonly model: Model,
    readonly records: Records,
    readonly reader: Reader,
    private readonly org: () => { organizationId: string; businessUnitOf: (userId: string) => string },
  ) {}

  handle(req: ServiceRequest, ctx: ServiceContext): ServiceResponse {
    this.reader.beginRequest();
    const annotations = parsePrefer(req.headers.prefer).annotations;
    try {
      return this.route(req, ctx);
    } catch (error) {
      if (error instanceof DataverseFault) return errorResponse(error.error, annotations);
      if (error instanceof SyntaxError) return errorResponse(dv.make("badJson", error.message), annotations);
      throw error;
    }
  }

  private route(req: ServiceRequest, ctx: ServiceContext): ServiceResponse {
    const root = ctx.serviceRoot.href;
    const path = req.path.replace(/^\/+/, "");
    const method = req.method.toUpperCase();
    if (path === "") {
      const value = [...this.model.tables.values()].map((t) => ({
        name: t.def.entitySet,
        kind: "EntitySet",
        url: t.def.entitySet,
      }));
      return json(200, { "@odata.context": `${root}$metadata`, value });
    }
    if (path === "$metadata") {
      return {
        status: 200,
        headers: { "Content-Type": "application/xml" },
        body: metadataDocument(this.model),
        work: none(),
      };
    }
    if (path === "$batch") {
      if (method !== "POST") fail(dv.make("methodNotAllowed", method));
      if (ctx.inBatch) fail(dv.make("badQuery", "Batch requests cannot be nested."));
      return this.batch(req, ctx);
    }
    if (path === "WhoAmI" || path === "WhoAmI()") {
      const org = this.org();
      return json(200, {
        "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: org.businessUnitOf(ctx.caller.userId),
        UserId: ctx.caller.userId,
        OrganizationId: org.organizationId,
      });
    }
    if (path === "RetrieveVersion" || path === "RetrieveVersion()") {
      if (method !== "GET") fail(dv.make("methodNotAllowed", method));
      return json(200, {
        "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`,
        Version: ORGANIZATION_VERSION,
      });
    }
    const fn =
      /^(?:Microsoft\.Dynamics\.CRM\.)?(RetrieveTotalRecordCount|RetrieveRolePrivilegesRole|RetrieveCurrentOrganization|GetTimeZoneCodeByLocalizedName)\((.*)\)$/s.exec(
        path,
      );
    if (fn) {
      if (method !== "GET") fail(dv.make("methodNotAllowed", method));
      return this.unboundFunction(fn[1], fn[2], req.query, ctx);
    }
    if (path === "InsertOptionValue" || path === "Microsoft.Dynamics.CRM.InsertOptionValue") {
      if (method !== "POST") fail(dv.make("methodNotAllowed", method));
      const body = parseBody(req.body);
      const value = this.records.transaction(() => insertOptionValue(this.model, this.records.store, body));
      return json(200, {
        "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.InsertOptionValueResponse`,
        NewOptionValue: value,
      });
    }
    if (path === "EntityDefinitions" || path.startsWith("EntityDefinitions(")) {
      if (method !== "GET") fail(dv.make("methodNotAllowed", method));
      return entityDefinitions(this.model, path, req.query, ctx.serviceRoot.href);
    }
    const segments = splitPath(path);
    const first = splitKeySegment(segments[0]);
    const table = first ? this.model.bySet.get(first.name) : undefined;
    if (!first || !table) fail(dv.make("segmentNotFound", first?.name ?? segments[0]));
    const parsed = parseQueryString(req.query);
    if (!parsed.ok) {
      const literal = unterminatedLiteral(req.query);
      fail(
        literal ? dv.make("unterminatedLiteral", literal.position, literal.text) : dv.make("badQuery", parsed.message),
      );
    }
    const options = parsed.options;
    const prefs = parsePrefer(req.headers.prefer);
    const write: WriteContext = {
      caller: ctx.caller,
      now: ctx.now,
      contentIds: ctx.contentIds,
      serviceRoot: ctx.serviceRoot,
      // manage-duplicate-detection-create-update: detection is suppressed unless the request turns it on.
      detectDuplicates: req.headers["mscrm.suppressduplicatedetection"]?.trim().toLowerCase() === "false",
    };

    if (first.key === undefined) {
      if (segments.length === 1) {
        if (method === "GET") return this.list(table, options, prefs, ctx, req.query);
        if (method === "POST") return this.create(table, req, options, prefs, write);
        fail(dv.make("methodNotAllowed", method));
      }
      if (segments.length === 2 && segments[1] === "$count" && method === "GET") {
        // With a delta token: the number of changes since it (use-change-tracking-synchronize-data-external-systems).
        const count =
          options.deltatoken !== undefined
            ? (this.reader.list(table, options, prefs, ctx.serviceRoot.href, req.query).body.value as unknown[]).length
            : Math.min(this.reader.select(table, options).length, 5000);
        return {
          status: 200,
          headers: { "Content-Type": "text/plain" },
          body: String(count),
          work: { read: count, written: 0 },
        };
      }
      if (segments.length === 2 && method === "POST") {
        const action = segments[1].replace(/^Microsoft\.Dynamics\.CRM\./, "");
        if (action === "CreateMultiple" || action === "UpdateMultiple" || action === "UpsertMultiple") {
          return this.bulk(table, action, req, write, ctx);
        }
        // bulk-operations: DeleteMultiple exists for elastic tables only.
        if (action === "DeleteMultiple") fail(dv.make("deleteMultiple"));
      }
      fail(dv.make("segmentNotFound", segments[1]));
    }

    const key = parseKey(first.key);
    if (!key) fail(dv.make("badQuery", `Bad Request - Error in query syntax: the key '${first.key}' is not valid.`));
    if (segments.length === 1) return this.entity(table, key, first.key, method, req, options, prefs, write);
    const bound = segments.length === 2 ? segments[1].replace(/^Microsoft\.Dynamics\.CRM\./, "") : "";
    if (table.def.logicalName === "role" && ROLE_ACTIONS.has(bound)) {
      if (method !== "POST") fail(dv.make("methodNotAllowed", method));
      const row = this.records.find(table, key);
      if (!row) fail(dv.make("notFound", "role", key.kind === "id" ? key.id : ""));
      const body = parseBody(req.body);
      this.records.transaction(() => roleAction(this.records, this.model, table, row.roleid as string, bound, body));
      return { status: 204, headers: {}, body: "", work: { read: 0, written: 1 } };
    }
    return this.property(table, key, segments.slice(1), method, req, options, prefs, write, ctx);
  }

  // ---- collections and single rows ----------------------------------------------------------------------------

  private list(
    table: TableModel,
    options: QueryOptions,
    prefs: Preferences,
    ctx: ServiceContext,
    rawQuery: string,
  ): ServiceResponse {
    if (options.apply !== undefined) {
      // aggregate-data: "$orderby with aggregate values is not supported".
      if (options.orderby?.some((k) => !table.attributes.has(k.path[0]) && !table.navigation.has(k.path[0])))
        fail(dv.make("applyOrderby"));
      const value = runApply(
        this.reader,
        this.model,
        table,
        options.apply,
        options.aliases,
        prefs.annotations,
        this.reader.lookups,
      );
      const res = json(200, { "@odata.context": `${ctx.serviceRoot.href}$metadata#${table.def.entitySet}`, value });
      annotationsApplied(res, prefs);
      res.work.read = value.length;
      return res;
    }
    const result = this.reader.list(table, options, prefs, ctx.serviceRoot.href, rawQuery);
    const res = json(200, result.body);
    if (result.preferenceApplied.length) res.headers["Preference-Applied"] = result.preferenceApplied.join(",");
    res.work.read = result.rowsRead;
    return res;
  }

  private create(
    table: TableModel,
    req: ServiceRequest,
    options: QueryOptions,
    prefs: Preferences,
    write: WriteContext,
  ): ServiceResponse {
    const body = parseBody(req.body);
    const row = this.records.transaction(() => this.records.create(table, body, write));
    return this.written(table, row, 201, options, prefs, write, 1);
  }

  private written(
    table: TableModel,
    row: Row,
    representationStatus: number,
    options: QueryOptions,
    prefs: Preferences,
    write: WriteContext,
    writtenRows: number,
    alternateKey?: string,
  ): ServiceResponse {
    const id = row[table.def.primaryKey] as string;
    // An upsert by alternate key answers with the key as the URL gave it (use-upsert-insert-update-record:
    // `OData-EntityId: …/example_records(example_key1=2,example_key2=2)`).
    const entityId = `${write.serviceRoot.href}${table.def.entitySet}(${alternateKey ?? id})`;
    if (prefs.returnRepresentation) {
      // create-entity / update-delete docs: `accounts/$entity` for a $select alone, the full list with $expand.
      // The upsert page's alternate-key examples show the select list (`example_records(example_recordid)/$entity`)
      // for both the 201 and the 200; the pages disagree, so each is reproduced for the requests it shows.
      const select =
        options.expand?.length || alternateKey !== undefined ? contextSelect(options.select, options.expand) : "";
      const body = {
        "@odata.context": `${write.serviceRoot.href}$metadata#${table.def.entitySet}${select}/$entity`,
        ...this.reader.format(table, row, options.select, options.expand, prefs.annotations),
      };
      const res = json(representationStatus, body);
      res.headers["Preference-Applied"] = "return=representation";
      annotationsApplied(res, prefs);
      res.headers.ETag = weakEtag(row.versionnumber as number);
      if (representationStatus === 201) res.headers.Location = entityId;
      res.work.written = writtenRows;
      return res;
    }
    return {
      status: 204,
      headers: { Location: entityId, "OData-EntityId": entityId },
      body: "",
      work: { read: 0, written: writtenRows },
    };
  }

  private entity(
    table: TableModel,
    key: KeySpec,
    keySegment: string,
    method: string,
    req: ServiceRequest,
    options: QueryOptions,
    prefs: Preferences,
    write: WriteContext,
  ): ServiceResponse {
    const entity = table.def.logicalName;
    const notFound = (): ODataError =>
      key.kind === "id" ? dv.make("notFound", entity, key.id) : dv.make("keyNotFound", entity);
    if (method === "GET") {
      this.reader.validate(table, options);
      const row = this.records.find(table, key);
      if (!row) fail(notFound());
      const etag = weakEtag(row.versionnumber as number);
      const ifNoneMatch = req.headers["if-none-match"];
      if (
        ifNoneMatch &&
        ifNoneMatch !== "null" &&
        !options.expand?.length &&
        !prefs.annotations &&
        etagMatches(ifNoneMatch, etag)
      ) {
        return { status: 304, headers: { ETag: etag }, body: "", work: none() };
      }
      const select = contextSelect(options.select, options.expand);
      const res = json(200, {
        "@odata.context": `${write.serviceRoot.href}$metadata#${table.def.entitySet}${select}/$entity`,
        ...this.reader.format(table, row, options.select, options.expand, prefs.annotations),
      });
      res.headers.ETag = etag;
      annotationsApplied(res, prefs);
      res.work.read = 1;
      return res;
    }
    if (method === "PATCH") {
      const body = parseBody(req.body);
      const ifMatch = req.headers["if-match"];
      const ifNoneMatch = req.headers["if-none-match"];
      // use-upsert-insert-update-record: a row addressed by alternate key is named by that key in the response.
      const keyText = key.kind === "alternate" ? keySegment : undefined;
      return this.records.transaction(() => {
        const existing = this.records.find(table, key);
        if (existing) {
          if (ifNoneMatch === "*") fail(dv.make("duplicateRecord"));
          if (ifMatch && !etagMatches(ifMatch, weakEtag(existing.versionnumber as number)))
            fail(dv.make("concurrency"));
          const row = this.records.update(table, existing, withoutKeyValues(table, body, key), write);
          return this.written(table, row, 200, options, prefs, write, 1, keyText);
        }
        if (ifMatch) fail(notFound());
        const row = this.records.create(table, body, write, key);
        return this.written(table, row, 201, options, prefs, write, 1, keyText);
      });
    }
    if (method === "DELETE") {
      return this.records.transaction(() => {
        const existing = this.records.find(table, key);
        if (!existing) fail(notFound());
        const ifMatch = req.headers["if-match"];
        if (ifMatch && !etagMatches(ifMatch, weakEtag(existing.versionnumber as number))) fail(dv.make("concurrency"));
        this.records.delete(table, existing[table.def.primaryKey] as string, write);
        return { status: 204, headers: {}, body: "", work: { read: 0, written: 1 } };
      });
    }
    fail(dv.make("methodNotAllowed", method));
  }

  private property(
    table: TableModel,
    key: KeySpec,
    rest: string[],
    method: string,
    req: ServiceRequest,
    options: QueryOptions,
    prefs: Preferences,
    write: WriteContext,
    ctx: ServiceContext,
  ): ServiceResponse {
    const entity = table.def.logicalName;
    const row = this.records.find(table, key);
    if (!row) fail(key.kind === "id" ? dv.make("notFound", entity, key.id) : dv.make("keyNotFound", entity));
    const id = row[table.def.primaryKey] as string;
    const navSeg = splitKeySegment(rest[0]);
    const nav = navSeg ? table.navigation.get(navSeg.name) : undefined;
    const isRef = rest[rest.length - 1] === "$ref";

    if (nav && isRef && !(method === "GET" && nav.kind !== "single")) {
      if (method === "GET") {
        const attr = `_${nav.kind === "single" ? nav.column.name : ""}_value`;
        const targetName =
          (row[`${attr}@Microsoft.Dynamics.CRM.lookuplogicalname`] as string | undefined) ??
          (nav.kind === "single" ? (nav.target ?? nav.column.targets?.[0]) : undefined) ??
          "";
        const targetTable = this.model.tables.get(targetName);
        if (!targetTable || !row[attr]) return { status: 204, headers: {}, body: "", work: none() };
        return json(200, {
          "@odata.context": `${ctx.serviceRoot.href}$metadata#$ref`,
          "@odata.id": `${ctx.serviceRoot.href}${targetTable.def.entitySet}(${row[attr]})`,
        });
      }
      if (method === "POST" || method === "PUT") {
        const body = parseBody(req.body);
        const target = body["@odata.id"];
        if (typeof target !== "string") fail(dv.make("badJson", "The request body must contain '@odata.id'."));
        this.records.transaction(() =>
          this.records.associate(table, id, nav.name, this.records.resolveReference(target, write), write),
        );
        return { status: 204, headers: {}, body: "", work: { read: 0, written: 1 } };
      }
      if (method === "DELETE") {
        let otherId = navSeg?.key !== undefined ? parseKey(navSeg.key) : undefined;
        if (!otherId && options.custom.$id) otherId = undefined;
        const refParam = /(?:^|&)\$id=([^&]+)/.exec(req.query);
        let other = otherId?.kind === "id" ? otherId.id : undefined;
        if (!other && refParam) other = this.records.resolveReference(decodeURIComponent(refParam[1]), write).id;
        this.records.transaction(() => this.records.disassociate(table, id, nav.name, other, write));
        return { status: 204, headers: {}, body: "", work: { read: 0, written: 1 } };
      }
      fail(dv.make("methodNotAllowed", method));
    }
    if (nav && rest.length === 1 && method === "GET") {
      if (nav.kind === "single") {
        const attr = `_${nav.column.name}_value`;
        const targetName =
          (row[`${attr}@Microsoft.Dynamics.CRM.lookuplogicalname`] as string | undefined) ??
          nav.target ??
          nav.column.targets?.[0];
        const target = targetName ? this.model.tables.get(targetName) : undefined;
        const targetRow = target && row[attr] ? this.records.get(target, row[attr] as string) : undefined;
        if (!target || !targetRow) return { status: 204, headers: {}, body: "", work: none() };
        this.reader.validate(target, options);
        const res = json(200, {
          "@odata.context": `${ctx.serviceRoot.href}$metadata#${target.def.entitySet}${contextSelect(options.select, options.expand)}/$entity`,
          ...this.reader.format(target, targetRow, options.select, options.expand, prefs.annotations),
        });
        annotationsApplied(res, prefs);
        return res;
      }
      const child = this.model.table(nav.kind === "oneToMany" ? nav.rel.table : nav.rel.otherTable);
      const rows =
        nav.kind === "oneToMany"
          ? this.records.related(child, nav.rel.column, id)
          : this.records.manyToManyRows(table, nav.name, id);
      // A filtered collection (filter-rows, query/overview): queried and paged like an entity set.
      if (prefs.trackChanges || options.deltatoken !== undefined)
        fail(dv.make("badQuery", "Change tracking is only supported on entity sets."));
      const result = this.reader.list(child, options, prefs, ctx.serviceRoot.href, req.query, {
        rows,
        path: `${table.def.entitySet}(${id})/${nav.name}`,
      });
      const res = json(200, result.body);
      if (result.preferenceApplied.length) res.headers["Preference-Applied"] = result.preferenceApplied.join(",");
      res.work.read = result.rowsRead;
      return res;
    }
    if (nav && nav.kind !== "single" && rest.length === 2 && method === "GET") {
      const child = this.model.table(nav.kind === "oneToMany" ? nav.rel.table : nav.rel.otherTable);
      const rows =
        nav.kind === "oneToMany"
          ? this.records.related(child, nav.rel.column, id)
          : this.records.manyToManyRows(table, nav.name, id);
      if (rest[1] === "$count") {
        // retrieve-entity-using-web-api: the count of related rows, a UTF-8 text body with a byte order mark.
        return {
          status: 200,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
          body: `\ufeff${rows.length}`,
          work: { read: rows.length, written: 0 },
        };
      }
      if (rest[1] === "$ref") {
        const pk = child.def.primaryKey;
        const res = json(200, {
          "@odata.context": `${ctx.serviceRoot.href}$metadata#Collection($ref)`,
          value: this.reader
            .select(child, options, rows)
            .map((r) => ({ "@odata.id": `${ctx.serviceRoot.href}${child.def.entitySet}(${r[pk]})` })),
        });
        res.work.read = rows.length;
        return res;
      }
    }
    // Single property: GET/PUT/DELETE accounts(id)/name
    const attr = rest[0];
    if (rest.length !== 1 || !table.attributes.has(attr)) fail(dv.make("segmentNotFound", rest.join("/")));
    if (method === "GET") {
      return json(200, {
        "@odata.context": `${ctx.serviceRoot.href}$metadata#${table.def.entitySet}(${id})/${attr}`,
        value: row[attr] ?? null,
      });
    }
    if (method === "PUT" || method === "DELETE") {
      const value = method === "PUT" ? parseBody(req.body).value : null;
      this.records.transaction(() => this.records.update(table, row, { [attr]: value }, write));
      return { status: 204, headers: {}, body: "", work: { read: 0, written: 1 } };
    }
    fail(dv.make("methodNotAllowed", method));
  }

  // ---- unbound functions --------------------------------------------------------------------------------------

  /**
   * `RetrieveTotalRecordCount(EntityNames=['account',...])` (a count, not a snapshot: the emulator has no lag) and
   * `RetrieveRolePrivilegesRole(RoleId=<guid>)`. Parameters may be aliases (`@p1`) given in the query string.
   */
  private unboundFunction(name: string, paramText: string, query: string, ctx: ServiceContext): ServiceResponse {
    const parsed = parseQueryString(query);
    const aliases = parsed.ok ? parsed.options.aliases : {};
    const params: Record<string, string> = {};
    for (const part of splitTopLevel(paramText, ",")) {
      const eq = part.indexOf("=");
      if (eq < 0) continue;
      const raw = part.slice(eq + 1).trim();
      params[part.slice(0, eq).trim()] = raw.startsWith("@") ? (aliases[raw.slice(1)] ?? "") : raw;
    }
    const root = ctx.serviceRoot.href;
    if (name === "RetrieveTotalRecordCount") {
      const list = params.EntityNames;
      if (!list?.startsWith("[") || !list.endsWith("]"))
        fail(dv.make("badQuery", "The parameter 'EntityNames' is required and must be a collection of strings."));
      const names = splitTopLevel(list.slice(1, -1), ",")
        .map((n) => n.trim().replace(/^['"]|['"]$/g, ""))
        .filter(Boolean);
      const values = names.map((n) => {
        const t = this.model.tables.get(n);
        if (!t) fail(dv.make("badQuery", `The entity with a name = '${n}' was not found in the MetadataCache.`));
        return this.records.rows(t).size;
      });
      return json(200, {
        "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
        EntityRecordCountCollection: { Count: names.length, IsReadOnly: false, Keys: names, Values: values },
      });
    }
    if (name === "GetTimeZoneCodeByLocalizedName") {
      // use-web-api-functions, "Passing parameters to a function": inline or as aliases (`=@p1…?@p1='…'`).
      const zone = literalParam(params.LocalizedStandardName);
      const locale = literalParam(params.LocaleId);
      if (typeof zone !== "string" || typeof locale !== "number")
        fail(
          dv.make(
            "badQuery",
            "The parameters 'LocalizedStandardName' (a string) and 'LocaleId' (a number) of GetTimeZoneCodeByLocalizedName are required.",
          ),
        );
      const code = TIME_ZONE_CODES[zone.toLowerCase()];
      if (code === undefined || locale !== 1033)
        fail(dv.make("badQuery", `No time zone named '${zone}' was found for locale ${locale}.`));
      return json(200, {
        "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.GetTimeZoneCodeByLocalizedNameResponse`,
        TimeZoneCode: code,
      });
    }
    if (name === "RetrieveCurrentOrganization") {
      // The AccessType parameter is an EndpointAccessType: Default, Internet or Intranet.
      const access = /^(?:Microsoft\.Dynamics\.CRM\.EndpointAccessType)?'?(Default|Internet|Intranet|[0-2])'?$/.exec(
        (params.AccessType ?? "").trim(),
      );
      if (!access)
        fail(dv.make("badQuery", "The parameter 'AccessType' is required and must be an EndpointAccessType."));
      const org = this.org();
      const row = this.records.get(this.model.table("organization"), org.organizationId);
      const origin = ctx.serviceRoot.origin;
      const name = String(row?.name ?? "org");
      const keys = ["WebApplication", "OrganizationService", "OrganizationDataService"];
      return json(200, {
        "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse`,
        Detail: {
          OrganizationId: org.organizationId,
          FriendlyName: name,
          OrganizationVersion: ORGANIZATION_VERSION,
          Geo: "NA",
          UrlName: ctx.serviceRoot.hostname,
          UniqueName: name,
          Endpoints: {
            Count: keys.length,
            IsReadOnly: false,
            Keys: keys,
            Values: [
              origin,
              `${origin}/XRMServices/2011/Organization.svc`,
              `${origin}/XRMServices/2011/OrganizationData.svc`,
            ],
          },
          State: "Enabled",
        },
      });
    }
    const roleId = normalizeGuid(params.RoleId ?? "");
    const roles = this.model.table("role");
    if (!roleId || !this.records.get(roles, roleId)) fail(dv.make("notFound", "role", params.RoleId ?? ""));
    return json(200, {
      "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse`,
      RolePrivileges: rolePrivileges(this.records, this.model, roleId),
    });
  }

  // ---- bulk messages ------------------------------------------------------------------------------------------

  private bulk(
    table: TableModel,
    action: string,
    req: ServiceRequest,
    write: WriteContext,
    ctx: ServiceContext,
  ): ServiceResponse {
    const body = parseBody(req.body);
    const targets = body.Targets;
    if (!Array.isArray(targets)) fail(dv.make("badJson", "The parameter 'Targets' is required and must be an array."));
    const entity = table.def.logicalName;
    const pk = table.def.primaryKey;
    const results = this.records.transaction(() =>
      targets.map((raw) => {
        const target = raw as Record<string, unknown>;
        const type = String(target["@odata.type"] ?? "").replace(/^#/, "");
        if (type !== `Microsoft.Dynamics.CRM.${entity}`) fail(dv.make("bulkType", entity));
        const id = typeof target[pk] === "string" ? (target[pk] as string).toLowerCase() : undefined;
        if (action === "CreateMultiple") return { created: true, row: this.records.create(table, target, write) };
        // UpsertMultiple may name the record with `@odata.id` (`accounts(accountnumber='A-1')` or an id).
        const odataId = typeof target["@odata.id"] === "string" ? (target["@odata.id"] as string) : undefined;
        if (odataId && action === "UpsertMultiple") {
          const seg = splitKeySegment(odataId.replace(/^.*\//, ""));
          const key = seg?.key !== undefined ? parseKey(seg.key) : undefined;
          if (!key || seg?.name !== table.def.entitySet)
            fail(dv.make("invalidArgument", `The URI '${odataId}' is not a valid entity reference.`));
          const found = this.records.find(table, key);
          if (found)
            return {
              created: false,
              row: this.records.update(table, found, withoutKeyValues(table, target, key), write),
            };
          return { created: true, row: this.records.create(table, target, write, key) };
        }
        let existing = id ? this.records.get(table, id) : undefined;
        if (!existing && !id && action === "UpsertMultiple") {
          for (const keyCols of table.def.alternateKeys) {
            if (keyCols.every((c) => target[c] !== undefined && target[c] !== null)) {
              existing = this.records.findByAlternateKey(
                table,
                Object.fromEntries(keyCols.map((c) => [c, { type: "string" as const, value: target[c] as string }])),
              );
              if (existing) break;
            }
          }
        }
        if (action === "UpdateMultiple") {
          if (!id) fail(dv.make("badJson", `Each target of UpdateMultiple must contain '${pk}'.`));
          if (!existing) fail(dv.make("notFound", entity, id));
          return { created: false, row: this.records.update(table, existing, target, write) };
        }
        if (existing) return { created: false, row: this.records.update(table, existing, target, write) };
        return { created: true, row: this.records.create(table, target, write) };
      }),
    );
    const root = ctx.serviceRoot.href;
    const work = { read: 0, written: results.length };
    if (action === "CreateMultiple") {
      return {
        ...json(200, {
          "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`,
          Ids: results.map((r) => r.row[pk]),
        }),
        work,
      };
    }
    // UpdateMultiple and UpsertMultiple answer 204: "the UpsertMultipleResponse complex type is not returned".
    return { status: 204, headers: {}, body: "", work };
  }

  // ---- $batch --------------------------------------------------------------------------------------------------

  private batch(req: ServiceRequest, ctx: ServiceContext): ServiceResponse {
    const parsed = parseBatch(req.body, req.headers["content-type"]);
    if (!parsed.ok) fail(dv.make("badQuery", parsed.message));
    const count = parsed.parts.reduce((n, p) => n + (p.kind === "request" ? 1 : p.requests.length), 0);
    if (count > MAX_BATCH) fail(dv.make("batchTooLarge"));
    const prefs = parsePrefer(req.headers.prefer);
    const out: BatchResponsePart[] = [];
    const work = { read: 0, written: 0 };
    let failedStatus: number | undefined;
    const inner = (
      r: { method: string; url: string; headers: Record<string, string>; body: string },
      contentIds: Map<string, string>,
    ): ServiceResponse => {
      const ref = /^\$([A-Za-z0-9_.-]+)/.exec(r.url);
      if (ref && !contentIds.has(ref[1])) return errorResponse(dv.make("contentIdMissing", `$${ref[1]}`));
      const relative = relativeInnerUrl(r.url, ctx.serviceRoot, contentIds);
      if (relative === undefined)
        return errorResponse(dv.make("badQuery", `The URL '${r.url}' is not within the service.`));
      const q = relative.indexOf("?");
      const headers: Record<string, string | undefined> = { ...r.headers };
      if (!headers.prefer && req.headers.prefer) headers.prefer = req.headers.prefer;
      const res = this.handle(
        {
          method: r.method,
          path: decodeURIComponent(q < 0 ? relative : relative.slice(0, q)),
          query: q < 0 ? "" : relative.slice(q + 1),
          headers,
          body: r.body,
        },
        { ...ctx, contentIds, inBatch: true },
      );
      work.read += res.work.read;
      work.written += res.work.written;
      return res;
    };
    for (const part of parsed.parts) {
      if (failedStatus !== undefined && !prefs.continueOnError) break;
      if (part.kind === "request") {
        const res = inner(part.request, new Map());
        out.push({ kind: "response", response: toBatchResponse(res, part.request.contentId) });
        if (res.status >= 400) failedStatus ??= res.status;
        continue;
      }
      const contentIds = new Map<string, string>();
      const responses: BatchResponse[] = [];
      try {
        this.records.transaction(() => {
          for (const r of part.requests) {
            if (r.method === "GET")
              throw new ChangeSetFailure(
                errorResponse(dv.make("badQuery", "GET requests are not allowed in a change set.")),
                r.contentId,
              );
            const res = inner(r, contentIds);
            if (res.status >= 400) throw new ChangeSetFailure(res, r.contentId);
            const entityId = res.headers["OData-EntityId"] ?? res.headers.Location;
            if (r.contentId && entityId) contentIds.set(r.contentId, entityId.slice(ctx.serviceRoot.href.length));
            responses.push(toBatchResponse(res, r.contentId));
          }
        });
        out.push({ kind: "changeset", responses });
      } catch (error) {
        if (!(error instanceof ChangeSetFailure)) throw error;
        out.push({ kind: "response", response: toBatchResponse(error.response, error.contentId) });
        failedStatus ??= error.response.status;
      }
    }
    const serialized = serializeBatchResponse(out);
    const headers: Record<string, string> = { "Content-Type": serialized.contentType };
    if (prefs.continueOnError) headers["Preference-Applied"] = "odata.continue-on-error";
    const status = failedStatus !== undefined && !prefs.continueOnError ? failedStatus : 200;
    return { status, headers, body: serialized.body, work };
  }
}

class ChangeSetFailure extends Error {
  constructor(
    readonly response: ServiceResponse,
    readonly contentId: string | undefined,
  ) {
    super("change set failed");
  }
}

/** A response inside a batch, headed as the service heads them (execute-batch-operations-using-web-api). */
function toBatchResponse(res: ServiceResponse, contentId?: string): BatchResponse {
  const headers: Record<string, string> = {};
  if (res.status >= 400) headers.REQ_ID = randomUUID();
  const { "Content-Type": contentType, ...rest } = res.headers;
  if (contentType)
    headers["Content-Type"] =
      contentType === JSON_TYPE && res.status < 300 ? `${JSON_TYPE}; odata.streaming=true` : contentType;
  headers["OData-Version"] = "4.0";
  Object.assign(headers, rest);
  return { status: res.status, headers, body: res.body, ...(contentId ? { contentId } : {}) };
}

/** `Preference-Applied` gains the include-annotations preference when annotations were asked for. */
function annotationsApplied(res: ServiceResponse, prefs: Preferences): void {
  if (prefs.annotations === undefined) return;
  const applied = `odata.include-annotations="${prefs.annotations}"`;
  const before = res.headers["Preference-Applied"];
  res.headers["Preference-Applied"] = before ? `${before},${applied}` : applied;
}

function none() {
  return { read: 0, written: 0 };
}

function json(status: number, body: unknown): ServiceResponse {
  return { status, headers: { "Content-Type": JSON_TYPE }, body: JSON.stringify(body), work: none() };
}

/**
 * The error response. With `odata.include-annotations` asking for them, the error carries the help link and inner
 * message annotations (compose-http-requests-handle-errors, "Include more details with errors").
 */
export function errorResponse(error: ODataError, annotations?: string): ServiceResponse {
  const extra: Record<string, unknown> = { ...error.extra };
  if (annotationWanted(annotations, "Microsoft.PowerApps.CDS.HelpLink")) {
    extra["@Microsoft.PowerApps.CDS.HelpLink"] =
      `http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a${error.code.replace(/^0x/, "")}&client=platform`;
  }
  if (annotationWanted(annotations, "Microsoft.PowerApps.CDS.InnerError.Message"))
    extra["@Microsoft.PowerApps.CDS.InnerError.Message"] = error.message;
  return {
    status: error.status,
    headers: { "Content-Type": JSON_TYPE, ...error.headers },
    body: errorBody({ ...error, extra }),
    work: none(),
  };
}

/** A function parameter's value as written in the URL (`'text'`, `1033`), or undefined when it is not a literal. */
function literalParam(raw: string | undefined): string | number | boolean | null | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseLiteralText(raw).value;
  } catch {
    return undefined;
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  const value = JSON.parse(text) as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(dv.make("badJson", "The request body must be a JSON object."));
  return value as Record<string, unknown>;
}

/**
 * A `$filter` whose single-quoted literal never ends (`lastname eq 'O'Bryan'`): the service's lexer reports it at the
 * end of the text (filter-rows, "Manage single quotes"). `''` is a quote inside a literal; double-quoted JSON array
 * values (`["O'Brian"]`) may hold single quotes.
 */
function unterminatedLiteral(query: string): { position: number; text: string } | undefined {
  const decode = (s: string): string | undefined => {
    try {
      return decodeURIComponent(s.replace(/\+/g, "%20"));
    } catch {
      return undefined;
    }
  };
  const part = query.split("&").find((p) => decode(p.slice(0, p.indexOf("=") + 1)) === "$filter=");
  const text = part === undefined ? undefined : decode(part.slice(part.indexOf("=") + 1));
  if (text === undefined) return undefined;
  for (let i = 0; i < text.length; i++) {
    const quote = text[i];
    if (quote !== "'" && quote !== '"') continue;
    let j = i + 1;
    for (; j < text.length; j++) {
      if (quote === '"' && text[j] === "\\") j++;
      else if (text[j] === quote && quote === "'" && text[j + 1] === "'") j++;
      else if (text[j] === quote) break;
    }
    if (j >= text.length) return quote === "'" ? { position: text.length, text } : undefined;
    i = j;
  }
  return undefined;
}
