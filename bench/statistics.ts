// The customer statistics job of seed S17 (issue 13, "set-based integration passes"): after a full sync of the
// customers (not measured), the job's first run (a statistics row per coupled account, linked from it) and a run
// with nothing changed, against both emulators with their documented limits and calibrated cost model. Two
// strategies side by side in one process:
//   record-by-record  customer by customer, as Business Central's job does (and bcsync did before de153ce): read the
//                     account; on the first run create its statistics row and link it, later read the row and
//                     compare (a sample: its rate is steady);
//   bcsync            runCustomerStatistics (src/integration/statistics.ts): the accounts read by id, the rows in
//                     pages, only what differs written, in bulk requests spread over Dataverse's slots.
// Judged on ratios between the strategies of the same run, never on absolute timings.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  COMPANION_API,
  createBusinessCentralClient,
  createDataverseClient,
  type Row,
} from "../src/connectors/index.ts";
import { connectorPorts } from "../src/engine/adapters/index.ts";
import { runMapping } from "../src/engine/runner.ts";
import type { IntegrationContext } from "../src/integration/context.ts";
import { runCustomerStatistics, STATISTICS_FIELDS } from "../src/integration/statistics.ts";
import { openStore } from "../src/store/index.ts";
import { aligned, round, targetLines } from "./report.ts";
import { CUSTOMER_MAPPING, integrationUsersOf, type Target, world } from "./throughput.ts";

export interface StatisticsPreset {
  name: "full" | "quick";
  /** Customers synced and then given statistics by bcsync. */
  records: number;
  /** Customers record-by-record handles (its rate per customer is steady). */
  sample: number;
}

export const STATISTICS_PRESETS: Record<StatisticsPreset["name"], StatisticsPreset> = {
  full: { name: "full", records: 2000, sample: 40 },
  quick: { name: "quick", records: 200, sample: 5 },
};

/** One run of the job: customers handled, seconds, and the Dataverse requests it made. */
export interface JobRun {
  customers: number;
  seconds: number;
  customersPerSecond: number;
  dataverseRequests: number;
}

export interface StatisticsResult {
  workload: string;
  preset: StatisticsPreset;
  strategies: {
    "record-by-record": { first: JobRun; unchanged: JobRun };
    bcsync: { first: JobRun; unchanged: JobRun };
  };
  /** bcsync's customers per second over record-by-record's, per run. */
  ratios: { first: number; unchanged: number };
  targets: Target[];
}

/** Emulators with `records` customers, all synced and coupled (untimed), and a context the job can run in. */
async function syncedWorld(records: number) {
  const { emulators, clients } = await world(records);
  const dir = mkdtempSync(join(tmpdir(), "bcsync-bench-stats-"));
  const dataverse = createDataverseClient(clients.dataverse);
  const businessCentral = createBusinessCentralClient(clients.businessCentral);
  const store = await openStore({ dataDir: join(dir, "store") });
  const engine = {
    store,
    ports: connectorPorts({ dataverse, businessCentral, companyId: clients.companyId }),
    mappings: (name: string) => (name === CUSTOMER_MAPPING.name ? CUSTOMER_MAPPING : undefined),
    integrationUsers: await integrationUsersOf(dataverse),
  };
  const [synced] = await runMapping(engine, CUSTOMER_MAPPING.name, { mode: "full", pageSize: 1000 });
  if (synced.status !== "succeeded") throw new Error(`customer sync failed: ${synced.message}`);
  const ctx = {
    store,
    dataverse,
    businessCentral,
    companyId: clients.companyId,
    mappings: [CUSTOMER_MAPPING],
    engine,
  } as unknown as IntegrationContext;
  const timed = async (customers: number, run: () => Promise<void>): Promise<JobRun> => {
    const before = dataverse.metrics().requests;
    const started = performance.now();
    await run();
    const seconds = (performance.now() - started) / 1000;
    return {
      customers,
      seconds: round(seconds),
      customersPerSecond: round(customers / seconds),
      dataverseRequests: dataverse.metrics().requests - before,
    };
  };
  return {
    ctx,
    timed,
    async close() {
      await store.close();
      await dataverse.close();
      await businessCentral.close();
      await emulators.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function bcsync(preset: StatisticsPreset) {
  const w = await syncedWorld(preset.records);
  try {
    let customers = 0;
    const job = async () => {
      const c = await runCustomerStatistics(w.ctx);
      if (c.failed > 0) throw new Error(`statistics failed: ${c.errors[0]}`);
      customers = c.inserted + c.modified + c.unchanged;
    };
    const first = await w.timed(0, job);
    const unchanged = await w.timed(0, job);
    return {
      first: { ...first, ...rate(customers, first) },
      unchanged: { ...unchanged, ...rate(customers, unchanged) },
    };
  } finally {
    await w.close();
  }
}

const rate = (customers: number, run: JobRun) => ({
  customers,
  customersPerSecond: round(customers / Math.max(run.seconds, 0.001)),
});

/** Customer by customer: read the account; create and link its row (first run), or read the row and compare. */
async function recordByRecord(preset: StatisticsPreset) {
  const w = await syncedWorld(preset.records);
  const { ctx } = w;
  try {
    const couplings: { bcId: string; dataverseId: string }[] = [];
    for await (const c of ctx.store.couplings.iterate("CUSTOMER")) if (couplings.push(c) >= preset.sample) break;
    const statistics = async () => {
      const out = new Map<string, Row>();
      for await (const page of ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("customerStatistics")) {
        if (!page.ok) throw new Error(page.error.message);
        for (const s of page.value.rows) out.set(String(s.customerId).toLowerCase(), s);
      }
      return out;
    };
    const rowOf = (stat: Row | undefined) =>
      Object.fromEntries(Object.entries(STATISTICS_FIELDS).map(([bc, dv]) => [dv, stat?.[bc]]));
    const must = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const first = await w.timed(couplings.length, async () => {
      const stats = await statistics();
      for (const c of couplings) {
        must(await ctx.dataverse.retrieve("accounts", c.dataverseId, { select: ["_nav_accountstatisticsid_value"] }));
        const created = must(await ctx.dataverse.create("nav_accountstatisticses", rowOf(stats.get(c.bcId))));
        must(
          await ctx.dataverse.update("accounts", c.dataverseId, {
            "nav_accountstatisticsid@odata.bind": `/nav_accountstatisticses(${created.id})`,
          }),
        );
      }
    });
    const unchanged = await w.timed(couplings.length, async () => {
      await statistics();
      for (const c of couplings) {
        const account = must(
          await ctx.dataverse.retrieve("accounts", c.dataverseId, { select: ["_nav_accountstatisticsid_value"] }),
        );
        must(
          await ctx.dataverse.retrieve("nav_accountstatisticses", String(account?._nav_accountstatisticsid_value), {
            select: Object.values(STATISTICS_FIELDS),
          }),
        );
      }
    });
    return { first, unchanged };
  } finally {
    await w.close();
  }
}

export async function runStatistics(
  preset: StatisticsPreset,
  log: (line: string) => void = () => {},
): Promise<StatisticsResult> {
  log(`statistics (${preset.name}): record-by-record, ${preset.sample} customers ...`);
  const rbr = await recordByRecord(preset);
  log(`statistics (${preset.name}): bcsync, ${preset.records} customers ...`);
  const engine = await bcsync(preset);
  const ratio = (a: JobRun, b: JobRun) => round(a.customersPerSecond / b.customersPerSecond, 1);
  const ratios = { first: ratio(engine.first, rbr.first), unchanged: ratio(engine.unchanged, rbr.unchanged) };
  const target = (name: string, value: number): Target => ({
    name: `${name}: bcsync vs record-by-record`,
    target: "≥ 25×",
    measured: `${value}×`,
    met: value >= 25,
  });
  return {
    workload: "customer statistics (S17), after a full sync of the customers",
    preset,
    strategies: { "record-by-record": rbr, bcsync: engine },
    ratios,
    targets: [target("first run", ratios.first), target("nothing changed", ratios.unchanged)],
  };
}

/** The short table people read; the JSON holds the rest. */
export function statisticsTable(result: StatisticsResult): string {
  const rows: string[][] = [["strategy", "run", "customers", "seconds", "customers/s", "DV requests"]];
  for (const [name, runs] of Object.entries(result.strategies)) {
    for (const [run, r] of Object.entries(runs) as [string, JobRun][]) {
      rows.push([
        name,
        run,
        String(r.customers),
        String(r.seconds),
        String(r.customersPerSecond),
        String(r.dataverseRequests),
      ]);
    }
  }
  return [`${result.workload} (${result.preset.name})`, ...aligned(rows), "", ...targetLines(result.targets)].join(
    "\n",
  );
}
