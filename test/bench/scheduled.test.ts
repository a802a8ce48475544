// The scheduled workload's --quick preset as a smoke test: a sync of every default mapping with nothing changed,
// reads one after another beside reads begun at once. Counts and shapes asserted, never timings. The two
// strategies' request counts are not compared here: with the cost off a run takes a fraction of a second, and what
// the watermarks' overlap reads again then depends on the clock (the full preset judges them, on medians).

import { describe, expect, it } from "vitest";
import { runScheduled, SCHEDULED_PRESETS, scheduledTable } from "../../bench/scheduled.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("scheduled sync benchmark", () => {
  it(
    "runs every default mapping both ways on settled demo data, writing nothing",
    async () => {
      const result = await runScheduled(SCHEDULED_PRESETS.quick);
      const { bcsync, "one after another": sequential } = result.strategies;
      expect(bcsync.mappings).toBeGreaterThan(10);
      expect(bcsync.mappings).toBe(sequential.mappings);
      expect(bcsync.median.written + sequential.median.written).toBe(0);
      for (const s of [bcsync, sequential]) {
        expect(s.median.requests.dataverse).toBeGreaterThan(0);
        expect(s.median.requests.businessCentral).toBeGreaterThan(0);
        expect(s.runSeconds).toHaveLength(SCHEDULED_PRESETS.quick.runs);
      }
      expect(result.targets.map((t) => t.name)).toEqual(["bcsync's requests", "records written"]);
      expect(scheduledTable(result)).toContain("one after another");
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
