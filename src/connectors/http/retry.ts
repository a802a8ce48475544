// When to try a request again and how long to wait: pure functions, so the policy is tested without a server.

export interface RetryPolicy {
  /** Attempts in total, first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 30_000 };

/**
 * What happened to one attempt.
 * - `response`: the service answered with this status.
 * - `not-sent`: the connection failed before the request left (refused, DNS, connect timeout): nothing happened.
 * - `lost`: the request was sent (or may have been) and no complete answer came back: the effect is unknown.
 */
export type AttemptOutcome =
  | { kind: "response"; status: number; retryAfterMs?: number }
  | { kind: "not-sent"; reason: string }
  | { kind: "lost"; reason: string };

export type RetryDecision =
  | { retry: true; delayMs: number; pausePrincipalMs?: number }
  | { retry: false; outcomeUnknown: boolean };

/**
 * `idempotent`: repeating the request cannot apply it twice (GET, PUT, DELETE, PATCH with If-Match, or a write the
 * caller marks safe such as an upsert by key). Non-idempotent writes are retried only when the service certainly
 * did not process them: 429 (service protection rejects before executing), 503 with Retry-After (not started),
 * and failures before the request was sent.
 */
export function decideRetry(
  outcome: AttemptOutcome,
  attempt: number,
  idempotent: boolean,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  const exhausted = attempt >= policy.maxAttempts;
  if (outcome.kind === "response") {
    const { status, retryAfterMs } = outcome;
    const serviceRejected = status === 429 || (status === 503 && retryAfterMs !== undefined);
    const transient = status === 503 || status === 502 || status === 504 || status === 500 || status === 408;
    if (!serviceRejected && !(idempotent && transient)) {
      // A 502/504 to a non-idempotent write: a gateway gave up, the service may have applied it.
      const unknown = !idempotent && (status === 502 || status === 504 || status === 408);
      return { retry: false, outcomeUnknown: unknown };
    }
    if (exhausted) return { retry: false, outcomeUnknown: false };
    const backoff = backoffMs(attempt, policy, random);
    if (retryAfterMs !== undefined) {
      const wait = Math.min(Math.max(retryAfterMs, 0), policy.maxDelayMs * 4);
      return { retry: true, delayMs: Math.max(wait, backoff / 4), pausePrincipalMs: status === 429 ? wait : undefined };
    }
    return { retry: true, delayMs: backoff };
  }
  if (outcome.kind === "not-sent") {
    if (exhausted) return { retry: false, outcomeUnknown: false };
    return { retry: true, delayMs: backoffMs(attempt, policy, random) };
  }
  if (!idempotent) return { retry: false, outcomeUnknown: true };
  if (exhausted) return { retry: false, outcomeUnknown: false };
  return { retry: true, delayMs: backoffMs(attempt, policy, random) };
}

/** "Full jitter" exponential backoff: uniform in [base·2^(n-1) / 2, base·2^(n-1)], capped. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` is seconds (Dataverse, BC) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Methods that are idempotent by HTTP semantics; PATCH only when it carries If-Match (it cannot create). */
export function isIdempotentRequest(method: string, headers: Record<string, string>): boolean {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD" || m === "PUT" || m === "DELETE" || m === "OPTIONS") return true;
  if (m === "PATCH") return Object.keys(headers).some((h) => h.toLowerCase() === "if-match");
  return false;
}
