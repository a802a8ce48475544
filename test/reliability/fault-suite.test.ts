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
      [1401, 1402].map((seed) => ({
        store,
        seed,
        perSide: 150,
        kills: 22,
        killsPerLaterRound: 6,
        rounds: 3,
        faultRate: 0.2,
        pageSize: 10,
        fullDisk: store === "sqlite",
      })),
    )
  : [
      {
        store: "sqlite",
        seed: 1400,
        perSide: 30,
        kills: 3,
        killsPerLaterRound: 2,
        rounds: 2,
        faultRate: 0.2,
        pageSize: 10,
        fullDisk: true,
      },
    ];

const reports: ScenarioReport[] = [];
afterAll(() => {
  if (reports.length === 0) return;
  // The closing note of the run: per store, what was injected and survived, and what was lost or duplicated.
  const lines = reports.map((r) =>
    [
      `${r.store} seed ${r.seed}: ${r.records} records over ${r.rounds} rounds`,
      `  faults injected: ${Object.entries(r.faultsInjected)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}; met by bcsync (retried or outcome unknown): ${r.faultsMet}`,
      `  SIGKILLs survived: ${r.killsSurvived}; PostgreSQL sessions terminated: ${r.pgConnectionsKilled}; ` +
        `full disk: ${r.diskFull.skipped ? `not run (${r.diskFull.skipped})` : `${r.diskFull.runs} run(s), ended with ${r.diskFull.endedWith.join(", ") || "-"}`}`,
      `  changes between rounds: ${r.changes.edited} edited, ${r.changes.editedBothSides} edited on both sides, ${r.changes.deleted} deleted, ${r.changes.created} created`,
      `  lost ${r.lost}, duplicated ${r.duplicated}, matches the fault-free result: ${r.matchesReference}, ` +
        `couplings ${r.couplings}/${r.referenceCouplings}, rewritten after convergence ${r.rewrittenAfter}, ` +
        `runs to converge ≤ ${r.runsToConverge}`,
      `  sync log checked: ${r.logChecked.jobs} jobs, ${r.logChecked.errors} record errors, ${r.logChecked.couplings} couplings; untrue entries: ${r.logLies.length}`,
      ...r.mismatches.map((m) => `  MISMATCH ${m}`),
      ...r.logLies.slice(0, 10).map((l) => `  LOG ${l}`),
    ].join("\n"),
  );
  console.log(`fault suite (${full ? "full" : "bounded"}):\n${lines.join("\n")}`);
});

describe("a sync under injected faults and SIGKILLs converges to the fault-free result", () => {
  for (const scenario of scenarios) {
    it(`${scenario.store}, seed ${scenario.seed}: ${scenario.perSide} records a side, ${scenario.rounds} rounds of changes, up to ${scenario.kills} kills`, async () => {
      const report = await runScenario(scenario);
      reports.push(report);
      expect(report).toMatchObject({
        lost: 0,
        duplicated: 0,
        matchesReference: true,
        mismatches: [],
        rewrittenAfter: 0,
        logLies: [],
        couplings: report.referenceCouplings,
      });
      expect(report.killsSurvived).toBeGreaterThanOrEqual(full ? 20 : 1);
      expect(report.faultsMet).toBeGreaterThan(0);
      expect(report.changes.deleted).toBeGreaterThan(0);
      if (full) {
        for (const kind of ["error429", "error500", "error503", "drop", "lostAnswer", "tokenExpired"] as const)
          expect(report.faultsInjected[kind], kind).toBeGreaterThan(0);
      }
      if (scenario.store === "postgres") expect(report.pgConnectionsKilled).toBeGreaterThan(0);
      if (scenario.fullDisk && !report.diskFull.skipped) {
        expect(report.diskFull.runs).toBeGreaterThan(0);
        // A full disk ends the run with its catalogued error, never a raw stack or a claimed success.
        for (const ended of report.diskFull.endedWith) expect(ended).toBe("BCSYNC_E_STORE_DISK_FULL");
      }
    }, 1_200_000);
  }
});
