// A scheduled sync of every default mapping with nothing to do, the run the job queue and `bcsync sync` make most
// often: the demo data set up, fully synced and settled (not measured), against both emulators with their documented
// limits and calibrated cost model. Two strategies side by side in one process, their runs alternated:
//   one after another  each mapping's reads at its turn (SyncRequest.readsAtOnce false), as syncs ran before f10ef69;
//   bcsync             every mapping's change, claim and choice-column reads begun at the sync's start, each taken
//                      over by its pass unless an earlier pass wrote to the side it reads (readChangesEarly).
// The emulators run in this process here: the workload waits on their cost timers, not on their CPU, and the setup
// needs their addresses for a configuration. Judged on ratios between the strategies of the same run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulators } from "../emulators/index.ts";
import { openIntegration } from "../src/integration/context.ts";
import { coupleDemoSalespeople } from "../src/integration/demo.ts";
import { syncAll } from "../src/integration/review.ts";
import { configForEmulators, runSetup } from "../src/integration/setup.ts";
import { type MappingSyncResult, syncMappings } from "../src/integration/sync.ts";
import { aligned, round, targetLines } from "./report.ts";
import type { Target } from "./throughput.ts";

export interface ScheduledPreset {
  name: "full" | "quick";
  /** Runs of each strategy, alternated; the median is reported. */
  runs: number;
  /** The emulators' cost model: realistic to measure; off for the smoke test, which counts requests only. */
  cost: "realistic" | "off";
}

export const SCHEDULED_PRESETS: Record<ScheduledPreset["name"], ScheduledPreset> = {
  full: { name: "full", runs: 5, cost: "realistic" },
  quick: { name: "quick", runs: 1, cost: "off" },
};

export interface ScheduledRun {
  seconds: number;
  requests: { dataverse: number; businessCentral: number };
  /** Records inserted, modified or deleted (none: nothing changed). */
  written: number;
}

export interface ScheduledStrategy {
  mappings: number;
  /** The run of median time. */
  median: ScheduledRun;
  runSeconds: number[];
}

export interface ScheduledResult {
  workload: string;
  preset: ScheduledPreset;
  strategies: { "one after another": ScheduledStrategy; bcsync: ScheduledStrategy };
  /** One after another's median seconds over bcsync's. */
  speedup: number;
  targets: Target[];
}

const written = (results: readonly MappingSyncResult[]) =>
  results
    .flatMap((r) => r.passes)
    .reduce((n, p) => n + p.counters.inserted + p.counters.modified + p.counters.deleted, 0);

/** A run that wrote or failed something: the state the strategies are compared on is not settled yet. */
const busy = (results: readonly MappingSyncResult[]) =>
  written(results) > 0 || results.some((r) => r.error !== undefined || r.passes.some((p) => p.counters.failed > 0));

/** Most scheduled runs to reach a quiet one: records that cannot sync are skipped once their failure repeats. */
const SETTLING_RUNS = 6;

const median = (runs: readonly ScheduledRun[]): ScheduledRun =>
  [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)];

export async function runScheduled(
  preset: ScheduledPreset,
  log: (line: string) => void = () => {},
): Promise<ScheduledResult> {
  const dir = mkdtempSync(join(tmpdir(), "bcsync-bench-scheduled-"));
  const emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "realistic",
    cost: preset.cost,
    randomSeed: 7,
    notice: () => {},
  });
  try {
    const configPath = join(dir, "bcsync.config.json");
    const config = configForEmulators(emulators.info, { dataDir: join(dir, "state"), integration: {} });
    const setup = await runSetup({ configPath, config, confirmReset: true });
    if (!setup.ok) throw setup.error;
    const ctx = await openIntegration({ configPath });
    try {
      log(`scheduled (${preset.name}): setup done; a full sync of the demo data, then runs until nothing is left ...`);
      await coupleDemoSalespeople(ctx);
      await syncAll(ctx);
      // Records that cannot sync are retried until the same failure repeats (then skipped): both strategies are
      // measured on a state where a run writes and fails nothing, so they face the same reads.
      let settled = false;
      for (let i = 0; i < SETTLING_RUNS && !settled; i++) settled = !busy(await syncMappings(ctx));
      if (!settled) throw new Error(`the demo data did not settle in ${SETTLING_RUNS} scheduled syncs`);
      const runs: Record<"one after another" | "bcsync", ScheduledRun[]> = { "one after another": [], bcsync: [] };
      let mappings = 0;
      for (let i = 0; i < preset.runs; i++) {
        for (const strategy of ["one after another", "bcsync"] as const) {
          const dv = ctx.dataverse.metrics().requests;
          const bc = ctx.businessCentral.metrics().requests;
          const started = performance.now();
          const results = await syncMappings(ctx, { readsAtOnce: strategy === "bcsync" });
          const seconds = round((performance.now() - started) / 1000, 3);
          mappings = results.length;
          runs[strategy].push({
            seconds,
            requests: {
              dataverse: ctx.dataverse.metrics().requests - dv,
              businessCentral: ctx.businessCentral.metrics().requests - bc,
            },
            written: written(results),
          });
        }
        log(`scheduled (${preset.name}): run ${i + 1} of ${preset.runs} of each strategy`);
      }
      const strategy = (name: keyof typeof runs): ScheduledStrategy => ({
        mappings,
        median: median(runs[name]),
        runSeconds: runs[name].map((r) => r.seconds),
      });
      const before = strategy("one after another");
      const after = strategy("bcsync");
      const requestsOf = (s: ScheduledStrategy) => s.median.requests.dataverse + s.median.requests.businessCentral;
      const speedup = round(before.median.seconds / Math.max(after.median.seconds, 0.001), 2);
      return {
        workload: `scheduled sync of every default mapping (${mappings}), nothing changed`,
        preset,
        strategies: { "one after another": before, bcsync: after },
        speedup,
        targets: [
          {
            name: "bcsync's requests",
            target: "no more than one after another's",
            measured: `${requestsOf(after)} against ${requestsOf(before)}`,
            met: requestsOf(after) <= requestsOf(before),
          },
          {
            name: "records written",
            target: "0 (nothing changed)",
            measured: String(after.median.written + before.median.written),
            met: after.median.written + before.median.written === 0,
          },
        ],
      };
    } finally {
      await ctx.close();
    }
  } finally {
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function scheduledTable(result: ScheduledResult): string {
  const rows = [
    ["strategy", "mappings", "seconds (median)", "requests DV/BC", "runs (s)"],
    ...(["one after another", "bcsync"] as const).map((name) => {
      const s = result.strategies[name];
      return [
        name,
        String(s.mappings),
        String(s.median.seconds),
        `${s.median.requests.dataverse}/${s.median.requests.businessCentral}`,
        s.runSeconds.join(", "),
      ];
    }),
  ];
  return [
    `${result.workload} (${result.preset.name})`,
    ...aligned(rows),
    `bcsync ${result.speedup}× as fast as one after another`,
    "",
    ...targetLines(result.targets),
  ].join("\n");
}
