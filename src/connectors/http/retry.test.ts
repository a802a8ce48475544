import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffMs, DEFAULT_RETRY_POLICY, decideRetry, isIdempotentRequest, parseRetryAfter } from "./retry.ts";

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 };

describe("decideRetry", () => {
  it("retries a 429 for any method and pauses the principal for Retry-After", () => {
    const d = decideRetry({ kind: "response", status: 429, retryAfterMs: 3000 }, 1, false, policy, () => 0.5);
    expect(d).toEqual({ retry: true, delayMs: 3000, pausePrincipalMs: 3000 });
  });

  it("retries a 503 with Retry-After even for a create, since the service did not start it", () => {
    const d = decideRetry({ kind: "response", status: 503, retryAfterMs: 1000 }, 2, false, policy);
    expect(d.retry).toBe(true);
  });

  it("retries 500/502/503/504 without Retry-After only for idempotent requests", () => {
    for (const status of [500, 502, 503, 504]) {
      expect(decideRetry({ kind: "response", status }, 1, true, policy).retry).toBe(true);
      expect(decideRetry({ kind: "response", status }, 1, false, policy).retry).toBe(false);
    }
  });

  it("reports a gateway timeout on a non-idempotent write as outcome unknown, a 500 as a plain failure", () => {
    expect(decideRetry({ kind: "response", status: 504 }, 1, false, policy)).toEqual({
      retry: false,
      outcomeUnknown: true,
    });
    expect(decideRetry({ kind: "response", status: 500 }, 1, false, policy)).toEqual({
      retry: false,
      outcomeUnknown: false,
    });
  });

  it("never retries a non-idempotent write whose connection dropped: outcome unknown", () => {
    expect(decideRetry({ kind: "lost", reason: "socket hang up" }, 1, false, policy)).toEqual({
      retry: false,
      outcomeUnknown: true,
    });
    expect(decideRetry({ kind: "lost", reason: "socket hang up" }, 1, true, policy).retry).toBe(true);
  });

  it("retries a request that was never sent, whatever its method", () => {
    expect(decideRetry({ kind: "not-sent", reason: "ECONNREFUSED" }, 1, false, policy).retry).toBe(true);
  });

  it("does not retry client errors", () => {
    for (const status of [400, 401, 403, 404, 409, 412]) {
      expect(decideRetry({ kind: "response", status }, 1, true, policy)).toEqual({
        retry: false,
        outcomeUnknown: false,
      });
    }
  });

  it("stops after maxAttempts", () => {
    expect(decideRetry({ kind: "response", status: 429 }, policy.maxAttempts, true, policy).retry).toBe(false);
    expect(decideRetry({ kind: "lost", reason: "x" }, policy.maxAttempts, true, policy)).toEqual({
      retry: false,
      outcomeUnknown: false,
    });
  });
});

describe("backoffMs", () => {
  it("stays within [ceiling/2, ceiling] with the ceiling doubling per attempt and capped", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const ceiling = Math.min(
          DEFAULT_RETRY_POLICY.maxDelayMs,
          DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1),
        );
        const delay = backoffMs(attempt, DEFAULT_RETRY_POLICY, () => r);
        return delay >= Math.floor(ceiling / 2) && delay <= Math.ceil(ceiling);
      }),
    );
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("5")).toBe(5000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("isIdempotentRequest", () => {
  it("treats PATCH as idempotent only with If-Match, POST never", () => {
    expect(isIdempotentRequest("GET", {})).toBe(true);
    expect(isIdempotentRequest("DELETE", {})).toBe(true);
    expect(isIdempotentRequest("PATCH", {})).toBe(false);
    expect(isIdempotentRequest("PATCH", { "If-Match": "*" })).toBe(true);
    expect(isIdempotentRequest("POST", { "if-match": "*" })).toBe(false);
  });
});
