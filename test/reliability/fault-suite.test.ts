// The fault suite (issue 14). In `npm test`: one bounded, seeded scenario on SQLite (small data, a few kills).
// With BCSYNC_RELIABILITY=full (`npm run test:reliability`): several seeds, ≥ 20 SIGKILLs a run, both stores
// (PostgreSQL when DATABASE_URL is set), and a report of faults met, kills survived, records lost and duplicated.
// Nothing here waits on time: kills happen at pages the child reports, and every run is awaited to its end.
import { afterAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioOptions, type ScenarioReport } from "./suite.ts";

const full = process.env.BCSYNC_RELIABILITY === "full";
const stores: ScenarioOptions["store"][] = full && process.env.DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];
const scenarios: ScenarioOptions[] = full
  ? stores.flatMap((store) =>
      [1401, 1402].map((seed) => ({ store, seed, perSide: 150, kills: 22, faultRate: 0.2, pageSize: 10 })),
    )
  : [{ store: "sqlite", seed: 1400, perSide: 30, kills: 3, faultRate: 0.2, pageSize: 10 }];

const reports: ScenarioReport[] = [];
afterAll(() => {
  if (reports.length === 0) return;
  // The closing note of the run: per store, what was injected and survived, and what was lost or duplicated.
  console.log(`fault suite (${full ? "full" : "bounded"}):\n${reports.map((r) => JSON.stringify(r)).join("\n")}`);
});

describe("a sync under injected faults and SIGKILLs converges to the fault-free result", () => {
  for (const scenario of scenarios) {
    it(`${scenario.store}, seed ${scenario.seed}: ${scenario.perSide} records a side, up to ${scenario.kills} kills`, async () => {
      const report = await runScenario(scenario);
      reports.push(report);
      expect(report).toMatchObject({
        lost: 0,
        duplicated: 0,
        matchesReference: true,
        rewrittenAfter: 0,
        couplings: report.referenceCouplings,
      });
      expect(report.referenceCouplings).toBe(2 * scenario.perSide);
      expect(report.killsSurvived).toBeGreaterThanOrEqual(full ? 20 : 1);
      expect(report.faultsMet).toBeGreaterThan(0);
      if (scenario.store === "postgres") expect(report.pgConnectionsKilled).toBeGreaterThan(0);
    }, 600_000);
  }
});
