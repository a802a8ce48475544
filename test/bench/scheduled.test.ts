// The scheduled workload's --quick preset as a smoke test: a sync of every default mapping with nothing changed,
// reads one after another beside reads begun at once; request counts and writes asserted, never timings.

import { describe, expect, it } from "vitest";
import { runScheduled, SCHEDULED_PRESETS, scheduledTable } from "../../bench/scheduled.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("scheduled sync benchmark", () => {
  it(
    "runs every default mapping both ways with nothing written, bcsync with no more requests than one after another",
    async () => {
      const result = await runScheduled(SCHEDULED_PRESETS.quick);
      const { bcsync, "one after another": sequential } = result.strategies;
      expect(bcsync.mappings).toBeGreaterThan(10);
      expect(bcsync.mappings).toBe(sequential.mappings);
      expect(bcsync.median.written + sequential.median.written).toBe(0);
      // The same reads, begun at once instead of one after another.
      expect(bcsync.median.requests).toEqual(sequential.median.requests);
      expect(result.targets.every((t) => t.met)).toBe(true);
      expect(scheduledTable(result)).toContain("one after another");
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
