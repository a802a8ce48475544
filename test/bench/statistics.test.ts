// The statistics workload's --quick preset as a smoke test: the customer statistics job (S17) set-based beside a
// customer-by-customer client, with counts and request numbers asserted, never timings (they depend on the machine).

import { describe, expect, it } from "vitest";
import { runStatistics, STATISTICS_PRESETS, statisticsTable } from "../../bench/statistics.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("statistics benchmark", () => {
  it(
    "runs the quick preset with both strategies side by side, bcsync's requests not growing per customer",
    async () => {
      const preset = STATISTICS_PRESETS.quick;
      const result = await runStatistics(preset);
      const { bcsync, "record-by-record": rbr } = result.strategies;
      expect(rbr.first.customers).toBe(preset.sample);
      // Customer by customer: a read, a create and a link each; then two reads each.
      expect(rbr.first.dataverseRequests).toBe(3 * preset.sample);
      expect(rbr.unchanged.dataverseRequests).toBe(2 * preset.sample);
      // Every synced customer (the scale seed's and the demo's) got its statistics, in far fewer requests.
      expect(bcsync.first.customers).toBeGreaterThanOrEqual(preset.records);
      expect(bcsync.unchanged.customers).toBe(bcsync.first.customers);
      expect(bcsync.first.dataverseRequests).toBeLessThan(bcsync.first.customers / 4);
      expect(bcsync.unchanged.dataverseRequests).toBeLessThan(bcsync.first.customers / 20);
      expect(result.targets.map((t) => t.name)).toEqual([
        "first run: bcsync vs record-by-record",
        "nothing changed: bcsync vs record-by-record",
      ]);
      expect(statisticsTable(result)).toContain("record-by-record");
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
