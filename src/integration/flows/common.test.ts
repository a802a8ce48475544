import { describe, expect, it } from "vitest";
import type { IntegrationContext } from "../context.ts";
import { ordersInFlight } from "./common.ts";

/** A context whose BC client reports these throttles (one per principal). */
const withSlots = (...slots: number[]) =>
  ({
    businessCentral: { throttleStates: () => slots.map((effectiveConcurrency) => ({ effectiveConcurrency })) },
  }) as unknown as Pick<IntegrationContext, "businessCentral">;

describe("ordersInFlight: the Sales orders a flow run keeps in flight", () => {
  it("keeps 160 for one principal's 5 BC slots and grows with the principals' slots", () => {
    expect(ordersInFlight(withSlots(5))).toBe(160);
    expect(ordersInFlight(withSlots(5, 5, 5))).toBe(480);
  });

  it("follows a principal's slots as 429s lower them, and never drops below one slot's worth", () => {
    expect(ordersInFlight(withSlots(2, 5))).toBe(224);
    expect(ordersInFlight(withSlots(0))).toBe(32);
  });

  it("is bounded when the limits are off (the throttle admits any number)", () => {
    expect(ordersInFlight(withSlots(Number.POSITIVE_INFINITY))).toBe(640);
  });
});
