// Incremental sync and memory workloads of issue 13: customers Business Central ↔ Dataverse (a bidirectional
// mapping, so both directions are read), at each size
//   1. a full sync (bcsync sync --full of one mapping), the peak resident size of the process that ran it;
//   2. an incremental run with nothing changed: target ≤ 1 read per mapping and direction, 0 writes;
//   3. an incremental run after 1% of the customers changed in Business Central: target rows read ≤ 2× the
//      changed rows (at 100,000).
// Requests and rows are counted by the emulators themselves (their tally: requests admitted, rows each request
// read and wrote, the cost model's units), so what a client leaves uncounted still shows.
// Each size runs in a child process of its own (this file with --child), so its peak resident size is that of
// one sync process whatever ran before; the emulators run in another process, as the services are remote.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { WorkTally } from "../emulators/contracts.ts";
import { createBusinessCentralClient, createDataverseClient } from "../src/connectors/index.ts";
import { connectorPorts } from "../src/engine/adapters/index.ts";
import type { PassDirection } from "../src/engine/model.ts";
import { defineTableMapping } from "../src/engine/model.ts";
import { type PassReport, runMapping, SeenThisRun } from "../src/engine/runner.ts";
import { boundHeapGrowth } from "../src/runtime/heap.ts";
import { openStore } from "../src/store/index.ts";
import { aligned, round, targetLines } from "./report.ts";
import { CUSTOMER_MAPPING, emulatorsProcess, integrationUsersOf } from "./throughput.ts";

export interface IncrementalPreset {
  name: "full" | "quick";
  sizes: number[];
  /** Share of the customers changed for the "1% changed" run. */
  changedShare: number;
  pageSize: number;
}

export const INCREMENTAL_PRESETS: Record<IncrementalPreset["name"], IncrementalPreset> = {
  full: { name: "full", sizes: [10_000, 100_000], changedShare: 0.01, pageSize: 1000 },
  quick: { name: "quick", sizes: [1000, 2000], changedShare: 0.01, pageSize: 250 },
};

/**
 * The bench's customer mapping, both ways: the reverse pass reads Dataverse after the forward pass wrote it. The
 * `scale:N` seed also puts N accounts in Dataverse (with an account number); the filter leaves them out, so the
 * workload syncs the N customers, not twice as many, and the reverse pass reads the accounts bcsync created.
 */
export const CUSTOMER_BOTH_WAYS = defineTableMapping({
  ...CUSTOMER_MAPPING,
  dataverse: { ...CUSTOMER_MAPPING.dataverse, filter: "accountnumber eq null" },
  direction: "bidirectional",
});

/** What one pass cost, counted by the emulators. */
export interface PassCost {
  direction: PassDirection;
  /** Requests each emulator admitted during the pass. */
  requests: { dataverse: number; businessCentral: number };
  /** GET requests (reads) on the pass's source side. */
  sourceReads: number;
  /** Rows read on both sides (changes, targets, candidates). */
  rowsRead: number;
  rowsWritten: number;
  counters: PassReport["counters"];
}

export interface RunCost {
  seconds: number;
  passes: PassCost[];
  rowsRead: number;
  rowsWritten: number;
}

export interface SizeResult {
  customers: number;
  full: RunCost;
  /** Peak resident size of the sync process after the full sync (MB). */
  peakRssMb: number;
  nothingChanged: RunCost;
  changed: RunCost & { changedRows: number };
  /** The same nothing-changed run once more after the 1% run (what a quiet schedule pays). */
  nothingChangedAfter: RunCost;
  /** Peak resident size after every run (MB). */
  peakRssMbEnd: number;
}

/** The emulators' process (bench/emulators-process.ts) with the commands this workload uses. */
async function emulators(records: number) {
  const child = await emulatorsProcess({ records, latencyMs: 0, limits: "realistic", cost: "realistic" });
  return {
    clients: child.clients,
    tally: async () =>
      (await child.ask<{ tally: { dataverse: WorkTally; businessCentral: WorkTally } }>("tally")).tally,
    editBc: async (n: number) => await child.ask<{ edited: string[]; newest: string }>(`edit-bc ${n}`),
    close: () => child.close(),
  };
}

const peakRssMb = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

/** One size: full sync, nothing changed, 1% changed, nothing changed again. Runs in a child process. */
async function runSize(customers: number, preset: IncrementalPreset): Promise<SizeResult> {
  const world = await emulators(customers);
  const dir = mkdtempSync(join(tmpdir(), "bcsync-bench-incr-"));
  const dataverse = createDataverseClient(world.clients.dataverse);
  const businessCentral = createBusinessCentralClient(world.clients.businessCentral);
  const store = await openStore({ dataDir: join(dir, "store") });
  try {
    const ports = connectorPorts({ dataverse, businessCentral, companyId: world.clients.companyId });
    const deps = {
      store,
      ports,
      mappings: (name: string) => (name === CUSTOMER_BOTH_WAYS.name ? CUSTOMER_BOTH_WAYS : undefined),
      integrationUsers: await integrationUsersOf(dataverse),
    };
    // When the last write before a run was stamped: the seed's (just made), a run's own, the BC users' edits.
    let lastWriteAt = Date.now();
    const run = async (mode: "full" | "scheduled"): Promise<RunCost> => {
      // A run comes well after the writes before it: a table exists before bcsync is introduced, a scheduled run
      // comes every 30 minutes by default. One started within the overlap window (1 s) of the newest stamp re-reads
      // the rows stamped in that window once, rightly: they might still be committing. Two seconds after the newest
      // stamp (the BC emulator's stamps are unique, so a bulk edit's run a little ahead of its clock), the runs
      // measure the steady state, not that window.
      await delay(Math.max(0, lastWriteAt + 2000 - Date.now()));
      const started = performance.now();
      const passes: PassCost[] = [];
      // One run, its passes one after the other (as runMapping runs them), counted pass by pass.
      const seen = new SeenThisRun();
      for (const direction of ["toDataverse", "fromDataverse"] as const) {
        const before = await world.tally();
        const [report] = await runMapping(deps, CUSTOMER_BOTH_WAYS.name, {
          mode,
          passes: [direction],
          pageSize: preset.pageSize,
          seen,
        });
        if (report.status !== "succeeded") throw new Error(`${direction} pass failed: ${report.message}`);
        const after = await world.tally();
        const dv = diff(after.dataverse, before.dataverse);
        const bc = diff(after.businessCentral, before.businessCentral);
        const source = direction === "toDataverse" ? bc : dv;
        passes.push({
          direction,
          requests: { dataverse: dv.requests, businessCentral: bc.requests },
          sourceReads: source.byMethod.GET ?? 0,
          rowsRead: dv.rowsRead + bc.rowsRead,
          rowsWritten: dv.rowsWritten + bc.rowsWritten,
          counters: report.counters,
        });
      }
      lastWriteAt = Date.now();
      return {
        seconds: round((performance.now() - started) / 1000),
        passes,
        rowsRead: passes.reduce((n, p) => n + p.rowsRead, 0),
        rowsWritten: passes.reduce((n, p) => n + p.rowsWritten, 0),
      };
    };
    const full = await run("full");
    const afterFull = peakRssMb();
    const nothingChanged = await run("scheduled");
    const edit = await world.editBc(Math.round(customers * preset.changedShare));
    const changedRows = edit.edited.length;
    lastWriteAt = Math.max(Date.now(), Date.parse(edit.newest));
    const changed = await run("scheduled");
    const nothingChangedAfter = await run("scheduled");
    return {
      customers,
      full,
      peakRssMb: afterFull,
      nothingChanged,
      changed: { ...changed, changedRows },
      nothingChangedAfter,
      peakRssMbEnd: peakRssMb(),
    };
  } finally {
    await store.close();
    await dataverse.close();
    await businessCentral.close();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function diff(after: WorkTally, before: WorkTally): WorkTally {
  const byMethod: Record<string, number> = {};
  for (const [method, n] of Object.entries(after.byMethod)) byMethod[method] = n - (before.byMethod[method] ?? 0);
  return {
    requests: after.requests - before.requests,
    byMethod,
    rowsRead: after.rowsRead - before.rowsRead,
    rowsWritten: after.rowsWritten - before.rowsWritten,
  };
}

/** Runs one size in a child process of its own and reads its result (the last line of its stdout). */
function inChild(customers: number, preset: IncrementalPreset): Promise<SizeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--child", JSON.stringify({ customers, preset })],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.once("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last) as SizeResult);
      } catch {
        reject(new Error(`incremental workload at ${customers} exited ${code}: ${out.slice(-500)}`));
      }
    });
  });
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface IncrementalResult {
  workload: string;
  preset: IncrementalPreset;
  sizes: SizeResult[];
  targets: Target[];
}

export async function runIncremental(
  preset: IncrementalPreset,
  log: (line: string) => void = () => {},
): Promise<IncrementalResult> {
  const sizes: SizeResult[] = [];
  for (const customers of preset.sizes) {
    log(`incremental (${preset.name}): ${customers} customers: full sync, nothing changed, 1% changed ...`);
    sizes.push(await inChild(customers, preset));
  }
  const targets: Target[] = [];
  for (const size of sizes) {
    for (const [label, run] of [
      ["nothing changed", size.nothingChanged],
      ["nothing changed after the 1% run", size.nothingChangedAfter],
    ] as const) {
      const reads = Math.max(...run.passes.map((p) => p.sourceReads));
      targets.push({
        name: `${label}, ${size.customers}: reads per mapping and direction, writes`,
        target: "≤ 1 read, 0 writes",
        measured: `${run.passes.map((p) => `${p.direction} ${p.sourceReads}`).join(", ")}; ${run.rowsWritten} rows written`,
        met: reads <= 1 && run.rowsWritten === 0,
      });
    }
  }
  const largest = sizes[sizes.length - 1];
  const smallest = sizes[0];
  if (largest) {
    const ratio = largest.changed.rowsRead / Math.max(largest.changed.changedRows, 1);
    targets.push({
      name: `1% changed, ${largest.customers}: rows read`,
      target: "≤ 2× the changed rows",
      measured: `${largest.changed.rowsRead} rows read for ${largest.changed.changedRows} changed (${round(ratio, 2)}×)`,
      met: ratio <= 2,
    });
  }
  if (largest && smallest && largest !== smallest) {
    const ratio = largest.peakRssMb / smallest.peakRssMb;
    targets.push({
      name: `peak RSS of the full sync, ${largest.customers} vs ${smallest.customers}`,
      target: "≤ 1.5×",
      measured: `${largest.peakRssMb} MB vs ${smallest.peakRssMb} MB (${round(ratio, 2)}×)`,
      met: ratio <= 1.5,
    });
  }
  return {
    workload: "customers BC ↔ Dataverse, incremental after a full sync; peak RSS",
    preset,
    sizes,
    targets,
  };
}

export function incrementalTable(result: IncrementalResult): string {
  const rows: string[][] = [
    [
      "customers",
      "run",
      "seconds",
      "reads BC→DV / DV→BC",
      "requests DV/BC",
      "rows read",
      "rows written",
      "peak RSS MB",
    ],
  ];
  for (const size of result.sizes) {
    const runs: [string, RunCost, string][] = [
      ["full sync", size.full, String(size.peakRssMb)],
      ["nothing changed", size.nothingChanged, ""],
      [`${size.changed.changedRows} changed`, size.changed, ""],
      ["nothing changed again", size.nothingChangedAfter, String(size.peakRssMbEnd)],
    ];
    for (const [name, run, rss] of runs) {
      const dv = run.passes.reduce((n, p) => n + p.requests.dataverse, 0);
      const bc = run.passes.reduce((n, p) => n + p.requests.businessCentral, 0);
      rows.push([
        String(size.customers),
        name,
        String(run.seconds),
        run.passes.map((p) => p.sourceReads).join(" / "),
        `${dv}/${bc}`,
        String(run.rowsRead),
        String(run.rowsWritten),
        rss,
      ]);
    }
  }
  return [`${result.workload} (${result.preset.name})`, ...aligned(rows), "", ...targetLines(result.targets)].join(
    "\n",
  );
}

if (process.argv[2] === "--child") {
  // The process stands for a bcsync process: its heap is bounded as the CLI's is (src/runtime/heap.ts).
  boundHeapGrowth();
  const { customers, preset } = JSON.parse(process.argv[3]) as { customers: number; preset: IncrementalPreset };
  const result = await runSize(customers, preset);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
