// Replays "Service protection API limits" (powerapps-docs: developer/data-platform/api-limits.md): the documented
// defaults, the remaining-limit headers on every response, and the three 429 errors with Retry-After.
import { afterEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("api-limits", () => {
  it("HTTP response headers: remaining requests and remaining execution time on every response", async () => {
    world = await startWorld({ limits: "realistic", cost: "off" });
    const first = await world.call("GET", "WhoAmI");
    const burst = Number(first.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests"));
    // 6000 requests per 300-second window are the documented default; this request is already counted.
    expect(burst).toBe(5999);
    const time = Number(first.headers.get("x-ms-ratelimit-time-remaining-xrm-requests"));
    expect(time).toBeGreaterThan(1_190_000);
    expect(time).toBeLessThanOrEqual(1_200_000);
    const second = await world.call("GET", "accounts?$select=name&$top=1");
    expect(Number(second.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests"))).toBe(5998);
  });

  it("with limits off the headers still report the documented limits", async () => {
    world = await startWorld();
    const res = await world.call("GET", "WhoAmI");
    expect(res.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests")).toBe("6000");
    expect(res.headers.get("x-ms-ratelimit-time-remaining-xrm-requests")).toBe("1200000");
  });

  it("Number of requests: 429, Retry-After in seconds, code 0x80072322 and the documented message", async () => {
    world = await startWorld({ limits: { maxRequestsPerWindow: 2 } });
    await world.call("GET", "WhoAmI");
    await world.call("GET", "WhoAmI");
    const limited = await world.call("GET", "WhoAmI");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.headers.get("req_id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await limited.json()).toEqual({
      error: {
        code: "0x80072322",
        message: "Number of requests exceeded the limit of 2 over time window of 300 seconds.",
      },
    });
  });

  it("Execution time: code 0x80072321 and the documented message (with its double space)", async () => {
    world = await startWorld({
      limits: { maxExecutionMsPerWindow: 1_200_000, maxRequestsPerWindow: 1000 },
      cost: { perRequestMs: 0, perRecordReadMs: 0, perRecordWrittenMs: 0 },
    });
    // Use up the window's execution time through the limiter the server consults.
    const appUser = world.dataverse.applicationUser(
      (await import("../../../emulators/identity/demo-apps.ts")).DEMO_INTEGRATION_APP.clientId,
    );
    const admitted = await world.dataverse.limits.admit(appUser?.systemuserid as string);
    if (!admitted.ok) throw new Error("expected admission");
    admitted.done(1_200_000);
    const limited = await world.call("GET", "WhoAmI");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: {
        code: "0x80072321",
        message:
          "Combined execution time of incoming requests exceeded limit of 1,200,000  milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
      },
    });
  });
});
