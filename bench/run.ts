// `npm run bench`: the throughput workload (bench/throughput.ts) in this one process, strategies side by side,
// JSON to bench/results/latest.json and stdout, a short table on stderr.
//   npm run bench                  full preset (20,000 customers)
//   npm run bench -- --quick       a small preset for CI smoke tests (never judged on timings)
//   npm run bench -- --only start|throughput|items|orders|incremental|scheduled|latency   one workload (default:
//                                  all; start is `bcsync --help`, items is 20,000 items and their price list, orders
//                                  is 2,000 submitted Sales orders of 5 lines created in BC, incremental the runs
//                                  after a full sync and peak RSS (bench/incremental.ts), scheduled a sync of every
//                                  default mapping with nothing changed (bench/scheduled.ts), latency is issue 11's
//                                  edit → other side)
//   npm run bench -- --suite engine [other]   the older per-file benchmarks (bench/<name>.bench.ts), each in its
//                                  own process, results under `suites` in the same JSON
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { boundHeapGrowth } from "../src/runtime/heap.ts";
import { INCREMENTAL_PRESETS, incrementalTable, runIncremental } from "./incremental.ts";
import { ITEMS_PRESETS, itemsTable, runItems } from "./items.ts";
import { LATENCY_PRESETS, latencyTable, runLatency } from "./latency.ts";
import { ORDERS_PRESETS, ordersTable, runOrders } from "./orders.ts";
import { runScheduled, SCHEDULED_PRESETS, scheduledTable } from "./scheduled.ts";
import { runStart, startTable } from "./start.ts";
import { runStatistics, STATISTICS_PRESETS, statisticsTable } from "./statistics.ts";
import { PRESETS, runThroughput, table } from "./throughput.ts";

// The workloads run the engine in this process as a bcsync command runs it, heap bounded alike (src/runtime/heap.ts).
boundHeapGrowth();
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const suiteAt = args.indexOf("--suite");
const suites = suiteAt >= 0 ? args.slice(suiteAt + 1).filter((a) => !a.startsWith("--")) : [];
const out = args.includes("--out") ? args[args.indexOf("--out") + 1] : join(here, "results", "latest.json");

const document: Record<string, unknown> = { machine: { node: process.version, cpus: cpus().length } };

const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);
if (suiteAt < 0) {
  if (only === undefined || only === "start") {
    const start = await runStart(quick ? 3 : 7);
    document.start = start;
    process.stderr.write(`\n${startTable(start)}\n\n`);
  }
  if (only === undefined || only === "throughput") {
    const result = await runThroughput(quick ? PRESETS.quick : PRESETS.full, log);
    document.throughput = result;
    document.table = table(result).split("\n");
    process.stderr.write(`\n${table(result)}\n\n`);
  }
  if (only === undefined || only === "items") {
    const items = await runItems(quick ? ITEMS_PRESETS.quick : ITEMS_PRESETS.full, log);
    document.items = items;
    document.itemsTable = itemsTable(items).split("\n");
    process.stderr.write(`\n${itemsTable(items)}\n\n`);
  }
  if (only === undefined || only === "orders") {
    const orders = await runOrders(quick ? ORDERS_PRESETS.quick : ORDERS_PRESETS.full, log);
    document.orders = orders;
    document.ordersTable = ordersTable(orders).split("\n");
    process.stderr.write(`\n${ordersTable(orders)}\n\n`);
  }
  if (only === undefined || only === "statistics") {
    const statistics = await runStatistics(quick ? STATISTICS_PRESETS.quick : STATISTICS_PRESETS.full, log);
    document.statistics = statistics;
    document.statisticsTable = statisticsTable(statistics).split("\n");
    process.stderr.write(`\n${statisticsTable(statistics)}\n\n`);
  }
  if (only === undefined || only === "incremental") {
    const incremental = await runIncremental(quick ? INCREMENTAL_PRESETS.quick : INCREMENTAL_PRESETS.full, log);
    document.incremental = incremental;
    document.incrementalTable = incrementalTable(incremental).split("\n");
    process.stderr.write(`\n${incrementalTable(incremental)}\n\n`);
  }
  if (only === undefined || only === "scheduled") {
    const scheduled = await runScheduled(quick ? SCHEDULED_PRESETS.quick : SCHEDULED_PRESETS.full, log);
    document.scheduled = scheduled;
    document.scheduledTable = scheduledTable(scheduled).split("\n");
    process.stderr.write(`\n${scheduledTable(scheduled)}\n\n`);
  }
  if (only === undefined || only === "latency") {
    const latency = await runLatency(quick ? LATENCY_PRESETS.quick : LATENCY_PRESETS.full, log);
    document.latency = latency;
    document.latencyTable = latencyTable(latency).split("\n");
    process.stderr.write(`\n${latencyTable(latency)}\n\n`);
  }
} else {
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => suites.length === 0 || suites.some((w) => f.startsWith(w)))
    .sort();
  const results: Record<string, unknown> = {};
  for (const file of files) {
    process.stderr.write(`bench: ${file} ...\n`);
    const run = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const lastLine = run.stdout.trim().split("\n").pop() ?? "";
    try {
      results[file.replace(/\.bench\.ts$/, "")] = JSON.parse(lastLine);
    } catch {
      results[file.replace(/\.bench\.ts$/, "")] = { error: `exit ${run.status}`, output: run.stdout.slice(-2000) };
    }
  }
  document.suites = results;
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
