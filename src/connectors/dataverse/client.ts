// The Dataverse Web API client: typed access by entity set, paged and change-tracking reads as async iterators,
// writes with ETags, $batch, bulk messages with fallback, impersonation, WhoAmI and N:N association.
import {
  CONNECTOR_DELTA_EXPIRED,
  CONNECTOR_OUTCOME_UNKNOWN,
  CONNECTOR_RESPONSE_UNREADABLE,
} from "../../errors/codes/connectors.ts";
import { type BcsyncError, bcsyncError } from "../../errors/define.ts";
import { createServiceClient } from "../http/create-service-client.ts";
import { answerJson, decodeText, malformedAnswer } from "../http/decode.ts";
import type { ConnectorMetrics } from "../http/metrics.ts";
import { checkPage, PagingGuard } from "../http/paging-guard.ts";
import { displayPath, type ServiceClient, type ServiceResponse } from "../http/service-client.ts";
import { mapServiceError, readErrorBody } from "../http/service-error.ts";
import { isSplittable, sendIsolating } from "../http/split.ts";
import { fail, ok, type Result } from "../result.ts";
import {
  type BatchOperation,
  type BatchPart,
  type BatchPartResponse,
  parseBatchResponseGroups,
  serializeBatch,
} from "./batch.ts";
import { bulkTarget, fallbackOperation, isBulkUnsupported } from "./bulk.ts";
import { describeKey, idFromEntityUrl, keySegment, type RecordKey } from "./keys.ts";
import {
  impersonationHeaders,
  isIdempotentOperation,
  queryString,
  readHeaders,
  recordOf,
  writeHeaders,
} from "./request-options.ts";
import { type TableClient, tableClient } from "./table.ts";
import {
  type BatchOperationResult,
  type BulkMessage,
  type BulkResult,
  type ChangePage,
  DATAVERSE_DEFAULT_LIMITS,
  type DataverseSettings,
  type Impersonation,
  type Page,
  type QueryOptions,
  type RecordOutcome,
  type Row,
  type UpsertMode,
  type WriteOptions,
  type WriteResult,
} from "./types.ts";

export { isBulkUnsupported } from "./bulk.ts";
export * from "./types.ts";

/** Column rules from a table's metadata (see `DataverseClient.columnRules`). */
export interface DataverseColumnRules {
  required: Set<string>;
  email: Set<string>;
  options: Map<string, Set<number>>;
}

/** A metadata label (`Label` of an option): the user's language and every language. */
interface OptionLabel {
  UserLocalizedLabel?: { Label?: string } | null;
  LocalizedLabels?: { Label?: string }[];
}

export function createDataverseClient(settings: DataverseSettings): DataverseClient {
  return new DataverseClient(settings);
}

export class DataverseClient {
  readonly apiRoot: URL;
  private readonly http: ServiceClient;
  private readonly batchSize: number;
  private readonly bulkSize: number;
  /** `<entity set>:<message>` pairs the service refused as unsupported; those go through $batch from then on. */
  private readonly unsupportedBulk = new Set<string>();

  constructor(settings: DataverseSettings) {
    const origin = new URL(settings.url).origin;
    this.apiRoot = new URL(`/api/data/v${settings.apiVersion ?? "9.2"}/`, origin);
    this.batchSize = Math.min(settings.batchSize ?? 1000, 1000);
    this.bulkSize = settings.bulkSize ?? 1000;
    this.http = createServiceClient(
      "Dataverse",
      this.apiRoot.href,
      settings.scope ?? `${origin}/.default`,
      settings,
      DATAVERSE_DEFAULT_LIMITS,
      { accept: "application/json", "odata-maxversion": "4.0", "odata-version": "4.0" },
      dataverseLimitOf429,
    );
  }

  metrics(): ConnectorMetrics {
    return this.http.metricsSnapshot();
  }

  throttleStates() {
    return this.http.throttleStates();
  }

  /** App registrations the client signs in as (the credentials, then `extraPrincipals`), used round-robin. */
  principalCount(): number {
    return this.http.throttleStates().length;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Typed access to one entity set, e.g. `dv.table<Account>("accounts", "account")`. */
  table<T extends object>(entitySet: string, logicalName: string, primaryKey?: string): TableClient<T> {
    return tableClient<T>(this, entitySet, logicalName, primaryKey);
  }

  /** Remembered tables without bulk-message support, e.g. `accounts:CreateMultiple`. */
  bulkUnsupported(): string[] {
    return [...this.unsupportedBulk];
  }

  /** Who the client is: as the next principal round-robin, or as the given one (see `principalCount`). */
  async whoAmI(
    options: { principal?: number } = {},
  ): Promise<Result<{ UserId: string; BusinessUnitId: string; OrganizationId: string }>> {
    const res = await this.request("GET", "WhoAmI", options);
    if (!res.ok) return res;
    return this.json(res.value, "WhoAmI");
  }

  /**
   * Calls a bound action, e.g. `roles(<id>)/Microsoft.Dynamics.CRM.ReplacePrivilegesRole`. `idempotent` when the
   * caller vouches that repeating it is harmless (a replace is; an add of a counter is not).
   */
  async boundAction(
    entitySet: string,
    key: RecordKey,
    action: string,
    body: Row,
    options: { idempotent?: boolean } = {},
  ): Promise<Result<Row | undefined>> {
    const name = action.includes(".") ? action : `Microsoft.Dynamics.CRM.${action}`;
    const res = await this.request("POST", `${entitySet}${keySegment(key)}/${name}`, {
      body,
      record: describeKey(key),
      idempotent: options.idempotent ?? false,
    });
    if (!res.ok) return res;
    if (res.value.status === 204 || res.value.body.length === 0) return ok(undefined);
    return this.json(res.value, name);
  }

  /**
   * Adds an option to a local choice column (the `InsertOptionValue` action) unless an option with that label
   * (case and surrounding blanks ignored) is already there: the action is not idempotent, so the column's
   * metadata is read first and the POST is never retried. `inserted` says which happened; `undefined` when the
   * table has no such choice column.
   */
  /**
   * The most characters each text column of a table takes (string and memo columns' MaxLength), from the table's
   * metadata: what the engine checks before writing, so a value Dataverse would refuse is reported with its field
   * (issue 14.6) instead of failing a request. An unknown table gives an empty map.
   */
  textColumnLimits(entity: string): Promise<Result<Map<string, number>>> {
    // Metadata changes rarely: read once per table and process (a failed read is tried again next time).
    let cached = this.columnLimitCache.get(entity);
    if (!cached) {
      cached = this.readTextColumnLimits(entity).then((r) => {
        if (!r.ok) this.columnLimitCache.delete(entity);
        return r;
      });
      this.columnLimitCache.set(entity, cached);
    }
    return cached;
  }

  private readonly columnLimitCache = new Map<string, Promise<Result<Map<string, number>>>>();

  /**
   * What a table's metadata says its columns' values must be, checked by the engine before writing (issue 14.6):
   * columns the service itself requires (RequiredLevel SystemRequired; ApplicationRequired is a form rule the Web
   * API does not enforce), string columns whose Format is Email, and the option values of choice columns. Read once
   * per table and process; a failed read is tried again next time.
   */
  columnRules(entity: string): Promise<Result<DataverseColumnRules>> {
    let cached = this.columnRuleCache.get(entity);
    if (!cached) {
      cached = this.readColumnRules(entity).then((r) => {
        if (!r.ok) this.columnRuleCache.delete(entity);
        return r;
      });
      this.columnRuleCache.set(entity, cached);
    }
    return cached;
  }

  private readonly columnRuleCache = new Map<string, Promise<Result<DataverseColumnRules>>>();

  private async readColumnRules(entity: string): Promise<Result<DataverseColumnRules>> {
    const base = `EntityDefinitions(LogicalName='${entity.replace(/'/g, "''")}')/Attributes`;
    const rules: DataverseColumnRules = { required: new Set(), email: new Set(), options: new Map() };
    const read = async <T>(path: string): Promise<Result<T[] | undefined>> => {
      const res = await this.request("GET", path, { allow404: true, record: entity });
      if (!res.ok) return res;
      if (res.value.status === 404) return ok(undefined);
      const body = this.json<{ value?: T[] }>(res.value, path);
      if (!body.ok) return body;
      if (!Array.isArray(body.value.value)) return this.malformed(path, "no value array");
      return ok(body.value.value);
    };
    // Three metadata reads, independent of each other: sent together (each costs a request's time on the service).
    const [all, strings, choices] = await Promise.all([
      read<{
        LogicalName: string;
        AttributeType?: string;
        IsPrimaryId?: boolean;
        IsValidForCreate?: boolean;
        RequiredLevel?: { Value?: string };
      }>(`${base}?$select=LogicalName,AttributeType,IsPrimaryId,IsValidForCreate,RequiredLevel`),
      read<{ LogicalName: string; Format?: string | null }>(
        `${base}/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,Format`,
      ),
      read<{ LogicalName: string; OptionSet?: { Options?: { Value: number }[] } | null }>(
        `${base}/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)`,
      ),
    ]);
    if (!all.ok) return all;
    // The platform fills the key, the owner (the caller) and state/status (their defaults) when they are left out.
    const defaulted = new Set(["Owner", "State", "Status"]);
    for (const a of all.value ?? []) {
      if (a.RequiredLevel?.Value !== "SystemRequired" || a.IsPrimaryId || a.IsValidForCreate === false) continue;
      if (!defaulted.has(a.AttributeType ?? "")) rules.required.add(a.LogicalName);
    }
    if (!strings.ok) return strings;
    for (const a of strings.value ?? []) if (a.Format === "Email") rules.email.add(a.LogicalName);
    if (!choices.ok) return choices;
    for (const a of choices.value ?? []) {
      const values = (a.OptionSet?.Options ?? []).map((o) => o.Value).filter((v) => typeof v === "number");
      if (values.length > 0) rules.options.set(a.LogicalName, new Set(values));
    }
    return ok(rules);
  }

  private async readTextColumnLimits(entity: string): Promise<Result<Map<string, number>>> {
    const quote = (s: string) => s.replace(/'/g, "''");
    const limits = new Map<string, number>();
    // The two casts are read together (independent metadata reads).
    const paths = ["StringAttributeMetadata", "MemoAttributeMetadata"].map(
      (type) =>
        `EntityDefinitions(LogicalName='${quote(entity)}')/Attributes/Microsoft.Dynamics.CRM.${type}?$select=LogicalName,MaxLength`,
    );
    const reads = await Promise.all(paths.map((path) => this.request("GET", path, { allow404: true, record: entity })));
    for (const [i, read] of reads.entries()) {
      const path = paths[i];
      if (!read.ok) return read;
      if (read.value.status === 404) return ok(limits);
      const body = this.json<{ value?: { LogicalName: string; MaxLength?: number | null }[] }>(read.value, path);
      if (!body.ok) return body;
      for (const a of body.value.value ?? [])
        if (typeof a.MaxLength === "number" && a.MaxLength > 0) limits.set(a.LogicalName, a.MaxLength);
    }
    return ok(limits);
  }

  async insertOptionValue(
    entity: string,
    attribute: string,
    label: string,
    options: { languageCode?: number; value?: number } = {},
  ): Promise<Result<{ value: number; inserted: boolean } | undefined>> {
    const quote = (s: string) => s.replace(/'/g, "''");
    const path =
      `EntityDefinitions(LogicalName='${quote(entity)}')/Attributes(LogicalName='${quote(attribute)}')` +
      "/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)";
    const read = await this.request("GET", path, { allow404: true, record: `${entity}.${attribute}` });
    if (!read.ok) return read;
    if (read.value.status === 404) return ok(undefined);
    const metadata = this.json<{ OptionSet?: { Options?: { Value: number; Label?: OptionLabel }[] } | null }>(
      read.value,
      path,
    );
    if (!metadata.ok) return metadata;
    const normal = (text: unknown) =>
      String(text ?? "")
        .trim()
        .toUpperCase();
    const existing = (metadata.value.OptionSet?.Options ?? []).find((o) =>
      [o.Label?.UserLocalizedLabel, ...(o.Label?.LocalizedLabels ?? [])].some(
        (l) => l && normal(l.Label) === normal(label),
      ),
    );
    if (existing) return ok({ value: existing.Value, inserted: false });
    const res = await this.request("POST", "InsertOptionValue", {
      body: {
        EntityLogicalName: entity,
        AttributeLogicalName: attribute,
        Label: { LocalizedLabels: [{ Label: label, LanguageCode: options.languageCode ?? 1033 }] },
        ...(options.value === undefined ? {} : { Value: options.value }),
      },
      record: `${entity}.${attribute}`,
      idempotent: false,
    });
    if (!res.ok) return res;
    const answer = this.json<{ NewOptionValue?: unknown }>(res.value, "InsertOptionValue");
    if (!answer.ok) return answer;
    const value = answer.value.NewOptionValue;
    if (typeof value !== "number") return this.malformed("InsertOptionValue", "no NewOptionValue in the answer");
    return ok({ value, inserted: true });
  }

  async retrieve(entitySet: string, key: RecordKey, options: QueryOptions = {}): Promise<Result<Row | undefined>> {
    const path = `${entitySet}${keySegment(key)}${queryString(options)}`;
    const res = await this.request("GET", path, {
      headers: readHeaders(options),
      record: describeKey(key),
      allow404: true,
    });
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(undefined);
    return this.json<Row>(res.value, path);
  }

  /**
   * Pages of an entity set, one request per page, following nextLink; stops after the first error. With
   * `prefetch` the next page is requested while the caller works on the current one (two pages in memory).
   */
  async *pages(
    entitySet: string,
    options: QueryOptions & { nextLink?: string; prefetch?: boolean } = {},
  ): AsyncGenerator<Result<Page>> {
    const headers = readHeaders(options);
    // A link back to a page already read, or to another host, ends the read with a catalogued error (issue 14).
    const guard = new PagingGuard(this.apiRoot);
    const fetchPage = async (url: string): Promise<Result<Page>> => {
      guard.follow(url);
      const res = await this.readJson<{ value?: unknown; "@odata.nextLink"?: unknown }>(url, headers);
      if (!res.ok) return res;
      const shape = checkPage(res.value, guard);
      if (!shape.ok) return this.malformed(url, shape.reason);
      return ok({ rows: shape.rows, nextLink: shape.next });
    };
    let pending: Promise<Result<Page>> | undefined = fetchPage(
      options.nextLink ?? `${entitySet}${queryString(options)}`,
    );
    while (pending) {
      const page: Result<Page> = await pending;
      pending = undefined;
      if (!page.ok) {
        yield page;
        return;
      }
      const next = page.value.nextLink;
      if (next && options.prefetch) pending = fetchPage(next);
      yield page;
      if (next && !options.prefetch) pending = fetchPage(next);
    }
  }

  /**
   * Change tracking: without `deltaLink` an initial read of every row, else the changes since that link.
   * The last page carries the new delta link; the caller persists it once it has processed the pages.
   */
  async *changes(
    entitySet: string,
    options: { select?: readonly string[]; pageSize?: number; deltaLink?: string; nextLink?: string } = {},
  ): AsyncGenerator<Result<ChangePage>> {
    let url: string | undefined =
      options.nextLink ?? options.deltaLink ?? `${entitySet}${queryString({ select: options.select })}`;
    const headers = readHeaders({ pageSize: options.pageSize, trackChanges: true });
    // A link back to a page already read, or to another host, ends the read with a catalogued error (issue 14).
    const guard = new PagingGuard(this.apiRoot);
    while (url) {
      guard.follow(url);
      const res = await this.request("GET", url, { headers, allowStatus: [400, 410] });
      if (!res.ok) {
        yield res;
        return;
      }
      if (res.value.status >= 400) {
        const text = res.value.body.toString("utf8");
        const detail = readErrorBody(text);
        yield fail(
          // ExpiredVersionStamp (0x80044352): the token is too old or not valid any more; a full read is needed.
          options.deltaLink &&
            (detail.code === "0x80044352" || /expired|delta\s*token|deltatoken/i.test(detail.message))
            ? bcsyncError(CONNECTOR_DELTA_EXPIRED, { entitySet, serviceMessage: detail.message })
            : mapServiceError(this.ctx("GET", url), res.value.status, res.value.headers, text),
        );
        return;
      }
      const body = this.json<{ value?: unknown; "@odata.nextLink"?: unknown; "@odata.deltaLink"?: unknown }>(
        res.value,
        url,
      );
      if (!body.ok) {
        yield body;
        return;
      }
      const shape = checkPage(body.value, guard);
      if (!shape.ok) {
        yield this.malformed(url, shape.reason);
        return;
      }
      const delta = body.value["@odata.deltaLink"];
      // The delta link is kept for the next run: one to another host would send the token there then.
      if (
        delta !== undefined &&
        (typeof delta !== "string" || new URL(delta, this.apiRoot).origin !== this.apiRoot.origin)
      ) {
        yield this.malformed(url, "the deltaLink is not a link to this service");
        return;
      }
      const changed: Row[] = [];
      const deleted: string[] = [];
      for (const row of shape.rows) {
        // Not a row at all: handed on as a change, for the reader to refuse with the rest of the page going through.
        if (row === null || typeof row !== "object") {
          changed.push(row);
          continue;
        }
        const context = String(row["@odata.context"] ?? "");
        if (context.includes("$deletedEntity") || row.reason === "deleted") deleted.push(String(row.id));
        else changed.push(row);
      }
      const next = shape.next;
      yield ok({ changed, deleted, nextLink: next, deltaLink: next ? undefined : delta });
      url = next;
    }
  }

  /** POST: not idempotent. A lost answer is reported as outcome unknown (BCSYNC_E_CONNECTOR_OUTCOME_UNKNOWN). */
  async create(entitySet: string, row: Row, options: WriteOptions = {}): Promise<Result<WriteResult>> {
    const res = await this.request("POST", entitySet, {
      body: row,
      headers: writeHeaders(options),
      record: options.record ?? entitySet,
      idempotent: false,
    });
    if (!res.ok) return res;
    return this.writeResult(res.value, entitySet);
  }

  /** PATCH with If-Match (the ETag read, or `*`): updates, never creates; 412 when the row changed since. */
  async update(
    entitySet: string,
    key: RecordKey,
    changes: Row,
    options: WriteOptions & { etag?: string } = {},
  ): Promise<Result<WriteResult>> {
    const path = `${entitySet}${keySegment(key)}`;
    const res = await this.request("PATCH", path, {
      body: changes,
      headers: { ...writeHeaders(options), "if-match": options.etag ?? "*" },
      record: options.record ?? describeKey(key),
    });
    if (!res.ok) return res;
    return this.writeResult(res.value, path);
  }

  /** PATCH by id or alternate key: creates or updates. Idempotent, so it is retried after a lost answer. */
  async upsert(
    entitySet: string,
    key: RecordKey,
    row: Row,
    options: WriteOptions & { mode?: UpsertMode } = {},
  ): Promise<Result<WriteResult>> {
    const path = `${entitySet}${keySegment(key)}`;
    const headers = writeHeaders(options);
    if (options.mode === "createOnly") headers["if-none-match"] = "*";
    if (options.mode === "updateOnly") headers["if-match"] = "*";
    const res = await this.request("PATCH", path, {
      body: row,
      headers,
      record: options.record ?? describeKey(key),
      idempotent: true,
    });
    if (!res.ok) return res;
    return this.writeResult(res.value, path);
  }

  /** DELETE with If-Match when an ETag is given. A row already gone is `{ existed: false }`, not an error. */
  async delete(
    entitySet: string,
    key: RecordKey,
    options: { etag?: string; impersonate?: Impersonation } = {},
  ): Promise<Result<{ existed: boolean }>> {
    const headers = impersonationHeaders(options.impersonate);
    if (options.etag) headers["if-match"] = options.etag;
    const res = await this.request("DELETE", `${entitySet}${keySegment(key)}`, {
      headers,
      record: describeKey(key),
      allow404: true,
    });
    if (!res.ok) return res;
    return ok({ existed: res.value.status !== 404 });
  }

  /** N:N association: `POST <set>(<id>)/<nav>/$ref {"@odata.id": <target>}`. */
  async associate(
    entitySet: string,
    key: RecordKey,
    navigationProperty: string,
    targetSet: string,
    targetKey: RecordKey,
  ): Promise<Result<void>> {
    const target = new URL(`${targetSet}${keySegment(targetKey)}`, this.apiRoot).href;
    const res = await this.request("POST", `${entitySet}${keySegment(key)}/${navigationProperty}/$ref`, {
      body: { "@odata.id": target },
      record: `${describeKey(key)} → ${describeKey(targetKey)}`,
      idempotent: true,
    });
    // Already associated (e.g. a repeated request whose first answer was lost): the wanted state holds.
    if (!res.ok && res.error.code === "BCSYNC_E_CONNECTOR_DUPLICATE_KEY") return ok(undefined);
    return res.ok ? ok(undefined) : res;
  }

  async disassociate(
    entitySet: string,
    key: RecordKey,
    navigationProperty: string,
    targetKey: RecordKey,
  ): Promise<Result<void>> {
    const res = await this.request(
      "DELETE",
      `${entitySet}${keySegment(key)}/${navigationProperty}${keySegment(targetKey)}/$ref`,
      { record: `${describeKey(key)} → ${describeKey(targetKey)}`, allow404: true },
    );
    // A 404: not associated (any more); the wanted state holds.
    return res.ok ? ok(undefined) : res;
  }

  /**
   * One $batch request. Results come per operation, in order (a failed change set yields its error for each of
   * its operations). `idempotent`: the caller vouches every operation may be repeated (upserts, If-Match updates).
   */
  async batch(
    parts: readonly BatchPart[],
    options: { continueOnError?: boolean; idempotent?: boolean; impersonate?: Impersonation } = {},
  ): Promise<Result<BatchOperationResult[]>> {
    const { contentType, body } = serializeBatch(parts, this.apiRoot);
    const headers: Record<string, string> = {
      "content-type": contentType,
      ...impersonationHeaders(options.impersonate),
    };
    if (options.continueOnError) headers.prefer = "odata.continue-on-error";
    const operations = parts.flatMap((p) => ("changeSet" in p ? p.changeSet : [p.operation]));
    const idempotent = options.idempotent ?? operations.every(isIdempotentOperation);
    // A batch of one (what isolating a refused batch comes down to) names its record in errors.
    const record = operations.length === 1 ? recordOf(operations[0]) : `$batch of ${operations.length}`;
    const res = await this.request("POST", "$batch", {
      body,
      headers,
      idempotent,
      record,
      allowStatus: [400, 412, 404, 409, 500],
    });
    if (!res.ok) return res;
    // The operations ran, or some did: an answer that cannot be read says nothing of which. Repeatable ones may be
    // sent again; the others' outcome is unknown, so the engine looks their records up before writing again.
    const unreadable = (reason: string): Result<never> =>
      fail(
        idempotent
          ? bcsyncError(CONNECTOR_RESPONSE_UNREADABLE, {
              service: "Dataverse",
              method: "POST",
              path: "$batch",
              reason,
              record,
            })
          : bcsyncError(CONNECTOR_OUTCOME_UNKNOWN, {
              service: "Dataverse",
              method: "POST",
              path: "$batch",
              reason: `the answer cannot be read: ${reason}`,
              record,
            }),
      );
    const text = decodeText(res.value.body);
    if (!text.ok) return unreadable(`status ${res.value.status}: ${text.reason}`);
    const parsed = parseBatchResponseGroups(res.value.headers["content-type"], text.value);
    if (!parsed) {
      if (res.value.status >= 400) {
        return fail(
          mapServiceError(
            this.ctx("POST", "$batch", record, res.value.attempts),
            res.value.status,
            res.value.headers,
            res.value.body.toString("utf8"),
          ),
        );
      }
      return idempotent
        ? this.malformed("$batch", "the multipart response cannot be parsed")
        : unreadable("the multipart response cannot be parsed");
    }
    return ok(this.matchBatchResults(parts, parsed));
  }

  /** Any number of lone operations, split into $batch requests of `batchSize`, with per-operation results. */
  async batchOperations(
    operations: readonly BatchOperation[],
    options: { continueOnError?: boolean; idempotent?: boolean; impersonate?: Impersonation } = {},
  ): Promise<Result<BatchOperationResult[]>> {
    const results: BatchOperationResult[] = [];
    for (let i = 0; i < operations.length; i += this.batchSize) {
      const chunk = operations.slice(i, i + this.batchSize);
      // A chunk refused as a whole is halved until the operation that causes it fails alone; a chunk that fails
      // for any other reason fails as a whole, and earlier chunks' results (they were applied) are kept.
      const idempotent = options.idempotent ?? chunk.every(isIdempotentOperation);
      results.push(
        ...(await sendIsolating(
          chunk,
          (part) =>
            this.batch(
              part.map((operation) => ({ operation })),
              { continueOnError: options.continueOnError ?? true, ...options },
            ),
          { idempotent, failed: (_, error) => ({ status: error.status, error }) },
        )),
      );
    }
    return ok(results);
  }

  /** CreateMultiple; falls back to $batch for tables without it. Outcomes per record, in input order. */
  createMultiple(entitySet: string, logicalName: string, rows: readonly Row[]): Promise<Result<BulkResult>> {
    return this.bulk(
      "CreateMultiple",
      entitySet,
      logicalName,
      rows.map((row) => ({ row })),
    );
  }

  /** UpdateMultiple: each row is updated by `key` (never created). */
  updateMultiple(
    entitySet: string,
    logicalName: string,
    items: ReadonlyArray<{ key: RecordKey; row: Row }>,
    options: { primaryKey?: string } = {},
  ): Promise<Result<BulkResult>> {
    return this.bulk("UpdateMultiple", entitySet, logicalName, items, options.primaryKey);
  }

  /** UpsertMultiple: each row is created or updated by `key` (id or alternate key). Idempotent. */
  upsertMultiple(
    entitySet: string,
    logicalName: string,
    items: ReadonlyArray<{ key: RecordKey; row: Row }>,
    options: { primaryKey?: string } = {},
  ): Promise<Result<BulkResult>> {
    return this.bulk("UpsertMultiple", entitySet, logicalName, items, options.primaryKey);
  }

  // ---------------------------------------------------------------------------------------------------------

  private async bulk(
    message: BulkMessage,
    entitySet: string,
    logicalName: string,
    items: ReadonlyArray<{ key?: RecordKey; row: Row }>,
    primaryKey = `${logicalName}id`,
  ): Promise<Result<BulkResult>> {
    const outcomes: RecordOutcome[] = [];
    let usedBatch = false;
    for (let i = 0; i < items.length; i += this.bulkSize) {
      const chunk = items.slice(i, i + this.bulkSize);
      const key = `${entitySet}:${message}`;
      // Creates that carry their primary key (the engine's write intents) are safe to repeat: a repeat of one
      // that did apply is refused as a duplicate of that key instead of creating a second record (issue 14.3).
      const idempotent = message !== "CreateMultiple" || chunk.every((item) => hasKey(item.row, primaryKey));
      if (!this.unsupportedBulk.has(key)) {
        const res = await this.bulkRequest(message, entitySet, logicalName, chunk, primaryKey, idempotent);
        if (res.kind === "done") {
          outcomes.push(...res.outcomes);
          continue;
        }
        if (res.kind === "failed" && !isSplittable(res.error, idempotent)) {
          outcomes.push(...chunk.map(() => ({ ok: false as const, error: res.error })));
          continue;
        }
        if (res.kind === "unsupported") this.unsupportedBulk.add(key);
        // "unsupported", "rejected" (a data error rolled the whole chunk back) or a failure one record may cause:
        // per-record requests isolate it.
      }
      usedBatch = true;
      const fallback = await this.batchOperations(
        chunk.map((item) => fallbackOperation(message, entitySet, item, primaryKey)),
        { continueOnError: true, idempotent },
      );
      if (!fallback.ok) {
        outcomes.push(...chunk.map(() => ({ ok: false as const, error: fallback.error })));
        continue;
      }
      outcomes.push(
        ...fallback.value.map((r): RecordOutcome => (r.error ? { ok: false, error: r.error } : { ok: true, id: r.id })),
      );
    }
    return ok({ outcomes, strategy: usedBatch ? "batch" : "bulk" });
  }

  private async bulkRequest(
    message: BulkMessage,
    entitySet: string,
    logicalName: string,
    chunk: ReadonlyArray<{ key?: RecordKey; row: Row }>,
    primaryKey: string,
    idempotent: boolean,
  ): Promise<
    | { kind: "done"; outcomes: RecordOutcome[] }
    | { kind: "unsupported" }
    | { kind: "rejected" }
    | { kind: "failed"; error: BcsyncError }
  > {
    const targets = chunk.map((item) => bulkTarget(logicalName, item, primaryKey));
    const path = `${entitySet}/Microsoft.Dynamics.CRM.${message}`;
    const res = await this.request("POST", path, {
      body: { Targets: targets },
      record: `${message} of ${chunk.length}`,
      idempotent,
      allowStatus: [400, 404, 405, 412, 501],
    });
    if (!res.ok) return { kind: "failed", error: res.error };
    const { status } = res.value;
    if (status >= 400) {
      const detail = readErrorBody(res.value.body.toString("utf8"));
      return isBulkUnsupported(status, detail.code, detail.message, message)
        ? { kind: "unsupported" }
        : { kind: "rejected" };
    }
    let ids: Array<string | undefined> | undefined;
    if (status === 200 && res.value.body.length > 0) {
      const body = this.json<{ Ids?: string[]; Results?: Array<{ Target?: Row }> }>(res.value, path);
      if (body.ok && Array.isArray(body.value.Ids)) ids = body.value.Ids;
      else if (body.ok && Array.isArray(body.value.Results)) {
        ids = body.value.Results.map((r) =>
          typeof r.Target?.[primaryKey] === "string" ? String(r.Target[primaryKey]) : undefined,
        );
      }
    }
    return {
      kind: "done",
      outcomes: chunk.map((item, i) => ({
        ok: true,
        id: ids?.[i] ?? (typeof item.key === "string" ? item.key : undefined),
      })),
    };
  }

  private matchBatchResults(parts: readonly BatchPart[], groups: BatchPartResponse[][]): BatchOperationResult[] {
    const results: BatchOperationResult[] = [];
    const notExecuted = (op: BatchOperation): BatchOperationResult => ({
      status: 424,
      contentId: op.contentId,
      error: mapServiceError(
        this.ctx(op.method, op.url, recordOf(op)),
        424,
        {},
        '{"error":{"code":"NotExecuted","message":"not executed: the batch stopped at an earlier failure"}}',
      ),
    });
    parts.forEach((part, index) => {
      const ops = "changeSet" in part ? part.changeSet : [part.operation];
      const group = groups[index];
      if (!group) {
        // Processing stopped at an earlier failure: these never ran.
        for (const op of ops) results.push(notExecuted(op));
        return;
      }
      // A failed change set answers with one error part for the whole set (rolled back).
      if (ops.length > 1 && group.length < ops.length && group.some((r) => r.status >= 400)) {
        const failed = group.find((r) => r.status >= 400)!;
        const culprit = ops.find((op) => op.contentId !== undefined && op.contentId === failed.contentId) ?? ops[0];
        const error = this.batchItemError(culprit, failed);
        for (const op of ops) results.push({ status: failed.status, contentId: op.contentId, error });
        return;
      }
      ops.forEach((op, i) => {
        const response = group.find((r) => op.contentId !== undefined && r.contentId === op.contentId) ?? group[i];
        results.push(response ? this.batchItem(op, response) : notExecuted(op));
      });
    });
    return results;
  }

  private batchItem(op: BatchOperation, response: BatchPartResponse): BatchOperationResult {
    const result: BatchOperationResult = { status: response.status, contentId: response.contentId ?? op.contentId };
    if (response.body) {
      try {
        result.body = JSON.parse(response.body);
      } catch {
        result.body = response.body;
      }
    }
    result.id = idFromEntityUrl(response.headers["odata-entityid"] ?? response.headers.location);
    if (response.status >= 400) {
      // A DELETE of a row already gone succeeded before (a repeated batch) or never mattered.
      if (!(op.method === "DELETE" && response.status === 404)) result.error = this.batchItemError(op, response);
    }
    return result;
  }

  private batchItemError(op: BatchOperation, response: BatchPartResponse): BcsyncError {
    return mapServiceError(
      { ...this.ctx(op.method, op.url, recordOf(op)), body: op.body },
      response.status,
      response.headers,
      response.body,
    );
  }

  private async request(
    method: string,
    url: string,
    options: {
      body?: unknown;
      headers?: Record<string, string>;
      record?: string;
      idempotent?: boolean;
      allow404?: boolean;
      allowStatus?: number[];
      principal?: number;
    } = {},
  ): Promise<Result<ServiceResponse>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
    const sent = await this.http.send({
      method,
      url,
      headers,
      body,
      idempotent: options.idempotent,
      record: options.record,
      ...(options.principal !== undefined ? { principal: options.principal } : {}),
    });
    if (!sent.ok) return sent;
    const res = sent.response;
    if (res.status < 400 || (options.allow404 && res.status === 404) || options.allowStatus?.includes(res.status)) {
      return ok(res);
    }
    return fail(
      mapServiceError(
        { ...this.ctx(method, url, options.record, res.attempts), body: options.body },
        res.status,
        res.headers,
        res.body.toString("utf8"),
      ),
    );
  }

  private writeResult(res: ServiceResponse, path: string): Result<WriteResult> {
    const result: WriteResult = {
      id: idFromEntityUrl(res.headers["odata-entityid"] ?? res.headers.location),
      etag: res.headers.etag,
    };
    if (res.body.length > 0) {
      const body = this.json<Row>(res, path);
      if (!body.ok) return body;
      result.row = body.value;
      if (typeof body.value["@odata.etag"] === "string") result.etag = body.value["@odata.etag"];
      result.created = res.status === 201;
    }
    return ok(result);
  }

  /**
   * GET of a JSON answer. A body that cannot be decoded (cut short, not UTF-8: a proxy or a dropped connection)
   * is asked for again, up to twice; a GET is safe to repeat. Then it is BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE.
   */
  private async readJson<T>(url: string, headers: Record<string, string>): Promise<Result<T>> {
    let last: Result<T> | undefined;
    for (let attempt = 0; attempt < UNREADABLE_ATTEMPTS; attempt++) {
      const res = await this.request("GET", url, { headers });
      if (!res.ok) return res;
      last = this.json<T>(res.value, url);
      if (last.ok) return last;
    }
    return last!;
  }

  /** The answer's body as JSON, decoded strictly (`decodeJson`). `url`: the request's (relative or absolute). */
  private json<T>(res: ServiceResponse, url: string, method = "GET", record?: string): Result<T> {
    return answerJson(res, { service: "Dataverse", path: this.pathOf(url), method, ...(record ? { record } : {}) });
  }

  private malformed<T>(url: string, reason: string): Result<T> {
    return malformedAnswer({ service: "Dataverse", path: this.pathOf(url) }, reason);
  }

  /** The path under the API root, for messages: no host, never a credential. */
  pathOf(url: string): string {
    return displayPath(new URL(url, this.apiRoot), this.apiRoot);
  }

  private ctx(method: string, url: string, record?: string, attempts?: number) {
    return {
      service: "Dataverse",
      method,
      path: displayPath(new URL(url, this.apiRoot), this.apiRoot),
      record,
      attempts,
    };
  }
}

/** Reads of a body that cannot be decoded, in all, before the read fails (a GET is safe to repeat). */
const UNREADABLE_ATTEMPTS = 3;

function hasKey(row: Row, primaryKey: string): boolean {
  return typeof row[primaryKey] === "string" && row[primaryKey] !== "";
}

/** api-limits.md error codes: 0x80072322 number of requests, 0x80072326 concurrent requests (0x80072321 time). */
function dataverseLimitOf429(_headers: Record<string, string>, body: Buffer): "requests" | "concurrency" | undefined {
  const { code } = readErrorBody(body.toString("utf8"));
  if (code === "0x80072322") return "requests";
  if (code === "0x80072326") return "concurrency";
  return undefined;
}
