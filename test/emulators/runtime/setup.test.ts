// emulatorRuntime(): an emulator's options resolved against its service's presets.

import { describe, expect, it } from "vitest";
import { BUSINESS_CENTRAL_COST, DATAVERSE_COST } from "../../../emulators/runtime/cost.ts";
import { FaultInjector } from "../../../emulators/runtime/faults.ts";
import { BUSINESS_CENTRAL_LIMITS, DATAVERSE_LIMITS } from "../../../emulators/runtime/limits.ts";
import { emulatorRuntime } from "../../../emulators/runtime/setup.ts";

describe("emulatorRuntime", () => {
  it("uses the service's realistic presets when nothing is asked", () => {
    const runtime = emulatorRuntime({}, { limits: BUSINESS_CENTRAL_LIMITS, cost: BUSINESS_CENTRAL_COST });
    expect(runtime.limits.config).toEqual(BUSINESS_CENTRAL_LIMITS);
    expect(runtime.cost).toEqual(BUSINESS_CENTRAL_COST);
    expect(runtime.faults.inert).toBe(true);
  });

  it("applies off, overrides and a seeded fault injector", () => {
    const runtime = emulatorRuntime(
      { limits: { maxConcurrent: 3 }, cost: "off", faults: { faultRate: 0.5, latencyMs: 10 }, randomSeed: 99 },
      { limits: DATAVERSE_LIMITS, cost: DATAVERSE_COST },
    );
    expect(runtime.limits.config).toEqual({ ...DATAVERSE_LIMITS, maxConcurrent: 3 });
    expect(runtime.cost).toEqual({ perRequestMs: 0, perRecordReadMs: 0, perRecordWrittenMs: 0 });
    const same = new FaultInjector({ faultRate: 0.5, latencyMs: 10 }, 99);
    expect(Array.from({ length: 50 }, () => runtime.faults.decide())).toEqual(
      Array.from({ length: 50 }, () => same.decide()),
    );
  });
});
