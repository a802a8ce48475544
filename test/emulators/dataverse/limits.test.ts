import { afterEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("service protection", () => {
  it("answers 429 with Retry-After and the number-of-requests error once the window is used up", async () => {
    world = await startWorld({ limits: { maxRequestsPerWindow: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      const ok = await world.call("GET", "WhoAmI");
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests")).toBe(String(2 - i));
    }
    const limited = await world.call("GET", "WhoAmI");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({
      error: {
        code: "0x80072322",
        message: "Number of requests exceeded the limit of 3 over time window of 60 seconds.",
      },
    });
  });

  it("answers 429 with the execution-time error once the window's server time is used up", async () => {
    world = await startWorld({
      limits: { maxExecutionMsPerWindow: 10, maxRequestsPerWindow: 1000, windowMs: 60_000 },
      cost: { perRequestMs: 20, perRecordReadMs: 0, perRecordWrittenMs: 0 },
    });
    expect((await world.call("GET", "WhoAmI")).status).toBe(200);
    const limited = await world.call("GET", "WhoAmI");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: "0x80072321",
      message:
        "Combined execution time of incoming requests exceeded limit of 10  milliseconds over time window of 60 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
    });
  });

  it("rejects requests beyond the concurrency limit at once", async () => {
    world = await startWorld({
      limits: { maxConcurrent: 1, maxRequestsPerWindow: 1000 },
      cost: { perRequestMs: 200, perRecordReadMs: 0, perRecordWrittenMs: 0 },
    });
    const w = world;
    const results = await Promise.all([w.call("GET", "WhoAmI"), w.call("GET", "WhoAmI"), w.call("GET", "WhoAmI")]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    const rejected = results.find((r) => r.status === 429)!;
    expect(((await rejected.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: "0x80072326",
      message: "Number of concurrent requests exceeded the limit of 1.",
    });
  });
});
