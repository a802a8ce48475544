// The benchmark's --quick preset as a smoke test: it runs end to end and reports consistent figures. Timings are
// never asserted (they depend on the machine); only counts, shapes and the computed ceiling are.

import { describe, expect, it } from "vitest";
import { runStart } from "../../bench/start.ts";
import { ceiling, medianRun, PRESETS, runThroughput, strategyTable, table } from "../../bench/throughput.ts";
import { DATAVERSE_COST } from "../../emulators/runtime/cost.ts";
import { DATAVERSE_LIMITS } from "../../emulators/runtime/limits.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("throughput benchmark", () => {
  it("judges the median of several runs and lists them all", async () => {
    const times = [5.1, 4.3, 4.6];
    let call = 0;
    const median = await medianRun(3, async () => ({ seconds: times[call], run: call++ }));
    expect(call).toBe(3);
    expect(median).toEqual({ seconds: 4.6, run: 2, runSeconds: [5.1, 4.3, 4.6] });
    const one = await medianRun(1, async () => ({ seconds: 9 }));
    expect(one).toEqual({ seconds: 9, runSeconds: [9] });
    const result = { records: 10, recordsPerSecond: 2, requests: { dataverse: 1, businessCentral: 1 } };
    const shown = strategyTable({
      title: "t",
      unit: "records",
      measured: [
        [
          "bcsync",
          { ...result, ...median, maxInFlight: { dataverse: 1, businessCentral: 1 }, throttled429: 0, cpuSeconds: 1 },
        ],
      ],
      ceiling: ceiling(10),
      targets: [],
    });
    expect(shown).toContain("bcsync: the median of 3 runs (5.1, 4.3, 4.6 s)");
  });

  it("computes the ceiling from the cost model and limits", () => {
    const c = ceiling(20_000);
    // Dataverse writes are the bottleneck: spread over 52 concurrent bulk requests.
    expect(c.bottleneck).toBe("dataverse writes");
    const oneWave = DATAVERSE_COST.perRequestMs + c.bulkSize * DATAVERSE_COST.perRecordWrittenMs;
    expect(Math.ceil(20_000 / c.bulkSize)).toBeLessThanOrEqual(DATAVERSE_LIMITS.maxConcurrent);
    expect(c.dataverseSeconds).toBeCloseTo(oneWave / 1000, 1);
  });

  it(
    "runs the quick preset with the three strategies side by side",
    async () => {
      const result = await runThroughput(PRESETS.quick);
      const s = result.strategies;
      expect(s["record-by-record"].records).toBe(PRESETS.quick.sample);
      expect(s["record-by-record"].requests.dataverse).toBe(PRESETS.quick.sample);
      expect(s.bcsync.counters.inserted).toBeGreaterThanOrEqual(PRESETS.quick.records);
      expect(s.bcsync.counters.failed).toBe(0);
      expect(s.ceiling.records).toBe(s.bcsync.records);
      expect(result.targets.map((t) => t.name)).toEqual([
        "bcsync vs record-by-record",
        "share of the ceiling",
        "Dataverse requests in flight",
        "engine CPU, limits and cost off",
      ]);
      // The same sync with limits and cost off: every record written, CPU per record measured.
      expect(result.engineCpu.counters.inserted).toBe(s.bcsync.counters.inserted);
      expect(result.engineCpu.recordsPerCpuSecond).toBeGreaterThan(0);
      expect(table(result)).toContain("ceiling");
    },
    BENCH_SMOKE_TIMEOUT,
  );

  it("measures bcsync --help: a time and a resident size per run, targets judged, never asserted", async () => {
    const start = await runStart(1, { build: false });
    expect(start.medianSeconds).toBeGreaterThan(0);
    expect(start.peakRssMb).toBeGreaterThan(0);
    expect(start.targets.map((t) => t.name)).toEqual(["bcsync --help", "resident before any work"]);
  });
});
