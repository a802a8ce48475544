// Fault injection is a pure function of the seed and the request's position, and honours rate and weights.

import { describe, expect, it } from "vitest";
import { FaultInjector, seededRandom } from "../../../emulators/runtime/faults.ts";

const decisions = (injector: FaultInjector, n: number) => Array.from({ length: n }, () => injector.decide());

describe("FaultInjector", () => {
  it("makes the same decisions for the same seed, and others for another seed", () => {
    const a = decisions(new FaultInjector({ faultRate: 0.3 }, 42), 200);
    const b = decisions(new FaultInjector({ faultRate: 0.3 }, 42), 200);
    const c = decisions(new FaultInjector({ faultRate: 0.3 }, 43), 200);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it("faults about the configured share of requests, with every kind represented", () => {
    const all = decisions(new FaultInjector({ faultRate: 0.2 }, 7), 10_000);
    const faults = all.filter((d) => d.kind !== "none");
    expect(faults.length / all.length).toBeGreaterThan(0.18);
    expect(faults.length / all.length).toBeLessThan(0.22);
    expect(new Set(faults.map((d) => d.kind))).toEqual(new Set(["error500", "error503", "drop", "slow"]));
  });

  it("gives 503s a Retry-After and slow responses the extra delay on top of the latency", () => {
    const injector = new FaultInjector({ faultRate: 1, latencyMs: 25, slowMs: 500, retryAfterSeconds: 3 }, 1);
    for (const d of decisions(injector, 200)) {
      if (d.kind === "error503") expect(d.retryAfterSeconds).toBe(3);
      expect(d.latencyMs).toBe(d.kind === "slow" ? 525 : 25);
    }
  });

  it("never picks a kind whose weight is 0", () => {
    const injector = new FaultInjector({ faultRate: 1, weights: { drop: 0, slow: 0, error500: 0 } }, 9);
    expect(new Set(decisions(injector, 500).map((d) => d.kind))).toEqual(new Set(["error503"]));
  });

  it("is inert without latency or faults, and adds latency alone when asked", () => {
    expect(new FaultInjector({}).inert).toBe(true);
    const latencyOnly = new FaultInjector({ latencyMs: 40 });
    expect(latencyOnly.inert).toBe(false);
    expect(decisions(latencyOnly, 3)).toEqual([
      { kind: "none", latencyMs: 40 },
      { kind: "none", latencyMs: 40 },
      { kind: "none", latencyMs: 40 },
    ]);
  });

  it("draws uniformly from [0, 1)", () => {
    const random = seededRandom(123);
    const values = Array.from({ length: 20_000 }, random);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
  });
});
