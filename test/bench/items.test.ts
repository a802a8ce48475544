// The items workload's --quick preset as a smoke test: ITEM-PRODUCT and the default price list end to end, with
// counts and shapes asserted, never timings (they depend on the machine).

import { describe, expect, it } from "vitest";
import { ITEMS_PRESETS, itemsTable, runItems } from "../../bench/items.ts";
import { BENCH_SMOKE_TIMEOUT } from "./timeout.ts";

describe("items benchmark", () => {
  it(
    "runs the quick preset with the three strategies side by side and maintains the price list in bulk",
    async () => {
      const preset = ITEMS_PRESETS.quick;
      const result = await runItems(preset);
      const s = result.strategies;
      expect(s["record-by-record"].records).toBe(preset.sample);
      // Every scale item (and the demo's) became a product, with nothing failed.
      expect(s.bcsync.counters.inserted + s.bcsync.counters.coupled).toBeGreaterThanOrEqual(preset.records);
      expect(s.bcsync.counters.failed).toBe(0);
      // The price list: a line for every product (one unit per unit group here), none failed.
      expect(s.bcsync.priceList.failed).toBe(0);
      expect(s.bcsync.linesCreatedWithProducts + s.bcsync.priceList.linesCreated).toBeGreaterThanOrEqual(
        preset.records,
      );
      // Products are created with their price list, base unit and line (BC's product hooks): the rules after the
      // sync have nothing left to write, and no product is written twice.
      expect(s.bcsync.linesCreatedWithProducts).toBeGreaterThanOrEqual(preset.records);
      expect(s.bcsync.priceList.productsUpdated).toBe(0);
      expect(s.bcsync.dataverseRowsWritten).toBe(s.bcsync.counters.inserted + s.bcsync.linesCreatedWithProducts);
      // Set-based: far fewer Dataverse requests than the products and lines written one by one would take.
      expect(s.bcsync.requests.dataverse).toBeLessThan(s.bcsync.dataverseRowsWritten / 2);
      expect(s.ceiling.records).toBe(s.bcsync.records);
      expect(result.targets.map((t) => t.name)).toEqual([
        "bcsync vs record-by-record",
        "share of the ceiling",
        "price list maintained for every product",
      ]);
      expect(itemsTable(result)).toContain("ceiling");
    },
    BENCH_SMOKE_TIMEOUT,
  );
});
