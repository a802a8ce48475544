// When a record keeps failing: BC marks a coupling Skipped when the same failure repeats twice in a row.
// Users complain that self-healing errors (throttling, timeouts) then get records skipped, so transient
// failures never count, the count is configurable (`skipAfterFailures`), and a success clears it.

import type { PlanError } from "./convert.ts";
import type { FailureState } from "./records.ts";

export interface FailureOutcome {
  failure: FailureState;
  skipped: boolean;
}

/** The failure state after another failure. Only an identical code + message continues the streak. */
export function afterFailure(
  previous: FailureState | undefined,
  error: Pick<PlanError, "code" | "message" | "transient">,
  skipAfterFailures: number,
): FailureOutcome {
  if (error.transient) {
    return { failure: previous ?? { count: 0 }, skipped: false };
  }
  const same = previous !== undefined && previous.code === error.code && previous.message === error.message;
  const count = same ? previous.count + 1 : 1;
  return {
    failure: { count, code: error.code, message: error.message },
    skipped: skipAfterFailures > 0 && count >= skipAfterFailures,
  };
}

/** The failure state after a success: cleared. */
export function afterSuccess(): FailureOutcome {
  return { failure: { count: 0 }, skipped: false };
}
