// The latency workload (issue 11) as a smoke test: edits made on each side reach the other through `bcsync serve`
// with no command, and the report has p50/p99 per direction with each target marked. Timings are never asserted.

import { describe, expect, it } from "vitest";
import { latencyTable, runLatency } from "../../bench/latency.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("latency benchmark", () => {
  it(
    "measures every edit in both directions and reports each target",
    async () => {
      const result = await runLatency({ name: "quick", edits: 4, perRound: 2, latencyMs: 0, services: "off" });
      for (const d of Object.values(result.directions)) {
        expect(d.edits).toBe(4);
        expect(d.arrived).toBe(4); // every edit arrived with no command
        expect(d.p50Seconds).toBeLessThanOrEqual(d.p99Seconds);
      }
      expect(result.targets.map((t) => t.name)).toEqual([
        "bc→sales p50",
        "bc→sales p99",
        "sales→bc p50",
        "sales→bc p99",
      ]);
      expect(latencyTable(result)).toContain("sales→bc p99");
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
