// Sends requests to one service on behalf of one or more principals: picks a principal round-robin, waits for its
// throttle, adds its bearer token, retries what is safe to retry, and records metrics. Service-specific meaning
// (error bodies, request ids) is left to the Dataverse and Business Central clients.
import { CONNECTOR_OUTCOME_UNKNOWN, CONNECTOR_UNAVAILABLE } from "../../errors/codes/connectors.ts";
import { type BcsyncError, bcsyncError } from "../../errors/define.ts";
import type { TokenProvider } from "../auth/token-provider.ts";
import { type ConnectorMetrics, MetricsRecorder } from "./metrics.ts";
import {
  type AttemptOutcome,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  isIdempotentRequest,
  parseRetryAfter,
  type RetryPolicy,
} from "./retry.ts";
import { Throttle, type ThrottleLimits, type ThrottleState } from "./throttle.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface ServiceRequest {
  method: string;
  /** Absolute, or relative to the service's base URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The caller vouches that repeating this write cannot apply it twice (upsert by key, batch of upserts). */
  idempotent?: boolean;
  /** The record involved, for errors (`accounts(…)`, a key, a row number). */
  record?: string;
  /** Sent as this principal (its index) instead of the next one round-robin: WhoAmI of each app registration. */
  principal?: number;
}

export interface ServiceResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  attempts: number;
  /** Index of the principal that got this response. */
  principal: number;
}

export type SendOutcome = { ok: true; response: ServiceResponse } | { ok: false; error: BcsyncError };

/** One HTTP attempt, as seen by `onCall` (for logs and per-call metrics). No headers, bodies or tokens. */
export interface CallEvent {
  service: string;
  method: string;
  /** Path relative to the service root. */
  path: string;
  record?: string;
  attempt: number;
  principal: number;
  /** HTTP status, or the transport failure. */
  status?: number;
  failure?: string;
  ms: number;
  bytesOut: number;
  bytesIn: number;
}

export interface PrincipalHandle {
  tokens: TokenProvider;
  throttle: Throttle;
}

export interface ServiceClientOptions {
  /** "Dataverse" or "Business Central": appears in errors. */
  service: string;
  baseUrl: string;
  principals: TokenProvider[];
  limits: ThrottleLimits;
  retry?: Partial<RetryPolicy>;
  transport?: TransportOptions;
  /** Headers every request carries. */
  defaultHeaders?: Record<string, string>;
  /** Called after every attempt. */
  onCall?(event: CallEvent): void;
  /** Which service protection limit a 429 names, so the throttle can learn a stricter limit than configured. */
  limitOf429?(headers: Record<string, string>, body: Buffer): "requests" | "concurrency" | undefined;
}

export class ServiceClient {
  readonly metrics = new MetricsRecorder();
  readonly baseUrl: URL;
  private readonly principals: PrincipalHandle[];
  private readonly transport: Transport;
  private readonly retry: RetryPolicy;
  private next = 0;

  constructor(private readonly options: ServiceClientOptions) {
    if (options.principals.length === 0) throw new Error(`${options.service}: at least one principal is required`);
    this.baseUrl = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
    this.principals = options.principals.map((tokens) => ({
      tokens,
      throttle: new Throttle(options.limits, (ms) => this.metrics.waited(ms)),
    }));
    this.transport = new Transport(options.transport);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  get service(): string {
    return this.options.service;
  }

  resolve(url: string): URL {
    return new URL(url, this.baseUrl);
  }

  metricsSnapshot(): ConnectorMetrics {
    return this.metrics.snapshot();
  }

  throttleStates(): ThrottleState[] {
    return this.principals.map((p) => p.throttle.state());
  }

  async send(req: ServiceRequest): Promise<SendOutcome> {
    const url = this.resolve(req.url);
    const headers = { ...this.options.defaultHeaders, ...req.headers };
    const idempotent = req.idempotent ?? isIdempotentRequest(req.method, headers);
    const bytesOut = req.body === undefined ? 0 : Buffer.byteLength(req.body);
    let refreshedToken = false;
    // A pinned principal that does not exist is a caller's bug, not a reason to ask as another one.
    if (req.principal !== undefined && !(req.principal >= 0 && req.principal < this.principals.length))
      throw new RangeError(
        `${this.options.service}: no principal ${req.principal} (${this.principals.length} configured)`,
      );
    for (let attempt = 1; ; attempt++) {
      const principalIndex = req.principal ?? this.pickPrincipal();
      const principal = this.principals[principalIndex];
      const token = await principal.tokens.getToken();
      if (!token.ok) return { ok: false, error: token.error };
      // Reads go before waiting writes (Throttle.acquire): a read's pages are sequential, the writes are many.
      const release = await principal.throttle.acquire(req.method === "GET");
      this.metrics.attempt(attempt > 1, bytesOut);
      let result: Awaited<ReturnType<Transport["send"]>>;
      const started = performance.now();
      this.metrics.started();
      try {
        result = await this.transport.send({
          method: req.method,
          url,
          headers: { ...headers, authorization: `Bearer ${token.value}` },
          body: req.body,
        });
      } finally {
        this.metrics.finished();
        release();
      }
      this.options.onCall?.({
        service: this.options.service,
        method: req.method,
        path: displayPath(url, this.baseUrl),
        record: req.record,
        attempt,
        principal: principalIndex,
        status: result.ok ? result.response.status : undefined,
        failure: result.ok ? undefined : result.outcome.kind === "response" ? undefined : result.outcome.reason,
        ms: Math.round(performance.now() - started),
        bytesOut,
        bytesIn: result.ok ? result.response.body.length : 0,
      });
      let outcome: AttemptOutcome;
      if (result.ok) {
        const { response } = result;
        this.metrics.response(response.status, response.body.length);
        const dop = Number(response.headers["x-ms-dop-hint"]);
        if (dop > 0) principal.throttle.setDegreeOfParallelism(dop);
        if (response.status === 401 && !refreshedToken) {
          // An expired or revoked token: fetch a new one once; a second 401 is the service's answer.
          refreshedToken = true;
          principal.tokens.invalidate();
          continue;
        }
        outcome = {
          kind: "response",
          status: response.status,
          retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
        };
        const decision = decideRetry(outcome, attempt, idempotent, this.retry);
        if (!decision.retry) {
          if (decision.outcomeUnknown) {
            this.metrics.unknownOutcome();
            return { ok: false, error: this.unknown(req, url, `the gateway answered ${response.status}`) };
          }
          return { ok: true, response: { ...response, attempts: attempt, principal: principalIndex } };
        }
        if (decision.pausePrincipalMs !== undefined) principal.throttle.pause(decision.pausePrincipalMs);
        if (response.status === 429) {
          principal.throttle.learnLimit(this.options.limitOf429?.(response.headers, response.body));
        }
        if (response.status === 429 || response.status === 503) this.metrics.waited(decision.delayMs);
        await delay(decision.delayMs);
        continue;
      }
      outcome = result.outcome;
      this.metrics.transportFailure();
      const decision = decideRetry(outcome, attempt, idempotent, this.retry);
      if (!decision.retry) {
        const reason = outcome.kind === "response" ? String(outcome.status) : outcome.reason;
        if (decision.outcomeUnknown) {
          this.metrics.unknownOutcome();
          return {
            ok: false,
            error: this.unknown(req, url, `the connection failed after the request was sent (${reason})`),
          };
        }
        return {
          ok: false,
          error: bcsyncError(CONNECTOR_UNAVAILABLE, {
            service: this.options.service,
            method: req.method,
            path: displayPath(url, this.baseUrl),
            attempts: attempt,
            reason,
            record: req.record ?? "-",
          }),
        };
      }
      await delay(decision.delayMs);
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
    await Promise.all(this.principals.map((p) => p.tokens.close()));
  }

  /** Round-robin, skipping principals the service asked to pause while another one is free. */
  private pickPrincipal(): number {
    const count = this.principals.length;
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const index = (this.next + i) % count;
      if (this.principals[index].throttle.state().pausedUntil <= now) {
        this.next = (index + 1) % count;
        return index;
      }
    }
    const index = this.next;
    this.next = (this.next + 1) % count;
    return index;
  }

  private unknown(req: ServiceRequest, url: URL, reason: string): BcsyncError {
    return bcsyncError(CONNECTOR_OUTCOME_UNKNOWN, {
      service: this.options.service,
      method: req.method,
      path: displayPath(url, this.baseUrl),
      reason,
      record: req.record ?? "-",
    });
  }
}

/** The path relative to the service root, for messages: shorter, and never carries credentials. */
export function displayPath(url: URL, base: URL): string {
  const full = url.pathname + url.search;
  const path = full.startsWith(base.pathname) ? full.slice(base.pathname.length) : full;
  return path.length > 300 ? `${path.slice(0, 300)}…` : path;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
