// The Business Central API client: companies, standard v2.0 entities and other API routes (the bcsync companion
// API), paged reads with `lastModifiedDateTime gt` watermarks, writes that always carry If-Match, JSON $batch split
// into requests of at most 100, bound actions and webhook subscriptions.

import { CONNECTOR_OUTCOME_UNKNOWN } from "../../errors/codes/connectors.ts";
import { type BcsyncError, bcsyncError } from "../../errors/define.ts";
import { createServiceClient } from "../http/create-service-client.ts";
import { answerJson, malformedAnswer } from "../http/decode.ts";
import type { ConnectorMetrics } from "../http/metrics.ts";
import { checkPage, PagingGuard } from "../http/paging-guard.ts";
import { isIdempotentRequest } from "../http/retry.ts";
import { displayPath, type ServiceClient, type ServiceResponse } from "../http/service-client.ts";
import { mapServiceError } from "../http/service-error.ts";
import { sendIsolating } from "../http/split.ts";
import type { ThrottleLimits } from "../http/throttle.ts";
import { fail, ok, type Result } from "../result.ts";
import type { ConnectorSettings } from "../settings.ts";

export type Row = Record<string, unknown>;

/** operational-limits-online.md: per user, 6000 per 5-minute sliding window, 5 processed at once. */
export const BUSINESS_CENTRAL_DEFAULT_LIMITS: ThrottleLimits = {
  maxConcurrent: 5,
  maxRequestsPerWindow: 6000,
  windowMs: 300_000,
};
export const BUSINESS_CENTRAL_SCOPE = "https://api.businesscentral.dynamics.com/.default";
export const BC_MAX_BATCH = 100;

export interface BusinessCentralSettings extends ConnectorSettings {
  /**
   * `https://api.businesscentral.dynamics.com` (the environment path `/v2.0/<tenant>/<environment>` is appended),
   * or a URL that already names the environment root (its path is kept).
   */
  url: string;
  /** Environment name, default "production". */
  environment?: string;
  /** Operations per $batch request, at most 100. */
  batchSize?: number;
}

/** An API route under `/api/`: "v2.0" for the standard API, or publisher/group/version for custom APIs. */
export type ApiRoute = "v2.0" | { publisher: string; group: string; version: string };

/** The bcsync companion extension's API (docs/companion-api.md). */
export const COMPANION_API: ApiRoute = { publisher: "bcsync", group: "integration", version: "v1.0" };

export interface ListOptions {
  filter?: string;
  /** Only rows changed after this instant: `lastModifiedDateTime gt <iso>` (and-ed with `filter`). */
  modifiedSince?: string | Date;
  select?: readonly string[];
  expand?: string;
  orderby?: string;
  top?: number;
  /** Prefer: odata.maxpagesize (≤ 20000). */
  pageSize?: number;
  /**
   * The first page's size, when smaller than `pageSize`: its rows arrive (and their writes start) sooner; the
   * later requests ask for `pageSize` (the preference is per request, the nextLink only says where to go on).
   */
  firstPageSize?: number;
  /** Resume a read from a persisted nextLink. */
  nextLink?: string;
  /**
   * `Data-Access-Intent: ReadOnly`: read from a read-only replica (lighter on the database; may lag writes by a
   * moment, so not for reading back what was just written).
   */
  replica?: boolean;
}

export interface Page {
  rows: Row[];
  nextLink?: string;
}

/** A failed write may carry the record as it is now (re-read after a 409 conflict). */
export type WriteOutcome = { ok: true; value: Row } | { ok: false; error: BcsyncError; current?: Row };

export interface BcBatchRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT";
  /** Relative to the API route root, e.g. `companies(<id>)/customers(<id>)`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Defaults to the position. */
  id?: string;
  /** The record, for errors, when the URL does not name it (a create); never sent. */
  record?: string;
}

export interface BcBatchResult {
  id: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  error?: BcsyncError;
}

export interface Subscription {
  subscriptionId: string;
  notificationUrl: string;
  resource: string;
  clientState?: string;
  expirationDateTime?: string;
  "@odata.etag"?: string;
  [key: string]: unknown;
}

export function createBusinessCentralClient(settings: BusinessCentralSettings): BusinessCentralClient {
  return new BusinessCentralClient(settings);
}

export class BusinessCentralClient {
  /** The environment root, ending in `/`: `…/v2.0/<tenant>/<environment>/`. */
  readonly environmentRoot: URL;
  readonly http: ServiceClient;
  private readonly batchSize: number;

  constructor(settings: BusinessCentralSettings) {
    const url = new URL(settings.url);
    const path = url.pathname.replace(/\/+$/, "");
    this.environmentRoot =
      path === ""
        ? new URL(`/v2.0/${settings.tenantId}/${settings.environment ?? "production"}/`, url.origin)
        : new URL(`${path}/`, url.origin);
    this.batchSize = Math.min(settings.batchSize ?? BC_MAX_BATCH, BC_MAX_BATCH);
    this.http = createServiceClient(
      "Business Central",
      this.environmentRoot.href,
      settings.scope ?? BUSINESS_CENTRAL_SCOPE,
      settings,
      BUSINESS_CENTRAL_DEFAULT_LIMITS,
      { accept: "application/json" },
    );
  }

  metrics(): ConnectorMetrics {
    return this.http.metricsSnapshot();
  }

  throttleStates() {
    return this.http.throttleStates();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The root of an API route, ending in `/`: `…/api/v2.0/` or `…/api/<publisher>/<group>/<version>/`. */
  apiRoot(route: ApiRoute = "v2.0"): URL {
    const path = route === "v2.0" ? "api/v2.0/" : `api/${route.publisher}/${route.group}/${route.version}/`;
    return new URL(path, this.environmentRoot);
  }

  async companies(route: ApiRoute = "v2.0"): Promise<Result<Row[]>> {
    const rows: Row[] = [];
    for await (const page of this.pagesAt(new URL("companies", this.apiRoot(route)), {})) {
      if (!page.ok) return page;
      rows.push(...page.value.rows);
    }
    return ok(rows);
  }

  /**
   * The most characters each text property of an entity set takes (the `MaxLength` facets of the API's $metadata),
   * read once per API route and process: what the engine checks before writing (issue 14.6), so a value Business
   * Central would refuse is reported with its record and field. A $metadata that cannot be read gives no limits.
   */
  async textColumnLimits(entitySet: string, route: ApiRoute = "v2.0"): Promise<Map<string, number>> {
    const root = this.apiRoot(route).href;
    let metadata = this.metadataCache.get(root);
    if (!metadata) {
      metadata = this.request("GET", new URL("$metadata", root).href, { headers: { accept: "application/xml" } }).then(
        (r) => (r.ok ? r.value.body.toString("utf8") : ""),
      );
      this.metadataCache.set(root, metadata);
    }
    return maxLengthsOf(await metadata, entitySet);
  }

  private readonly metadataCache = new Map<string, Promise<string>>();

  /** Company-scoped access to one API route (standard v2.0 by default, `COMPANION_API` for the companion). */
  company(companyId: string, route: ApiRoute = "v2.0"): CompanyScope {
    return new CompanyScope(this, companyId, route);
  }

  /** Pages of any collection URL under an API route; stops after the first error. */
  async *pagesAt(url: URL, options: ListOptions): AsyncGenerator<Result<Page>> {
    let next: string | undefined = options.nextLink ?? `${url.href}${queryString(options)}`;
    const headers: Record<string, string> = {};
    if (options.pageSize) headers.prefer = `odata.maxpagesize=${Math.min(options.pageSize, 20_000)}`;
    if (options.replica) headers["data-access-intent"] = "ReadOnly";
    const first =
      options.firstPageSize && options.firstPageSize < (options.pageSize ?? 20_000)
        ? { ...headers, prefer: `odata.maxpagesize=${Math.max(1, options.firstPageSize)}` }
        : headers;
    // A link back to a page already read, or to another host, ends the read with a catalogued error (issue 14).
    const guard = new PagingGuard(this.environmentRoot);
    while (next) {
      guard.follow(next);
      const res: Result<{ value?: unknown; "@odata.nextLink"?: unknown }> = await this.readJson(
        next,
        guard.pages === 1 ? first : headers,
      );
      if (!res.ok) {
        yield res;
        return;
      }
      const shape = checkPage(res.value, guard);
      if (!shape.ok) {
        yield this.malformed(next, shape.reason);
        return;
      }
      yield ok({ rows: shape.rows, nextLink: shape.next });
      next = shape.next;
    }
  }

  /**
   * GET of a JSON answer. A body that cannot be decoded (cut short, not UTF-8: a proxy or a dropped connection)
   * is asked for again, up to twice; a GET is safe to repeat. Then it is BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE.
   * @internal
   */
  async readJson<T>(url: string, headers: Record<string, string> = {}, record?: string): Promise<Result<T>> {
    let last: Result<T> | undefined;
    for (let attempt = 0; attempt < UNREADABLE_ATTEMPTS; attempt++) {
      const res = await this.request("GET", url, { headers, record });
      if (!res.ok) return res;
      last = this.json<T>(res.value, url, "GET", record);
      if (last.ok) return last;
    }
    return last!;
  }

  /**
   * JSON $batch under an API route, split into requests of at most 100 operations. Results per operation, in
   * order. `idempotent`: the caller vouches every operation may be repeated.
   */
  async batch(
    requests: readonly BcBatchRequest[],
    options: { route?: ApiRoute; continueOnError?: boolean; isolation?: boolean; idempotent?: boolean } = {},
  ): Promise<Result<BcBatchResult[]>> {
    const results: BcBatchResult[] = [];
    const root = this.apiRoot(options.route);
    for (let i = 0; i < requests.length; i += this.batchSize) {
      const chunk = requests.slice(i, i + this.batchSize).map((r, j) => ({ ...r, id: r.id ?? String(i + j + 1) }));
      const idempotent = options.idempotent ?? chunk.every((r) => isIdempotentRequest(r.method, r.headers ?? {}));
      // A chunk refused as a whole is halved until the request that causes it fails alone (issue 14.3); a chunk
      // that fails for any other reason fails as a whole, and earlier chunks' results (they were applied) are kept.
      results.push(
        ...(await sendIsolating(chunk, (part) => this.batchRequest(root, part, options, idempotent), {
          idempotent,
          failed: (request, error) => ({ id: request.id, status: error.status, error }),
        })),
      );
    }
    return ok(results);
  }

  /** One JSON $batch request; fails as a whole only when the request as a whole was not answered per operation. */
  private async batchRequest(
    root: URL,
    chunk: readonly (BcBatchRequest & { id: string })[],
    options: { continueOnError?: boolean; isolation?: boolean },
    idempotent: boolean,
  ): Promise<Result<BcBatchResult[]>> {
    const headers: Record<string, string> = {};
    if (options.continueOnError ?? true) headers.prefer = "odata.continue-on-error";
    if (options.isolation) headers.isolation = "snapshot";
    const res = await this.request("POST", new URL("$batch", root).href, {
      body: {
        requests: chunk.map((r) => ({
          id: r.id,
          method: r.method,
          url: r.url,
          headers: { ...(r.body !== undefined ? { "Content-Type": "application/json" } : {}), ...r.headers },
          body: r.body,
        })),
      },
      headers,
      idempotent,
      // A batch of one (what isolating a refused batch comes down to) names its record in errors.
      record: chunk.length === 1 ? (chunk[0].record ?? chunk[0].url) : `$batch of ${chunk.length}`,
    });
    if (!res.ok) return res;
    const body = this.json<{
      responses?: Array<{ id?: string | null; status: number; headers?: Record<string, string>; body?: unknown }>;
    }>(res.value, new URL("$batch", root).href, "POST");
    const unread = !body.ok
      ? body
      : body.value === null || typeof body.value !== "object" || !Array.isArray(body.value.responses)
        ? this.malformed<never>(new URL("$batch", root).href, "the $batch answer has no responses array")
        : undefined;
    if (unread) {
      // The operations ran, or some did: an answer that cannot be read says nothing of which. Repeatable ones may
      // be sent again; the others' outcome is unknown, so the engine looks their records up before writing again.
      if (idempotent || unread.ok) return unread;
      return fail(
        bcsyncError(CONNECTOR_OUTCOME_UNKNOWN, {
          service: "Business Central",
          method: "POST",
          path: this.pathOf(new URL("$batch", root).href),
          reason: unread.error.message,
          record: chunk.length === 1 ? (chunk[0].record ?? chunk[0].url) : `$batch of ${chunk.length}`,
        }),
      );
    }
    if (!body.ok) return body;
    const results: BcBatchResult[] = [];
    const byId = new Map((body.value.responses ?? []).map((r, index) => [r.id ?? chunk[index]?.id, r]));
    for (const request of chunk) {
      const response = byId.get(request.id);
      if (!response) {
        results.push({
          id: request.id,
          status: 424,
          error: mapServiceError(
            this.ctx(request.method, new URL(request.url, root).href, request.record ?? request.url),
            424,
            {},
            '{"error":{"code":"NotExecuted","message":"not executed: the batch stopped at an earlier failure"}}',
          ),
        });
        continue;
      }
      const headersLower = Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      const result: BcBatchResult = {
        id: request.id,
        status: response.status,
        body: response.body,
        headers: headersLower,
      };
      if (response.status >= 400 && !(request.method === "DELETE" && response.status === 404)) {
        result.error = mapServiceError(
          this.ctx(request.method, new URL(request.url, root).href, request.record ?? request.url),
          response.status,
          headersLower,
          JSON.stringify(response.body ?? {}),
        );
      }
      results.push(result);
    }
    return ok(results);
  }

  // Webhook subscriptions (not company-scoped; key is a string).

  async createSubscription(input: {
    notificationUrl: string;
    resource: string;
    clientState?: string;
  }): Promise<Result<Subscription>> {
    const res = await this.request("POST", this.subscriptionsUrl(), {
      body: input,
      record: input.resource,
      idempotent: false,
    });
    if (!res.ok) return res;
    return this.json<Subscription>(res.value, this.subscriptionsUrl(), "POST", input.resource);
  }

  /**
   * Renews before the 3-day expiry: PATCH with If-Match (the subscription's ETag, or `*`); `changes` may give a new
   * notificationUrl or clientState (Business Central repeats the validationToken handshake either way).
   */
  async renewSubscription(
    subscriptionId: string,
    etag = "*",
    changes: { notificationUrl?: string; clientState?: string } = {},
  ): Promise<Result<Subscription>> {
    const url = this.subscriptionsUrl(subscriptionId);
    const res = await this.request("PATCH", url, {
      body: changes,
      headers: { "if-match": etag },
      record: subscriptionId,
    });
    if (!res.ok) return res;
    if (res.value.body.length === 0) return this.getSubscription(subscriptionId) as Promise<Result<Subscription>>;
    return this.json<Subscription>(res.value, url, "PATCH", subscriptionId);
  }

  async deleteSubscription(subscriptionId: string, etag = "*"): Promise<Result<{ existed: boolean }>> {
    const res = await this.request("DELETE", this.subscriptionsUrl(subscriptionId), {
      headers: { "if-match": etag },
      record: subscriptionId,
      allowStatus: [404],
    });
    if (!res.ok) return res;
    return ok({ existed: res.value.status !== 404 });
  }

  async getSubscription(subscriptionId: string): Promise<Result<Subscription | undefined>> {
    const res = await this.request("GET", this.subscriptionsUrl(subscriptionId), {
      record: subscriptionId,
      allowStatus: [404],
    });
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(undefined);
    return this.json<Subscription>(res.value, this.subscriptionsUrl(subscriptionId), "GET", subscriptionId);
  }

  async listSubscriptions(): Promise<Result<Subscription[]>> {
    const rows: Subscription[] = [];
    for await (const page of this.pagesAt(new URL(this.subscriptionsUrl()), {})) {
      if (!page.ok) return page;
      rows.push(...(page.value.rows as Subscription[]));
    }
    return ok(rows);
  }

  /** @internal shared by CompanyScope */
  async request(
    method: string,
    url: string,
    options: {
      body?: unknown;
      headers?: Record<string, string>;
      record?: string;
      idempotent?: boolean;
      allowStatus?: number[];
    } = {},
  ): Promise<Result<ServiceResponse>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const sent = await this.http.send({
      method,
      url,
      headers,
      body,
      idempotent: options.idempotent,
      record: options.record,
    });
    if (!sent.ok) return sent;
    const res = sent.response;
    if (res.status < 400 || options.allowStatus?.includes(res.status)) return ok(res);
    return fail(
      mapServiceError(
        this.ctx(method, url, options.record, res.attempts),
        res.status,
        res.headers,
        res.body.toString("utf8"),
      ),
    );
  }

  /** The answer's body as JSON, decoded strictly (`decodeJson`). `url`: the request's, for the error. @internal */
  json<T>(res: ServiceResponse, url: string, method = "GET", record?: string): Result<T> {
    return answerJson(res, {
      service: "Business Central",
      path: this.pathOf(url),
      method,
      ...(record ? { record } : {}),
    });
  }

  /** An answer that is not what the API promises: BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED. @internal */
  malformed<T>(url: string, reason: string): Result<T> {
    return malformedAnswer({ service: "Business Central", path: this.pathOf(url) }, reason);
  }

  /** The path under the environment root, for messages: no host, never a credential. @internal */
  pathOf(url: string): string {
    return displayPath(new URL(url, this.environmentRoot), this.environmentRoot);
  }

  private subscriptionsUrl(id?: string): string {
    const base = new URL("subscriptions", this.apiRoot("v2.0")).href;
    return id === undefined ? base : `${base}('${encodeURIComponent(id.replace(/'/g, "''"))}')`;
  }

  /** @internal */
  ctx(method: string, url: string, record?: string, attempts?: number) {
    return {
      service: "Business Central",
      method,
      path: displayPath(new URL(url, this.environmentRoot), this.environmentRoot),
      record,
      attempts,
    };
  }
}

/** Entities of one company under one API route. `entitySet` may be a path (`salesOrders(<id>)/salesOrderLines`). */
export class CompanyScope {
  readonly root: URL;

  constructor(
    private readonly client: BusinessCentralClient,
    readonly companyId: string,
    readonly route: ApiRoute,
  ) {
    this.root = new URL(`companies(${companyId})/`, client.apiRoot(route));
  }

  pages(entitySet: string, options: ListOptions = {}): AsyncGenerator<Result<Page>> {
    return this.client.pagesAt(new URL(entitySet, this.root), options);
  }

  /**
   * How many records of the entity set match `filter` (`GET …/customers/$count`, answered as plain text): what a
   * full read will hand over, asked beside its first page so the writes can size their last requests.
   */
  async count(entitySet: string, filter?: string): Promise<Result<number>> {
    const url = `${new URL(`${entitySet}/$count`, this.root).href}${queryString(filter ? { filter } : {})}`;
    const res = await this.client.request("GET", url, { headers: { accept: "text/plain" } });
    if (!res.ok) return res;
    const text = res.value.body.toString("utf8").trim();
    return /^\d+$/.test(text) ? ok(Number(text)) : this.client.malformed(url, "a $count answer that is not a number");
  }

  async get(
    entitySet: string,
    id: string,
    options: { select?: readonly string[]; expand?: string } = {},
  ): Promise<Result<Row | undefined>> {
    const url = `${this.entityUrl(entitySet, id)}${queryString(options)}`;
    const res = await this.client.request("GET", url, { record: id, allowStatus: [404] });
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(undefined);
    return this.client.json<Row>(res.value, url, "GET", id);
  }

  /** POST: not idempotent; a lost answer is reported as outcome unknown. Returns the created entity. */
  async create(entitySet: string, row: Row, options: { record?: string } = {}): Promise<Result<Row>> {
    const url = new URL(entitySet, this.root).href;
    const res = await this.client.request("POST", url, {
      body: row,
      record: options.record ?? entitySet,
      idempotent: false,
    });
    if (!res.ok) return res;
    return this.client.json<Row>(res.value, url, "POST", options.record ?? entitySet);
  }

  /**
   * PATCH with If-Match (BC requires it: the ETag read, or `*` to overwrite). On 409 the record is read again and
   * returned as `current` with the conflict error.
   */
  async update(entitySet: string, id: string, changes: Row, etag: string): Promise<WriteOutcome> {
    const url = this.entityUrl(entitySet, id);
    const res = await this.client.request("PATCH", url, { body: changes, headers: { "if-match": etag }, record: id });
    if (res.ok) return this.client.json<Row>(res.value, url, "PATCH", id);
    if (res.error.code === "BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT") {
      const current = await this.get(entitySet, id);
      return { ok: false, error: res.error, current: current.ok ? current.value : undefined };
    }
    return res;
  }

  /** DELETE with If-Match. A record already gone is `{ existed: false }`. */
  async delete(entitySet: string, id: string, etag: string): Promise<Result<{ existed: boolean }>> {
    const res = await this.client.request("DELETE", this.entityUrl(entitySet, id), {
      headers: { "if-match": etag },
      record: id,
      allowStatus: [404],
    });
    if (!res.ok) return res;
    return ok({ existed: res.value.status !== 404 });
  }

  /** A bound action such as `Microsoft.NAV.post` or `Microsoft.NAV.shipAndInvoice`. Not idempotent. */
  async action(entitySet: string, id: string, action: string, body?: Row): Promise<Result<Row | undefined>> {
    const name = action.startsWith("Microsoft.NAV.") ? action : `Microsoft.NAV.${action}`;
    const url = `${this.entityUrl(entitySet, id)}/${name}`;
    const res = await this.client.request("POST", url, { body: body ?? {}, record: id, idempotent: false });
    if (!res.ok) return res;
    if (res.value.body.length === 0) return ok(undefined);
    return this.client.json<Row>(res.value, url, "POST", id);
  }

  /** JSON $batch of requests relative to this company (`customers(<id>)`), split into 100s. */
  batch(
    requests: readonly BcBatchRequest[],
    options: { continueOnError?: boolean; isolation?: boolean; idempotent?: boolean } = {},
  ): Promise<Result<BcBatchResult[]>> {
    return this.client.batch(
      requests.map((r) => ({ ...r, url: `companies(${this.companyId})/${r.url}` })),
      { ...options, route: this.route },
    );
  }

  private entityUrl(entitySet: string, id: string): string {
    return new URL(`${entitySet}(${id})`, this.root).href;
  }
}

function queryString(options: ListOptions): string {
  const params: string[] = [];
  const filters: string[] = [];
  if (options.modifiedSince !== undefined) {
    const since = options.modifiedSince instanceof Date ? options.modifiedSince.toISOString() : options.modifiedSince;
    filters.push(`lastModifiedDateTime gt ${since}`);
  }
  if (options.filter) filters.push(filters.length ? `(${options.filter})` : options.filter);
  if (filters.length) params.push(`$filter=${encodeURIComponent(filters.join(" and "))}`);
  if (options.select?.length) params.push(`$select=${options.select.join(",")}`);
  if (options.expand) params.push(`$expand=${encodeURIComponent(options.expand)}`);
  if (options.orderby) params.push(`$orderby=${encodeURIComponent(options.orderby)}`);
  if (options.top !== undefined) params.push(`$top=${options.top}`);
  return params.length ? `?${params.join("&")}` : "";
}

/** Reads of a body that cannot be decoded, in all, before the read fails (a GET is safe to repeat). */
const UNREADABLE_ATTEMPTS = 3;

/** `MaxLength` of each string property of the entity type behind `entitySet`, from CSDL XML. */
export function maxLengthsOf(csdl: string, entitySet: string): Map<string, number> {
  const limits = new Map<string, number>();
  const set = new RegExp(`<EntitySet\\s+Name="${entitySet}"\\s+EntityType="[^"]*\\.([^".]+)"`).exec(csdl);
  if (!set) return limits;
  const type = new RegExp(`<EntityType\\s+Name="${set[1]}"[^>]*>([\\s\\S]*?)</EntityType>`).exec(csdl);
  if (!type) return limits;
  for (const p of type[1].matchAll(/<Property\s+([^>]*?)\/?>/g)) {
    const name = /Name="([^"]+)"/.exec(p[1])?.[1];
    const max = /MaxLength="(\d+)"/.exec(p[1])?.[1];
    if (name && max && /Type="Edm\.String"/.test(p[1])) limits.set(name, Number(max));
  }
  return limits;
}
