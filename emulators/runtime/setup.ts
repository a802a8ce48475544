// One call for an API emulator to turn its `ApiEmulatorOptions` into the runtime parts it hands to
// `installPipeline`: limits resolved against its service's preset, the cost model, and a seeded fault injector.

import type { ApiEmulatorOptions, CostModel, LimitsConfig } from "../contracts.ts";
import { resolveCost } from "./cost.ts";
import { FaultInjector, type FaultOptions } from "./faults.ts";
import { type Clock, resolveLimits, ServiceProtection, type Timers } from "./limits.ts";

export interface EmulatorRuntime {
  limits: ServiceProtection;
  cost: CostModel;
  faults: FaultInjector;
}

export function emulatorRuntime(
  options: Pick<ApiEmulatorOptions, "limits" | "cost" | "faults" | "randomSeed">,
  presets: { limits: LimitsConfig; cost: CostModel; faults?: Omit<FaultOptions, "latencyMs" | "faultRate"> },
  time: { clock?: Clock; timers?: Timers } = {},
): EmulatorRuntime {
  return {
    limits: new ServiceProtection(resolveLimits(options.limits, presets.limits), time),
    cost: resolveCost(options.cost, presets.cost),
    faults: new FaultInjector({ ...presets.faults, ...options.faults }, options.randomSeed ?? 1),
  };
}
