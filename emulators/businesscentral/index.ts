// The Business Central API v2.0 emulator (with the bcsync companion API): Fastify on the shared runtime pipeline
// (faults → token → per-principal limits), one synchronous core per API and environment, JSON $batch,
// webhooks, persistence through the runtime storage and demo / scale seeds.
//
//   /v2.0/{tenant}/{environment}/api/v2.0/…                       standard API
//   /v2.0/{tenant}/{environment}/api/bcsync/integration/v1.0/…    companion API (docs/companion-api.md)

import { randomBytes, randomUUID } from "node:crypto";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { type ApiEmulatorOptions, newWorkTally, type RunningEmulator } from "../contracts.ts";
import { BUSINESS_CENTRAL_AUDIENCE, DEMO_TENANT_ID } from "../identity/demo-apps.ts";
import { createTokenCodec } from "../odata/index.ts";
import { BUSINESS_CENTRAL_COST, resolveCost } from "../runtime/cost.ts";
import { FaultInjector } from "../runtime/faults.ts";
import { acceptRawBodies, chargeWork, installPipeline, principalOf, type Rejection } from "../runtime/http.ts";
import { BUSINESS_CENTRAL_LIMITS, resolveLimits, ServiceProtection } from "../runtime/limits.ts";
import { openStore } from "../runtime/storage.ts";
import type { SALES_ORDER_STATUSES } from "./companion/entities.ts";
import { APIS, type ApiDef } from "./entities/registry.ts";
import { type BcError, bcErrors } from "./errors.ts";
import { runBatch, runMultipartBatch } from "./handlers/batch.ts";
import { ApiCore, errorResponse, type InnerResponse } from "./handlers/core.ts";
import { buildMetadata } from "./metadata.ts";
import { applyPayment } from "./rules/posting.ts";
import { today } from "./rules/types.ts";
import { seedDatabase } from "./seed/demo.ts";
import { BcDatabase, type CompanyStore } from "./store/database.ts";
import {
  DEFAULT_WEBHOOK_OPTIONS,
  serializeSubscription,
  type WebhookOptions,
  Webhooks,
  webhookSupportedResources,
} from "./webhooks.ts";

export { COMPANION_API, SALES_ORDER_STATUSES } from "./companion/entities.ts";

export type SalesOrderStatus = (typeof SALES_ORDER_STATUSES)[number];
export { BcError, bcErrors } from "./errors.ts";

export const MAX_PAGE_SIZE = 20_000;
/** operational-limits-online.md: "Max body size", 350 MB. */
export const BODY_LIMIT_MB = 350;

export interface BusinessCentralEmulatorOptions extends ApiEmulatorOptions {
  tenantId?: string;
  /** Webhook timing (debounce, retries, lifetime); tests shorten them. */
  webhooks?: Partial<WebhookOptions>;
  /**
   * Show a blank (local) currency code as blank, as this emulator did before; the service shows the company's
   * LCY code (`USD`) with an empty `currencyId`. Writing the LCY code always means blank.
   */
  localCurrencyAsBlank?: boolean;
  /** Request body limit in MB (BC online: 350; beyond, 413). Tests lower it. */
  maxBodyMegabytes?: number;
  /** Page size when the client sends no `Prefer: odata.maxpagesize` (BC online: 20,000). */
  defaultPageSize?: number;
}

export interface BusinessCentralEmulator extends RunningEmulator {
  tenantId: string;
  /** The fault injector, with the faults it injected so far by kind. */
  faults: FaultInjector;
  environments: { name: string; companies: { id: string; name: string }[] }[];
  /** `…/v2.0/{tenant}/{env}/api/v2.0` */
  apiUrl(environment?: string): string;
  /** `…/v2.0/{tenant}/{env}/api/bcsync/integration/v1.0` */
  companionUrl(environment?: string): string;
  /** Id of a company by name (default: the first company of the environment). */
  companyId(name?: string, environment?: string): string;
  /** Sends pending webhook notifications now and waits for the deliveries. */
  flushWebhooks(): Promise<void>;
  /** Posts a customer payment (applied to the oldest open invoices). */
  postPayment(companyId: string, customerNumber: string, amount: number, environment?: string): void;
  /**
   * Puts an order into a status the API cannot set by itself (approval workflows, prepayments):
   * `Pending Approval` or `Pending Prepayment` lock it like `Released`.
   */
  setOrderStatus(companyId: string, orderNumber: string, status: SalesOrderStatus, environment?: string): void;
  /** Direct access to a company's tables (for assertions on internal ledgers). */
  company(companyId: string, environment?: string): CompanyStore;
}

const JSON_TYPE =
  "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

/**
 * Every answer carries `ms-correlation-x` (the id BC support asks for; app-management-api.md reads it from
 * failed calls), the same id the error message ends with, and a `request-id`.
 */
function traceHeaders(correlationId: string): Record<string, string> {
  return { "ms-correlation-x": correlationId, "request-id": randomUUID() };
}

function formatRejection(rejection: Rejection): { status: number; headers?: Record<string, string>; body: unknown } {
  let error: BcError;
  if (rejection.kind === "auth") error = bcErrors.unauthorized(rejection.detail);
  // A request that waited out the concurrency queue (8 min online) gets 503, every other limit 429
  // (operational-limits-online.md, "OData request limits").
  else if (rejection.kind === "limit" && rejection.reason === "queue_timeout")
    error = bcErrors.serviceUnavailable(rejection.retryAfterSeconds);
  else if (rejection.kind === "limit") error = bcErrors.tooManyRequests(rejection.retryAfterSeconds);
  else if (rejection.status === 503) error = bcErrors.serviceUnavailable(rejection.retryAfterSeconds);
  else error = bcErrors.internal("An unexpected error occurred on the server.");
  const correlationId = randomUUID();
  const headers: Record<string, string> = {
    "content-type": JSON_TYPE,
    ...error.headers,
    ...traceHeaders(correlationId),
  };
  if (rejection.kind === "auth")
    headers["www-authenticate"] = `Bearer error="invalid_token", error_description="${rejection.reason}"`;
  return { status: error.status, headers, body: error.body(correlationId) };
}

export async function startBusinessCentralEmulator(
  options: BusinessCentralEmulatorOptions = {},
): Promise<BusinessCentralEmulator> {
  const tenantId = (options.tenantId ?? DEMO_TENANT_ID).toLowerCase();
  const store = openStore({ dataDir: options.dataDir, fileName: "businesscentral.sqlite" });
  const db = new BcDatabase(store);
  db.localCurrencyAsBlank = options.localCurrencyAsBlank === true;
  seedDatabase(db, options.seed ?? "demo", options.randomSeed ?? 1);
  const webhooks = new Webhooks(db, { ...DEFAULT_WEBHOOK_OPTIONS, ...options.webhooks });
  // The paging-token key lives with the data, so a nextLink handed out before a restart still works after it.
  const meta = store.table("bc:meta");
  if (!meta.has("pagingSecret"))
    store.transaction(() => meta.put("pagingSecret", { value: randomBytes(32).toString("hex") }));
  const tokens = createTokenCodec(String(meta.get("pagingSecret")?.value));
  const limits = new ServiceProtection(resolveLimits(options.limits, BUSINESS_CENTRAL_LIMITS));
  const cost = resolveCost(options.cost, BUSINESS_CENTRAL_COST);
  const faults = new FaultInjector(options.faults ?? {}, options.randomSeed ?? 1);

  const bodyLimitMb = options.maxBodyMegabytes ?? BODY_LIMIT_MB;
  const app = Fastify({ logger: false, bodyLimit: Math.round(bodyLimitMb * 1024 * 1024) });
  acceptRawBodies(app);
  let origin = "";
  const tally = newWorkTally();
  installPipeline(app, {
    tokens: options.tokens,
    audiences: () => [BUSINESS_CENTRAL_AUDIENCE, origin],
    limits,
    faults,
    cost,
    tally,
    formatRejection,
  });

  const cores = new Map<string, ApiCore>();
  const coreFor = (api: ApiDef, environment: string, tenantSegment: string): ApiCore => {
    const key = `${api.route}\u0000${environment}\u0000${tenantSegment}`;
    let core = cores.get(key);
    if (!core) {
      core = new ApiCore({
        db,
        api,
        environment,
        apiRoot: `${origin}/v2.0/${tenantSegment ? `${tenantSegment}/` : ""}${environment}/api/${api.route}`,
        tokens,
        defaultPageSize: Math.min(options.defaultPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        maxPageSize: MAX_PAGE_SIZE,
      });
      cores.set(key, core);
    }
    return core;
  };

  const send = (reply: FastifyReply, response: InnerResponse, correlationId: string = randomUUID()) => {
    reply.code(response.status);
    reply.header("odata-version", "4.0");
    for (const [k, v] of Object.entries(traceHeaders(correlationId))) reply.header(k, v);
    for (const [k, v] of Object.entries(response.headers)) reply.header(k, v);
    if (response.text !== undefined) return reply.send(response.text);
    if (response.body === undefined) return reply.send();
    reply.header("content-type", JSON_TYPE);
    return reply.send(JSON.stringify(response.body));
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, "http://x");
    const parts = url.pathname.split("/").filter(Boolean); // v2.0, tenant, env, api, …
    let tenantSegment = parts[1] ?? "";
    let environment = parts[2] ?? "";
    let apiAt = 3;
    if (parts[2] === "api") {
      // No tenant segment: the environment comes right after the endpoint version (user tokens).
      tenantSegment = "";
      environment = parts[1] ?? "";
      apiAt = 2;
    }
    try {
      if (parts[0] !== "v2.0" || parts[apiAt] !== "api") throw bcErrors.notFound(url.pathname);
      const claims = principalOf(request);
      if (tenantSegment && tenantSegment.toLowerCase() !== tenantId)
        throw bcErrors.environmentNotFound(tenantSegment, environment);
      if (options.tokens && claims.tenantId.toLowerCase() !== tenantId)
        throw bcErrors.unauthorized("The token was issued for another tenant.");
      if (!db.hasEnvironment(environment)) throw bcErrors.environmentNotFound(tenantSegment || tenantId, environment);
      const afterApi = parts.slice(apiAt + 1).join("/");
      const supported = /^microsoft\/runtime\/beta\/companies\(([^)]+)\)\/webhookSupportedResources$/.exec(
        decodeURIComponent(afterApi),
      );
      if (supported) {
        if (request.method !== "GET") throw bcErrors.methodNotAllowed(request.method, "webhookSupportedResources");
        const companyId = supported[1].replace(/^'(.*)'$/, "$1");
        if (!db.company(environment.toLowerCase(), companyId)) throw bcErrors.companyNotFound(companyId);
        const root = `${origin}/v2.0/${tenantSegment ? `${tenantSegment}/` : ""}${environment.toLowerCase()}/api/microsoft/runtime/beta`;
        return send(reply, {
          status: 200,
          headers: {},
          body: {
            "@odata.context": `${root}/$metadata#companies(${companyId})/webhookSupportedResources`,
            value: webhookSupportedResources(url.searchParams.get("$filter") ?? undefined),
          },
          work: { read: 0, written: 0 },
        });
      }
      const api = APIS.find((a) => afterApi === a.route || afterApi.startsWith(`${a.route}/`));
      if (!api) throw bcErrors.notFound(url.pathname);
      const path = afterApi.slice(api.route.length + 1);
      const query = url.search.slice(1);
      const headers = request.headers as Record<string, string | undefined>;
      const raw = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : "";
      let body: unknown;
      const multipart = /^multipart\/mixed/i.test(String(headers["content-type"] ?? ""));
      if (raw.trim() && !multipart) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw bcErrors.badRequest("Invalid Request Body");
        }
      }
      const env = environment.toLowerCase();
      const core = coreFor(api, env, tenantSegment);

      if (path === "$metadata") {
        // An OData v4 service answers every request, the metadata document too, with OData-Version: 4.0.
        return send(reply, {
          status: 200,
          headers: { "content-type": "application/xml; charset=utf-8" },
          text: buildMetadata(api),
          work: { read: 0, written: 0 },
        });
      }
      if (path === "$batch") {
        if (request.method !== "POST") throw bcErrors.methodNotAllowed(request.method, "$batch");
        if (multipart) {
          const result = runMultipartBatch(core, db, api.route, raw, headers["content-type"], headers);
          await chargeWork(request, result.work);
          reply.code(200).header("odata-version", "4.0").header("content-type", result.contentType);
          return reply.send(result.body);
        }
        const outcome = runBatch(core, db, api.route, body, headers);
        await chargeWork(request, outcome.work);
        return send(reply, { status: 200, headers: {}, body: outcome.body, work: outcome.work });
      }
      if (/^subscriptions(\(|$|\/)/.test(path)) {
        return send(reply, await subscriptionsRoute(request, api, path, env, body));
      }
      const response = core.handle({ method: request.method, path, query, headers, body });
      await chargeWork(request, response.work);
      return send(reply, response);
    } catch (error) {
      const correlationId = randomUUID();
      return send(reply, errorResponse(error, correlationId), correlationId);
    }
  };

  const subscriptionsRoute = async (
    request: FastifyRequest,
    api: ApiDef,
    path: string,
    environment: string,
    body: unknown,
  ): Promise<InnerResponse> => {
    const work = { read: 0, written: 0 };
    const m = /^subscriptions(?:\('?([^')]+)'?\))?$/.exec(decodeURIComponent(path));
    if (!m) throw bcErrors.notFound(path);
    const id = m[1];
    const claims = principalOf(request);
    const context = `${origin}/v2.0/${tenantId}/${environment}/api/${api.route}/$metadata#subscriptions`;
    const json = (status: number, row: Record<string, unknown>): InnerResponse => {
      const shaped = serializeSubscription(row);
      return {
        status,
        headers: { etag: String(shaped["@odata.etag"]) },
        body: { "@odata.context": `${context}/$entity`, ...shaped },
        work,
      };
    };
    const objectBody = (): Record<string, unknown> => {
      if (!body || typeof body !== "object" || Array.isArray(body)) throw bcErrors.badRequest("Invalid Request Body");
      return body as Record<string, unknown>;
    };
    const ifMatch = request.headers["if-match"] as string | undefined;
    if (!id) {
      if (request.method === "GET")
        return {
          status: 200,
          headers: {},
          body: { "@odata.context": context, value: webhooks.list(environment, api.route).map(serializeSubscription) },
          work,
        };
      if (request.method === "POST") {
        const created = json(201, await webhooks.create(environment, api.route, objectBody(), claims.objectId));
        // A 201 names the new record in Location; the key is a string (dynamics_subscriptions_delete.md: quoted).
        created.headers.location = `${context.replace("/$metadata#", "/")}('${String((created.body as Record<string, unknown>).subscriptionId)}')`;
        return created;
      }
      throw bcErrors.methodNotAllowed(request.method, "subscriptions");
    }
    if (request.method === "GET") return json(200, webhooks.get(environment, id));
    if (request.method === "PATCH")
      return json(200, await webhooks.renew(environment, id, objectBody(), ifMatch, claims.objectId));
    if (request.method === "DELETE") {
      webhooks.remove(environment, id, ifMatch);
      return { status: 204, headers: {}, work };
    }
    throw bcErrors.methodNotAllowed(request.method, "subscriptions");
  };

  // Errors Fastify raises before the handler runs (a body over the 350 MB limit, a malformed URL) get BC's shape.
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    const bcError =
      status === 413
        ? bcErrors.bodyTooLarge(bodyLimitMb)
        : status < 500
          ? bcErrors.badRequest(error.message ?? "Bad Request")
          : bcErrors.internal("An unexpected error occurred on the server.");
    const correlationId = randomUUID();
    return send(reply, errorResponse(bcError, correlationId), correlationId);
  });
  app.all("/*", handle);
  app.all("/", handle);

  await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("Business Central emulator: no TCP address");
  const host = options.host && options.host !== "0.0.0.0" ? options.host : "127.0.0.1";
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;

  const environments = () =>
    db.environmentNames().map((name) => ({
      name,
      companies: db.companies(name).map((c) => ({ id: c.id, name: c.name })),
    }));

  const companyStore = (companyId: string, environment = "production"): CompanyStore => {
    const s = db.company(environment, companyId);
    if (!s) throw new Error(`no company ${companyId} in ${environment}`);
    return s;
  };

  return {
    url: origin,
    tally,
    tenantId,
    faults,
    environments: environments(),
    apiUrl: (environment = "production") => `${origin}/v2.0/${tenantId}/${environment}/api/v2.0`,
    companionUrl: (environment = "production") =>
      `${origin}/v2.0/${tenantId}/${environment}/api/bcsync/integration/v1.0`,
    companyId(name?: string, environment = "production") {
      const companies = db.companies(environment);
      const found = name
        ? companies.find((c) => c.name === name)
        : (companies.find((c) => c.name.startsWith("CRONUS USA")) ?? companies[0]);
      if (!found) throw new Error(`no company ${name ?? ""} in ${environment}`);
      return found.id;
    },
    async flushWebhooks() {
      await webhooks.flush();
      await webhooks.idle();
    },
    postPayment(companyId, customerNumber, amount, environment = "production") {
      const s = companyStore(companyId, environment);
      const customer = s.find("customer", (c) => c.number === customerNumber);
      if (!customer) throw new Error(`no customer ${customerNumber}`);
      db.transaction(() => applyPayment(s, customer.id as string, amount, today()));
    },
    setOrderStatus(companyId, orderNumber, status, environment = "production") {
      const s = companyStore(companyId, environment);
      const order = s.find("salesOrder", (o) => o.number === orderNumber);
      if (!order) throw new Error(`no sales order ${orderNumber}`);
      db.transaction(() => s.update("salesOrder", order.id as string, { orderStatus: status }));
    },
    company: companyStore,
    async close() {
      webhooks.close();
      await app.close();
      store.close();
    },
  };
}
