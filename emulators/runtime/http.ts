// Fastify 5 scaffolding both API emulators can share; each keeps its own error shapes through `formatRejection`.
//
//   acceptRawBodies(app)            every content type arrives as a Buffer (the emulator parses JSON or multipart
//                                   itself, so a malformed body gets the service's own error, not Fastify's)
//   installPipeline(app, options)   onRequest: fault injection → bearer token → service protection limits;
//                                   onSend: injected latency; onResponse: the limits slot is freed with the
//                                   request's execution time
//   principalOf(request)            the verified token claims of the caller
//   chargeWork(request, work)       waits the server time the work costs (cost model); call it from handlers
//
// Order matters: faults come first, as a gateway's would (a 503 from the front door does not count against
// the caller's limits); then authentication (an anonymous request is never counted either); then limits.

import { setTimeout as delay } from "node:timers/promises";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type CostModel,
  type TokenClaims,
  type TokenRejection,
  type TokenVerifier,
  tallyRequest,
  tallyWork,
  type WorkTally,
} from "../contracts.ts";
import { DEMO_INTEGRATION_APP, DEMO_TENANT_ID } from "../identity/demo-apps.ts";
import { servicePrincipalObjectId } from "../identity/principals.ts";
import { NO_COST, spendServerTime, type Work } from "./cost.ts";
import type { FaultInjector } from "./faults.ts";
import type { Admitted, LimitReason, LimitsSnapshot, ServiceProtection } from "./limits.ts";

export type Rejection =
  | { kind: "auth"; reason: TokenRejection; detail: string }
  | { kind: "limit"; reason: LimitReason; retryAfterSeconds: number; limit: number }
  | { kind: "fault"; status: 500 | 503; retryAfterSeconds?: number };

export interface FormattedRejection {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface PipelineOptions {
  /** Absent: every request acts as the first demo app (low-level tests only). */
  tokens?: TokenVerifier;
  /** Accepted token audiences; a function because the emulator's own origin is known only once it listens. */
  audiences(): readonly string[];
  limits?: ServiceProtection;
  faults?: FaultInjector;
  cost?: CostModel;
  /** Counts admitted requests and the rows their work read and wrote. */
  tally?: WorkTally;
  /**
   * The service's error for a refused request. `Retry-After` is set for limits and 503s unless given here.
   * A `limit` with reason `queue_timeout` waited too long for a slot: Business Central answers it with 503.
   */
  formatRejection(rejection: Rejection, request: FastifyRequest): FormattedRejection;
  /** Headers for an admitted request, e.g. Dataverse's `x-ms-ratelimit-*-remaining-*`. */
  admittedHeaders?(snapshot: LimitsSnapshot): Record<string, string>;
  /** Requests that bypass the whole pipeline (e.g. a health probe). */
  bypass?(request: FastifyRequest): boolean;
}

interface RequestState {
  claims: TokenClaims;
  admission?: Admitted;
  startedAt: number;
  handlerEndedAt?: number;
  latencyMs: number;
  /** Injected fault: run the request, then drop the connection instead of answering. */
  loseAnswer?: boolean;
  abort: AbortController;
  cost: CostModel;
  tally?: WorkTally;
}

const states = new WeakMap<FastifyRequest, RequestState>();

/** The claims every request carries when an emulator runs without a token verifier. */
export const ANONYMOUS_CLAIMS: TokenClaims = Object.freeze({
  appId: DEMO_INTEGRATION_APP.clientId,
  tenantId: DEMO_TENANT_ID,
  audience: "",
  objectId: servicePrincipalObjectId(DEMO_INTEGRATION_APP.clientId),
  expiresAt: Number.POSITIVE_INFINITY,
});

/** Replaces Fastify's body parsers: every content type is delivered as a raw Buffer in `request.body`. */
export function acceptRawBodies(app: FastifyInstance, options: { bodyLimit?: number } = {}): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: options.bodyLimit }, (_request, body, done) => {
    done(null, body);
  });
}

/** The caller's verified claims (the anonymous demo app when the emulator runs without a verifier). */
export function principalOf(request: FastifyRequest): TokenClaims {
  return states.get(request)?.claims ?? ANONYMOUS_CLAIMS;
}

/** Waits the server time `work` costs under the emulator's cost model; returns the milliseconds spent. */
export function chargeWork(request: FastifyRequest, work: Work): Promise<number> {
  const state = states.get(request);
  if (state?.tally) tallyWork(state.tally, work);
  const handling = state?.startedAt ? performance.now() - state.startedAt : 0;
  return spendServerTime(state?.cost ?? NO_COST, work, state?.abort.signal, handling);
}

function send(reply: FastifyReply, formatted: FormattedRejection, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header("retry-after", String(retryAfterSeconds));
  if (formatted.headers) reply.headers(formatted.headers);
  return reply.code(formatted.status).send(formatted.body);
}

export function installPipeline(app: FastifyInstance, options: PipelineOptions): void {
  const { limits, faults, tokens } = options;
  const cost = options.cost ?? NO_COST;

  app.addHook("onRequest", async (request, reply) => {
    if (options.bypass?.(request)) return;
    const abort = new AbortController();
    // The client went away before the answer: leave the limits queue, stop waiting on server time.
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const state: RequestState = { claims: ANONYMOUS_CLAIMS, startedAt: 0, latencyMs: 0, abort, cost };
    states.set(request, state);

    if (faults && !faults.inert) {
      const decision = faults.decide();
      state.latencyMs = decision.latencyMs;
      if (decision.kind === "lostAnswer") state.loseAnswer = true;
      if (decision.kind === "drop") {
        if (decision.latencyMs > 0) await delay(decision.latencyMs);
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      if (decision.kind === "error500" || decision.kind === "error503") {
        const retryAfter = decision.kind === "error503" ? decision.retryAfterSeconds : undefined;
        const rejection: Rejection = { kind: "fault", status: decision.kind === "error503" ? 503 : 500 };
        if (retryAfter !== undefined) rejection.retryAfterSeconds = retryAfter;
        return send(reply, options.formatRejection(rejection, request), retryAfter);
      }
      if (decision.kind === "error429") {
        const rejection: Rejection = {
          kind: "limit",
          reason: "requests",
          retryAfterSeconds: decision.retryAfterSeconds,
          limit: 0,
        };
        return send(reply, options.formatRejection(rejection, request), decision.retryAfterSeconds);
      }
      if (decision.kind === "tokenExpired") {
        const rejection: Rejection = { kind: "auth", reason: "expired", detail: "The token expired." };
        return send(reply, options.formatRejection(rejection, request));
      }
    }

    if (tokens) {
      const check = tokens.verify(request.headers.authorization, options.audiences());
      if (!check.ok) {
        return send(
          reply,
          options.formatRejection({ kind: "auth", reason: check.reason, detail: check.detail }, request),
        );
      }
      state.claims = check.claims;
    }

    if (limits) {
      const admission = await limits.admit(state.claims.appId, { signal: abort.signal });
      if (!admission.ok) {
        const { reason, retryAfterSeconds, limit } = admission;
        const formatted = options.formatRejection({ kind: "limit", reason, retryAfterSeconds, limit }, request);
        return send(reply, formatted, retryAfterSeconds);
      }
      state.admission = admission;
      if (options.admittedHeaders) reply.headers(options.admittedHeaders(limits.snapshot(state.claims.appId)));
    }
    if (options.tally) {
      state.tally = options.tally;
      tallyRequest(options.tally, request.method);
    }
    state.startedAt = performance.now();
  });

  // The body is known only now: a poisoned one fails like a service defect, after authentication and limits.
  app.addHook("preHandler", async (request, reply) => {
    if (!faults?.poisoned(request.body as Buffer | undefined)) return;
    return send(reply, options.formatRejection({ kind: "fault", status: 500 }, request));
  });

  app.addHook("onSend", async (request, _reply, payload) => {
    const state = states.get(request);
    if (!state) return payload;
    state.handlerEndedAt ??= performance.now();
    if (state.latencyMs > 0) await delay(state.latencyMs, undefined, { signal: state.abort.signal }).catch(() => {});
    // The request has run; its answer never arrives.
    if (state.loseAnswer) request.raw.socket.destroy();
    return payload;
  });

  const release = (request: FastifyRequest) => {
    const state = states.get(request);
    if (!state?.admission) return;
    const ended = state.handlerEndedAt ?? performance.now();
    state.admission.done(Math.max(0, Math.round(ended - state.startedAt)));
    state.admission = undefined;
  };
  app.addHook("onResponse", async (request) => release(request));
  // A request whose client disconnected never reaches onResponse; free its slot all the same.
  app.addHook("onRequestAbort", async (request) => release(request));
}
