// Business Central under faults and its (shrunk) limits: creates in JSON $batches whose answers may be lost are
// reconciled by business key (batches of 20, so the limits are reached), and a paged read of them finds each exactly once. The emulator's window is 2 s
// instead of 5 min and its cost is lowered so the test runs in seconds; the client gets the same limits.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulators } from "../../emulators/index.ts";
import type { BcBatchRequest, BusinessCentralClient, CompanyScope } from "../../src/connectors/index.ts";
import { businessCentralClient, startTestEmulators } from "./emulators.ts";

const LIMITS = { windowMs: 2000, maxRequestsPerWindow: 30, maxConcurrent: 5 };
// The client counts a start 500 ms past its window: in-process emulators on a busy machine see requests arrive
// late by up to hundreds of milliseconds (against a tenant the default margin, 1 s on 5 minutes, covers it).
const CLIENT_LIMITS = { ...LIMITS, marginMs: 500 };

let emulators: RunningEmulators;
let bc: BusinessCentralClient;
let company: CompanyScope;

beforeAll(async () => {
  emulators = await startTestEmulators({
    seed: "demo",
    limits: { ...LIMITS, maxExecutionMsPerWindow: 0, maxQueued: 95 },
    cost: { perRequestMs: 1, perRecordReadMs: 0, perRecordWrittenMs: 0.05 },
    faults: { latencyMs: 0, faultRate: 0.1 },
    randomSeed: 5,
  });
  bc = businessCentralClient(emulators, {
    limits: CLIENT_LIMITS,
    batchSize: 20,
    retry: { maxAttempts: 12, baseDelayMs: 20, maxDelayMs: 1000 },
  });
  company = bc.company(emulators.info.businessCentral!.companies[0].id);
});
afterAll(async () => {
  await bc?.close();
  await emulators?.close();
});

async function numbersWithPrefix(prefix: string, pageSize: number): Promise<string[]> {
  const numbers: string[] = [];
  for await (const page of company.pages("customers", {
    filter: `startswith(number,'${prefix}')`,
    select: ["number"],
    pageSize,
  })) {
    if (!page.ok) throw page.error;
    numbers.push(...page.value.rows.map((r) => String(r.number)));
  }
  return numbers;
}

describe("Business Central connector under faults and service protection limits", () => {
  it("creates 2,000 customers in $batches, reconciling lost answers by number, with none lost or duplicated", async () => {
    const prefix = `K${randomUUID().slice(0, 4).toUpperCase()}`;
    const wanted = Array.from({ length: 2000 }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
    let pending = wanted;
    let reconciled = 0;
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      const chunks: string[][] = [];
      for (let i = 0; i < pending.length; i += 100) chunks.push(pending.slice(i, i + 100));
      const retry: string[] = [];
      await Promise.all(
        chunks.map(async (chunk) => {
          const requests: BcBatchRequest[] = chunk.map((number) => ({
            method: "POST",
            url: "customers",
            body: { number, displayName: `Customer ${number}` },
          }));
          const r = await company.batch(requests);
          if (r.ok) {
            r.value.forEach((res, i) => {
              if (res.error) retry.push(chunk[i]);
            });
            return;
          }
          // Outcome unknown (or the batch failed as a whole): look the records up by their business key.
          reconciled++;
          const present = new Set(await numbersWithPrefix(prefix, 5000));
          retry.push(...chunk.filter((n) => !present.has(n)));
        }),
      );
      // A record the batch reported failed may exist after all (a retried answer): drop those already there.
      const present = new Set(await numbersWithPrefix(prefix, 5000));
      pending = retry.filter((n) => !present.has(n));
    }
    expect(pending).toEqual([]);
    const numbers = await numbersWithPrefix(prefix, 250);
    expect(numbers).toHaveLength(2000);
    expect(new Set(numbers).size).toBe(2000);
    expect(reconciled + bc.metrics().retries).toBeGreaterThan(0);
  });

  it("kept the emulator's 429s near zero", () => {
    const m = bc.metrics();
    expect(m.requests).toBeGreaterThan(LIMITS.maxRequestsPerWindow);
    expect(m.throttled429).toBeLessThanOrEqual(2);
    if (process.env.CONNECTORS_PRINT_METRICS) process.stderr.write(`${JSON.stringify(m)}\n`);
  });
});
