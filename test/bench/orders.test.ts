// The orders workload's --quick preset as a smoke test: submitted Sales orders created in BC by the order flow,
// with counts asserted (every order and line once in BC, coupled, written back), never timings.

import { describe, expect, it } from "vitest";
import { BC_PRINCIPALS, ORDERS_PRESETS, ordersTable, runOrders } from "../../bench/orders.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("orders benchmark", () => {
  it(
    "runs the quick preset with the strategies side by side (one and three BC principals) and creates every order once, coupled",
    async () => {
      const preset = ORDERS_PRESETS.quick;
      const result = await runOrders(preset);
      const s = result.strategies;
      expect(s["record-by-record"].records).toBe(preset.sample);
      expect(s["record-by-record"].lines).toBe(preset.sample * preset.linesPerOrder);
      const everyOrderOnce = {
        bcOrders: preset.orders,
        distinctBcOrders: preset.orders,
        bcLines: preset.orders * preset.linesPerOrder,
        orderCouplings: preset.orders,
        lineCouplings: preset.orders * preset.linesPerOrder,
        writtenBack: preset.orders,
      };
      for (const run of [s.bcsync, s.bcsyncPrincipals]) {
        expect(run.counters).toMatchObject({ inserted: preset.orders, failed: 0 });
        expect(run.check).toEqual(everyOrderOnce);
      }
      expect(s.ceiling.records).toBe(s.bcsync.records);
      // Three principals: BC's limits three times over, so the ceiling is three times higher.
      expect(s.ceilingPrincipals.recordsPerSecond / s.ceiling.recordsPerSecond).toBeCloseTo(BC_PRINCIPALS, 1);
      expect(result.targets.map((t) => t.name)).toEqual([
        "bcsync vs record-by-record",
        "share of the ceiling",
        "every order and line created once in BC, coupled",
        `bcsync with ${BC_PRINCIPALS} BC app registrations vs record-by-record`,
        `share of the ceiling with ${BC_PRINCIPALS} BC app registrations`,
        `with ${BC_PRINCIPALS} BC app registrations: every order and line created once in BC, coupled`,
      ]);
      expect(result.targets[2].met).toBe(true);
      expect(result.targets[5].met).toBe(true);
      expect(ordersTable(result)).toContain(`ceiling, ${BC_PRINCIPALS} BC apps`);
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
