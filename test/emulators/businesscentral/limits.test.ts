// Tokens and service protection over real HTTP: 401 like the service, audiences accepted (the BC resource and
// the emulator's own origin), per-principal request limits (429 with Retry-After) and the concurrency queue.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUSINESS_CENTRAL_AUDIENCE,
  DEMO_INTEGRATION_APP,
  DEMO_INTEGRATION_APP_2,
  type IdentityEmulator,
  startIdentityEmulator,
} from "../../../emulators/identity/index.ts";
import { BUSINESS_CENTRAL_LIMITS } from "../../../emulators/runtime/limits.ts";
import { call, expectError, startBc } from "./helpers.ts";

let identity: IdentityEmulator;

beforeAll(async () => {
  identity = await startIdentityEmulator();
});
afterAll(async () => {
  await identity.close();
});

describe("authentication", () => {
  it("answers 401 without a valid token and accepts both audiences", async () => {
    const bc = await startBc({ tokens: identity.verifier });
    try {
      const url = `${bc.apiUrl()}/companies`;
      const none = await call(url);
      expectError(none, 401, "Authentication_InvalidCredentials");
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      const wrong = identity.issueToken(DEMO_INTEGRATION_APP.clientId, "https://elsewhere.example");
      expectError(
        await call(url, { headers: { authorization: `Bearer ${wrong}` } }),
        401,
        "Authentication_InvalidCredentials",
      );
      for (const audience of [BUSINESS_CENTRAL_AUDIENCE, bc.url]) {
        const token = identity.issueToken(DEMO_INTEGRATION_APP.clientId, audience);
        const ok = await call(url, { headers: { authorization: `Bearer ${token}` } });
        expect(ok.status).toBe(200);
        expect(ok.body.value.length).toBe(2);
      }
    } finally {
      await bc.close();
    }
  });
});

describe("service protection", () => {
  it("uses the documented Business Central numbers in realistic mode", () => {
    expect(BUSINESS_CENTRAL_LIMITS).toMatchObject({
      windowMs: 300_000,
      maxRequestsPerWindow: 6000,
      maxConcurrent: 5,
      maxQueued: 95,
    });
  });

  it("answers 429 with Retry-After once a principal used its window, per principal", async () => {
    const bc = await startBc({ tokens: identity.verifier, limits: { maxRequestsPerWindow: 3 } });
    try {
      const url = `${bc.apiUrl()}/companies`;
      const as = (appId: string) => ({
        authorization: `Bearer ${identity.issueToken(appId, BUSINESS_CENTRAL_AUDIENCE)}`,
      });
      for (let i = 0; i < 3; i++)
        expect((await call(url, { headers: as(DEMO_INTEGRATION_APP.clientId) })).status).toBe(200);
      const limited = await call(url, { headers: as(DEMO_INTEGRATION_APP.clientId) });
      expectError(limited, 429, "Application_TooManyRequests");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await call(url, { headers: as(DEMO_INTEGRATION_APP_2.clientId) })).status).toBe(200);
    } finally {
      await bc.close();
    }
  });

  it("queues requests beyond the concurrency limit and refuses those beyond the queue", async () => {
    // One request at a time, one waiting; each request costs 300 ms of server time, so three sent together
    // meet a busy slot and a full queue.
    const bc = await startBc({
      limits: { maxConcurrent: 1, maxQueued: 1 },
      cost: { perRequestMs: 300, perRecordReadMs: 0, perRecordWrittenMs: 0 },
    });
    try {
      const url = `${bc.apiUrl()}/companies`;
      const statuses = (await Promise.all([call(url), call(url), call(url)])).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await bc.close();
    }
  });
});

describe("faults", () => {
  it("injects 500s, 503s with Retry-After, dropped connections and slow answers with BC error bodies", async () => {
    const bc = await startBc({ faults: { faultRate: 1 }, randomSeed: 3 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${bc.apiUrl()}/companies`).then(
            async (r) => ({
              status: r.status,
              retryAfter: r.headers.get("retry-after"),
              body: (await r.json()) as { error?: { code: string } },
            }),
            () => ({ status: 0, retryAfter: null, body: {} as { error?: { code: string } } }),
          ),
        ),
      );
      const statuses = new Set(outcomes.map((o) => o.status));
      expect([...statuses].every((s) => [0, 200, 500, 503].includes(s))).toBe(true);
      expect(outcomes.some((o) => o.status !== 200)).toBe(true);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        expect(o.retryAfter).not.toBeNull();
        expect(o.body.error?.code).toBe("Application_ServiceUnavailable");
      }
      for (const o of outcomes.filter((x) => x.status === 500)) expect(o.body.error?.code).toBe("Unknown");
    } finally {
      await bc.close();
    }
  });
});
