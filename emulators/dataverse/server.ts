// The Dataverse emulator's HTTP side: routing to /api/data/v9.2/, bearer-token checks, application users,
// impersonation, service protection limits, the cost model, fault injection, then the synchronous service.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { type ApiEmulatorOptions, newWorkTally, type RunningEmulator, tallyRequest, tallyWork } from "../contracts.ts";
import { DEMO_INTEGRATION_APP, DEMO_TENANT_ID } from "../identity/demo-apps.ts";
import { errorBody } from "../odata/errors.ts";
import { createTokenCodec } from "../odata/paging.ts";
import { DATAVERSE_COST, resolveCost, spendServerTime } from "../runtime/cost.ts";
import { FaultInjector } from "../runtime/faults.ts";
import { type Clock, DATAVERSE_LIMITS, resolveLimits, ServiceProtection, systemClock } from "../runtime/limits.ts";
import { openStore, type Store } from "../runtime/storage.ts";
import { dv } from "./errors.ts";
import { Model } from "./model.ts";
import { loadInsertedOptions } from "./option-values.ts";
import { Reader } from "./read.ts";
import { type Caller, Records, type Row } from "./records.ts";
import { ORGANIZATION_ID, ROOT_BUSINESS_UNIT_ID } from "./seed/ids.ts";
import { seedStore } from "./seed/seed.ts";
import { DataverseService, errorResponse, type ServiceResponse } from "./service.ts";
import { TABLES } from "./tables/index.ts";
import { type DataverseWebhookOptions, DataverseWebhooks, DEFAULT_DATAVERSE_WEBHOOK_OPTIONS } from "./webhooks.ts";

export const SERVICE_PATH = "/api/data/v9.2/";
/** api-limits: 6000 requests and 1,200,000 ms of execution time per 300 s window, per user and web server. */
const DOCUMENTED_REQUEST_LIMIT = 6000;
const DOCUMENTED_CONCURRENCY_LIMIT = 52;
const DOCUMENTED_TIME_LIMIT_MS = 1_200_000;
const VERSION_PATH = /^\/api\/data\/v9\.[0-2]\//;

export interface DataverseEmulatorOptions extends ApiEmulatorOptions {
  /** Time source for stamps, delta-token expiry and limits (tests move it forward). */
  clock?: Clock;
  /** Sent in `WWW-Authenticate` on 401; default Entra's authorize endpoint for the demo tenant. */
  authorizationUri?: string;
  /** Change-tracking token lifetime, days (organization.expirechangetrackingindays; default 7). */
  expireChangeTrackingDays?: number;
  /** Webhook timing (delay before the asynchronous post, retry waits); tests shorten them. */
  webhooks?: Partial<DataverseWebhookOptions>;
}

export interface DataverseEmulator extends RunningEmulator {
  /** `http://HOST:PORT/api/data/v9.2/`. */
  serviceRoot: string;
  store: Store;
  model: Model;
  records: Records;
  service: DataverseService;
  limits: ServiceProtection;
  /** The fault injector, with the faults it injected so far by kind. */
  faults: FaultInjector;
  /** The systemuser a client id maps to (application user), if any. */
  applicationUser(clientId: string): Row | undefined;
  webhooks: DataverseWebhooks;
  /** Posts every queued webhook job now and waits for the posts. */
  flushWebhooks(): Promise<void>;
}

export async function startDataverseEmulator(options: DataverseEmulatorOptions = {}): Promise<DataverseEmulator> {
  const host = options.host ?? "127.0.0.1";
  const clock = options.clock ?? systemClock;
  const store = openStore({ dataDir: options.dataDir, fileName: "dataverse.sqlite" });
  const model = new Model();
  loadInsertedOptions(model, store);
  const records = new Records(store, model);
  const webhooks = new DataverseWebhooks(
    records,
    { ...DEFAULT_DATAVERSE_WEBHOOK_OPTIONS, ...options.webhooks },
    { id: ORGANIZATION_ID, name: "contoso" },
  );
  const limitsConfig = resolveLimits(options.limits, DATAVERSE_LIMITS);
  const limits = new ServiceProtection(limitsConfig, { clock });
  const cost = resolveCost(options.cost, DATAVERSE_COST);
  const faults = new FaultInjector(options.faults ?? {}, options.randomSeed ?? 1);
  const tally = newWorkTally();
  // Paging tokens stay valid across restarts with the same data directory: derive the key from a stored secret.
  const secretRow = store.table("__meta").get("token-secret");
  const secret = (secretRow?.value as string | undefined) ?? crypto.randomUUID();
  if (!secretRow) store.table("__meta").put("token-secret", { value: secret });
  let currentUser = "";
  const reader = new Reader(model, records, createTokenCodec(secret), {
    now: () => clock.now(),
    expireChangeTrackingDays: () => {
      if (options.expireChangeTrackingDays !== undefined) return options.expireChangeTrackingDays;
      const org = store.table("organization").get(ORGANIZATION_ID);
      return (org?.expirechangetrackingindays as number | undefined) ?? 7;
    },
    userId: () => currentUser,
    serviceRoot: () => serviceRoot.href,
  });
  const systemusers = () => store.table<Row>("systemuser");
  const service = new DataverseService(model, records, reader, () => ({
    organizationId: ORGANIZATION_ID,
    businessUnitOf: (userId) =>
      (systemusers().get(userId)?._businessunitid_value as string | undefined) ?? ROOT_BUSINESS_UNIT_ID,
  }));

  const applicationUser = (clientId: string): Row | undefined => {
    const wanted = clientId.toLowerCase();
    for (const u of systemusers().values())
      if (typeof u.applicationid === "string" && u.applicationid.toLowerCase() === wanted) return u;
    return undefined;
  };

  const userByObjectId = (objectId: string): Row | undefined => {
    const wanted = objectId.toLowerCase();
    for (const u of systemusers().values())
      if (String(u.azureactivedirectoryobjectid ?? "").toLowerCase() === wanted) return u;
    return undefined;
  };

  let origin = "";
  let serviceRoot = new URL("http://127.0.0.1/");
  const authorizationUri =
    options.authorizationUri ?? `https://login.microsoftonline.com/${DEMO_TENANT_ID}/oauth2/authorize`;

  const send = (res: ServerResponse, r: ServiceResponse, extra: Record<string, string> = {}) => {
    // Every response carries the request id twice, as the service does (REQ_ID and x-ms-service-request-id).
    const requestId = crypto.randomUUID();
    const headers: Record<string, string> = {
      "OData-Version": "4.0",
      REQ_ID: requestId,
      "x-ms-service-request-id": requestId,
      ...r.headers,
      ...extra,
    };
    res.writeHead(r.status, headers);
    res.end(r.body);
  };

  /** Dataverse's answer to a missing, invalid or expired bearer token. */
  const tokenRefused = (): ServiceResponse => ({
    status: 401,
    headers: { "WWW-Authenticate": `Bearer authorization_uri=${authorizationUri}, resource_id=${origin}/` },
    body: "",
    work: { read: 0, written: 0 },
  });

  const authenticate = (
    req: IncomingMessage,
  ): { ok: true; caller: Caller } | { ok: false; response: ServiceResponse } => {
    let appUser: Row | undefined;
    if (options.tokens) {
      const alt = origin.includes("127.0.0.1")
        ? origin.replace("127.0.0.1", "localhost")
        : origin.replace("localhost", "127.0.0.1");
      const check = options.tokens.verify(req.headers.authorization, [origin, alt]);
      if (!check.ok) {
        return {
          ok: false,
          response: tokenRefused(),
        };
      }
      // A delegated token (a user signed in, e.g. the legacy connection string's user name and password) acts as
      // that user; an app-only token as the app's application user.
      appUser = userByObjectId(check.claims.objectId) ?? applicationUser(check.claims.appId);
    } else {
      appUser = applicationUser(DEMO_INTEGRATION_APP.clientId) ?? systemusers().values()[0];
    }
    if (!appUser) return { ok: false, response: errorResponse(dv.make("notMember")) };
    const appUserId = appUser.systemuserid as string;
    if (appUser.isdisabled === true) return { ok: false, response: errorResponse(dv.make("disabledUser", appUserId)) };
    let userId = appUserId;
    const callerObjectId = header(req, "callerobjectid");
    const callerId = header(req, "mscrmcallerid");
    if (callerObjectId || callerId) {
      const wanted = (callerObjectId ?? callerId ?? "").toLowerCase().replace(/[{}]/g, "");
      const found = callerObjectId
        ? systemusers()
            .values()
            .find((u) => String(u.azureactivedirectoryobjectid ?? "").toLowerCase() === wanted)
        : systemusers().get(wanted);
      if (!found) return { ok: false, response: errorResponse(dv.make("notFound", "systemuser", wanted)) };
      userId = found.systemuserid as string;
    }
    return { ok: true, caller: { userId, callingUserId: appUserId } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", origin);
    const body = await readBody(req);
    const decision = faults.inert ? undefined : faults.decide();
    if (decision && decision.latencyMs > 0) await delay(decision.latencyMs);
    if (decision?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (decision?.kind === "error500" || faults.poisoned(body))
      return send(res, errorResponse(dv.make("unexpected", "Injected fault.")));
    if (decision?.kind === "error503") {
      return send(res, errorResponse(dv.make("unavailable")), { "Retry-After": String(decision.retryAfterSeconds) });
    }
    if (decision?.kind === "error429") {
      // The concurrency limit's 429: the one a caller can meet at any moment (another client of the same principal
      // holds the slots). The request-count 429 comes only after that many requests, and clients learn it as the
      // limit, so injecting it at random would teach them a limit of a handful of requests per five minutes.
      return send(res, errorResponse(dv.make("concurrentRequests", DOCUMENTED_CONCURRENCY_LIMIT)), {
        "Retry-After": String(decision.retryAfterSeconds),
      });
    }
    if (decision?.kind === "tokenExpired") return send(res, tokenRefused());
    if (!VERSION_PATH.test(url.pathname)) {
      return send(res, errorResponse(dv.make("segmentNotFound", url.pathname.split("/").filter(Boolean)[0] ?? "")));
    }
    const auth = authenticate(req);
    if (!auth.ok) return send(res, auth.response);
    const admission = await limits.admit(auth.caller.callingUserId);
    if (!admission.ok) {
      const windowSeconds = Math.round(limitsConfig.windowMs / 1000);
      const error =
        admission.reason === "requests"
          ? dv.make("tooManyRequests", admission.limit, windowSeconds)
          : admission.reason === "execution_time"
            ? dv.make("executionTime", admission.limit, windowSeconds)
            : dv.make("concurrentRequests", admission.limit);
      return send(res, errorResponse(error), { "Retry-After": String(admission.retryAfterSeconds) });
    }
    const started = performance.now();
    let result: ServiceResponse;
    try {
      currentUser = auth.caller.userId;
      const rawQuery = url.search.startsWith("?") ? url.search.slice(1) : "";
      const path = safeDecode(url.pathname.replace(VERSION_PATH, ""));
      result = service.handle(
        { method: req.method ?? "GET", path, query: rawQuery, headers: lowerHeaders(req), body },
        { caller: auth.caller, now: new Date(clock.now()), serviceRoot },
      );
    } catch (error) {
      result = errorResponse(dv.make("unexpected", (error as Error).message));
    }
    const measured = performance.now() - started;
    tallyRequest(tally, req.method ?? "GET");
    tallyWork(tally, result.work);
    const spent = await spendServerTime(cost, result.work, undefined, measured);
    admission.done(Math.round(spent));
    // The remaining-limit headers are on every response; with limits off they report the documented defaults.
    const snap = limits.snapshot(auth.caller.callingUserId);
    const extra: Record<string, string> = {
      "x-ms-ratelimit-burst-remaining-xrm-requests": String(
        Number.isFinite(snap.remainingRequests) ? snap.remainingRequests : DOCUMENTED_REQUEST_LIMIT,
      ),
      "x-ms-ratelimit-time-remaining-xrm-requests": String(
        Math.round(Number.isFinite(snap.remainingExecutionMs) ? snap.remainingExecutionMs : DOCUMENTED_TIME_LIMIT_MS),
      ),
    };
    // An injected lost answer: the request has run; its answer never arrives.
    if (decision?.kind === "lostAnswer") {
      req.socket.destroy();
      return;
    }
    send(res, result, extra);
  };

  // query/overview "URL length": GET URLs up to 32 KB are served, more than Node's default 16 KB header limit.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json", "OData-Version": "4.0" });
        res.end(errorBody(dv.make("unexpected", error.message)));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  serviceRoot = new URL(SERVICE_PATH, origin);
  seedStore(records, model, options.seed ?? "demo", serviceRoot, options.randomSeed);
  webhooks.ensurePlatformRows(TABLES);

  return {
    url: origin,
    tally,
    serviceRoot: serviceRoot.href,
    store,
    model,
    records,
    service,
    limits,
    faults,
    applicationUser,
    webhooks,
    flushWebhooks: () => webhooks.flush(),
    async close() {
      webhooks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function lowerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
