// The bcsync strategy of the customer workload once, to find where the engine spends its time:
//   node --import tsx bench/profile-run.ts        one line of JSON on stderr (seconds, CPU, requests)
//   BENCH_RECORDS=20000 BENCH_MODE=off|realistic  table size; emulators' limits and cost (default realistic)
//   BENCH_PROFILE=file.cpuprofile                 a CPU profile of the run only (not the start or the seeding)
//   BENCH_TIMELINE=file.json                      start and end of every Business Central page and bulk create
//   BENCH_TMP=/dev/shm                            where the SQLite store goes
//   BENCH_PAGE=1000                               records per page read (the bench reads 1,000)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBusinessCentralClient, createDataverseClient } from "../src/connectors/index.ts";
import { connectorPorts } from "../src/engine/adapters/index.ts";
import { runMapping } from "../src/engine/runner.ts";
import { boundHeapGrowth } from "../src/runtime/heap.ts";
import { openStore } from "../src/store/index.ts";
import { startCpuProfile } from "./cpu-profile.ts";
import { CUSTOMER_MAPPING, world } from "./throughput.ts";
import { Timeline } from "./timeline.ts";

// This process stands for a bcsync command: its heap is bounded as the CLI's is (src/runtime/heap.ts).
boundHeapGrowth();
const records = Number(process.env.BENCH_RECORDS ?? 20000);
const mode = (process.env.BENCH_MODE ?? "realistic") as "off" | "realistic";
const { emulators, clients } = await world(records, { limits: mode, cost: mode });
const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), "bcsync-prof-"));
const dataverse = createDataverseClient(clients.dataverse);
const businessCentral = createBusinessCentralClient(clients.businessCentral);
const store = await openStore({ dataDir: join(dir, "store") });
const timeline = new Timeline();
if (process.env.BENCH_TIMELINE) {
  timeline.call(dataverse, "createMultiple", (a) => (a[2] as unknown[]).length);
  for (const name of ["textColumnLimits", "whoAmI", "retrieve"]) timeline.call(dataverse, name, () => 0);
  timeline.call(dataverse, "batchOperations", (a) => (a[0] as unknown[]).length);
  timeline.pages(dataverse, "pages", { kind: "dvPage" });
  // The port asks the client for the company's scope: the same scope, its pages timed.
  const company = businessCentral.company(clients.companyId);
  (businessCentral as unknown as { company: () => unknown }).company = () => company;
  timeline.pages(company, "pages", { kind: "bcPage" });
}
const ports = connectorPorts({ dataverse, businessCentral, companyId: clients.companyId });
const profiler = await startCpuProfile(process.env.BENCH_PROFILE, 200);
const started = performance.now();
const startedOnTimeline = timeline.now();
const cpu = process.cpuUsage();
const [report] = await runMapping({ store, ports, mappings: () => CUSTOMER_MAPPING }, CUSTOMER_MAPPING.name, {
  mode: "full",
  pageSize: Number(process.env.BENCH_PAGE ?? 1000),
});
const seconds = (performance.now() - started) / 1000;
await profiler.stop();
const used = process.cpuUsage(cpu);
const served = await emulators.close();
process.stderr.write(
  `${JSON.stringify({ records, mode, status: report.status, counters: report.counters, seconds, cpu: (used.user + used.system) / 1e6, emulatorCpu: served.cpuSeconds, dv: dataverse.metrics().requests, bc: businessCentral.metrics().requests, maxInFlight: dataverse.metrics().maxInFlight })}\n`,
);
if (process.env.BENCH_TIMELINE)
  writeFileSync(process.env.BENCH_TIMELINE, JSON.stringify({ started: startedOnTimeline, timeline: timeline.events }));
await store.close();
await dataverse.close();
await businessCentral.close();
rmSync(dir, { recursive: true, force: true });
