// The bcsync strategy of the items workload (UNIT OF MEASURE and ITEM-PRODUCT with the default price list, 20,000
// items) once, without the record-by-record sample: for bench/compare-revisions.ts --workload items and for timing
// a change by hand.
//   node --import tsx bench/profile-items.ts     one line of JSON on stderr (seconds, CPU, requests, phases)
//   BENCH_TIMELINE=file.json                     as bench/items.ts: every create and page of the run
//   BENCH_PROFILE=file.cpuprofile                a CPU profile of this process (the emulators run in their own;
//                                                their start and seeding are in it too, a few percent)
import { startCpuProfile } from "./cpu-profile.ts";
import { bcsync, ITEMS_PRESETS } from "./items.ts";

const profiler = await startCpuProfile(process.env.BENCH_PROFILE, 200);
const result = await bcsync(ITEMS_PRESETS.full);
await profiler.stop();
process.stderr.write(
  `${JSON.stringify({
    records: result.records,
    status: result.priceList.failed === 0 ? "succeeded" : "failed",
    seconds: result.seconds,
    cpu: result.cpuSeconds,
    emulatorCpu: result.emulatorCpuSeconds,
    dv: result.requests.dataverse,
    bc: result.requests.businessCentral,
    phases: result.phases,
  })}\n`,
);
