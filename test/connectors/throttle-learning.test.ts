// A client configured with Dataverse's documented limits meets a stricter service (a small environment, or
// limits shared with another process): the first 429s teach its throttle the real limits, after which the
// service's 429s stop. The emulator's window is 2 s so this runs in seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulators } from "../../emulators/index.ts";
import type { DataverseClient } from "../../src/connectors/index.ts";
import { dataverseClient, startTestEmulators } from "./emulators.ts";

let emulators: RunningEmulators;
let dv: DataverseClient;

beforeAll(async () => {
  emulators = await startTestEmulators({
    seed: "empty",
    limits: { windowMs: 2000, maxRequestsPerWindow: 40, maxConcurrent: 4, maxExecutionMsPerWindow: 0, maxQueued: 0 },
    cost: { perRequestMs: 5, perRecordReadMs: 0, perRecordWrittenMs: 0 },
  });
  // Documented limits, far above the emulator's: 52 concurrent, 6000 per window.
  dv = dataverseClient(emulators, {
    limits: { windowMs: 2000, maxRequestsPerWindow: 6000, maxConcurrent: 52 },
    retry: { maxAttempts: 20, baseDelayMs: 20, maxDelayMs: 2000 },
  });
});
afterAll(async () => {
  await dv?.close();
  await emulators?.close();
});

async function burst(count: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: count }, () => dv.whoAmI()));
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
}

describe("throttle learning", () => {
  it("learns the service's stricter limits from its first 429s, then stays under them", async () => {
    await burst(80);
    const learned = dv.metrics();
    expect(learned.throttled429).toBeGreaterThan(0);
    const state = dv.throttleStates()[0];
    expect(state.effectiveConcurrency).toBeLessThanOrEqual(4);
    expect(state.effectiveRequestsPerWindow).toBeLessThan(6000);

    await burst(80);
    const after = dv.metrics();
    expect(after.throttled429 - learned.throttled429).toBeLessThanOrEqual(2);
    if (process.env.CONNECTORS_PRINT_METRICS) process.stderr.write(`${JSON.stringify({ learned, after, state })}\n`);
  });
});
