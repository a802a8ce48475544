// The cost model: server time from the work done, presets resolved per service.

import { describe, expect, it } from "vitest";
import {
  BUSINESS_CENTRAL_COST,
  DATAVERSE_COST,
  resolveCost,
  serverTimeMs,
  spendServerTime,
} from "../../../emulators/runtime/cost.ts";

describe("cost model", () => {
  it("adds the per-request cost to the cost of rows read and written", () => {
    const cost = { perRequestMs: 5, perRecordReadMs: 0.5, perRecordWrittenMs: 8 };
    expect(serverTimeMs(cost)).toBe(5);
    expect(serverTimeMs(cost, { read: 10 })).toBe(10);
    expect(serverTimeMs(cost, { written: 100 })).toBe(805);
    expect(serverTimeMs(cost, { read: 4, written: 1 })).toBe(15);
  });

  it("makes a bulk write cheaper per row than one request per row, as online", () => {
    for (const cost of [DATAVERSE_COST, BUSINESS_CENTRAL_COST]) {
      const perRowRequests = 100 * serverTimeMs(cost, { written: 1 });
      expect(serverTimeMs(cost, { written: 100 })).toBeLessThan(perRowRequests);
    }
  });

  it("charges Dataverse what Microsoft's samples measured: 100 creates ≈ 10 s one by one, ≈ 1 s with CreateMultiple", () => {
    const oneByOne = 100 * serverTimeMs(DATAVERSE_COST, { written: 1 });
    const bulk = serverTimeMs(DATAVERSE_COST, { written: 100 });
    expect(oneByOne).toBeGreaterThan(9_000);
    expect(oneByOne).toBeLessThan(11_000);
    expect(bulk).toBeGreaterThan(900);
    expect(bulk).toBeLessThan(1_100);
  });

  it("resolves realistic, off and partial specs", () => {
    expect(resolveCost(undefined, DATAVERSE_COST)).toEqual(DATAVERSE_COST);
    expect(serverTimeMs(resolveCost("off", DATAVERSE_COST), { read: 5000, written: 1000 })).toBe(0);
    expect(resolveCost({ perRequestMs: 1 }, BUSINESS_CENTRAL_COST)).toEqual({
      ...BUSINESS_CENTRAL_COST,
      perRequestMs: 1,
    });
  });

  it("reports the time it spent, and stops waiting when the client goes away", async () => {
    const cost = { perRequestMs: 0, perRecordReadMs: 0, perRecordWrittenMs: 1 };
    expect(await spendServerTime(cost, { written: 3 })).toBe(3);
    const controller = new AbortController();
    controller.abort();
    expect(await spendServerTime({ ...cost, perRequestMs: 60_000 }, {}, controller.signal)).toBe(60_000);
  });

  it("counts the emulator's own handling as part of the request's cost, not on top of it", async () => {
    const minute = { perRequestMs: 60_000, perRecordReadMs: 0, perRecordWrittenMs: 0 };
    // Handled in all of its cost: no wait at all (a wait of a minute would fail this test by its timeout).
    expect(await spendServerTime(minute, {}, undefined, 60_000)).toBe(60_000);
    // Handled in more than its cost: it took that long.
    expect(await spendServerTime(minute, {}, undefined, 75_000)).toBe(75_000);
  });
});
