// The incremental workload of the benchmark, small, as a smoke test: it runs end to end and its counts hold
// together. Timings and the targets' verdicts are never asserted (the reads of a run depend on how soon after the
// seed it starts); counts that do not depend on time are.

import { describe, expect, it } from "vitest";
import { INCREMENTAL_PRESETS, incrementalTable, runIncremental } from "../../bench/incremental.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("incremental benchmark", () => {
  it(
    "runs a full sync, then nothing changed, 1% changed and nothing changed again, counted by the emulators",
    async () => {
      const result = await runIncremental({ ...INCREMENTAL_PRESETS.quick, sizes: [500] });
      const [size] = result.sizes;
      const [forward, reverse] = size.full.passes;
      expect(forward.direction).toBe("toDataverse");
      expect(forward.counters.inserted).toBeGreaterThanOrEqual(500);
      expect(forward.rowsWritten).toBe(forward.counters.inserted);
      // The reverse pass of the full sync reads no Business Central row back by id.
      expect(reverse.requests.businessCentral).toBeLessThanOrEqual(1);
      expect(reverse.counters.unchanged).toBe(forward.counters.inserted);
      for (const quiet of [size.nothingChanged, size.nothingChangedAfter]) {
        expect(quiet.rowsWritten).toBe(0);
        for (const pass of quiet.passes) expect(pass.counters.inserted + pass.counters.modified).toBe(0);
      }
      expect(size.changed.changedRows).toBe(5);
      expect(size.changed.passes[0].counters.modified).toBe(5);
      expect(size.changed.rowsWritten).toBe(5);
      expect(size.peakRssMb).toBeGreaterThan(0);
      expect(result.targets.map((t) => t.name)).toEqual([
        "nothing changed, 500: reads per mapping and direction, writes",
        "nothing changed after the 1% run, 500: reads per mapping and direction, writes",
        "1% changed, 500: rows read",
      ]);
      expect(incrementalTable(result)).toContain("nothing changed again");
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
