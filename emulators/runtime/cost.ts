// Server time a request costs, so the emulators' throughput ceilings and execution-time limits behave like a
// tenant's. A request really takes this long (its handling, then a timer for the rest: outside the event loop's
// hot path), so a client that fans out or batches sees the same trade-offs it would see online.

import { setTimeout as delay } from "node:timers/promises";
import type { CostModel } from "../contracts.ts";

/**
 * Dataverse, calibrated to Microsoft's own sample timings for 100 rows on a standard table, defaults, network
 * included (microsoft/PowerApps-Samples, dataverse/orgsvc/CSharp-NETCore/BulkOperations/{SimpleLoop,
 * CreateUpdateMultiple}/README.md; quoted in /work/shared/reference/peers.md §2.2):
 *   - one Create request per row, sequential: 100 rows in about 10 s  → perRequestMs + perRecordWrittenMs ≈ 100;
 *   - one CreateMultiple request of 100 rows: about 1 s             → perRequestMs + 100 × perRecordWrittenMs ≈ 1,000.
 * Solving both: about 91 ms a request (its overhead: auth, routing, the plug-in pipeline, and the network round
 * trip the samples include) and about 9 ms a row written, so bulk is about 10× cheaper per row, as published.
 * The samples' updates (12 s one by one, 3 s with UpdateMultiple) cost more per row; one figure for all writes
 * keeps the model simple and errs on the cheap side for updates. Reads: no published figure; 0.02 ms a row (a
 * 5,000-row page costs 100 ms beyond the request) keeps them cheap, as they are online. With the 1,200 s per
 * 5 min execution budget (api-limits.md) this allows about 440 rows created per second per principal sustained,
 * the same order as the ~400/s derived in peers.md §2.2, and up to 52 concurrent requests in a burst.
 */
export const DATAVERSE_COST: CostModel = Object.freeze({
  perRequestMs: 91,
  perRecordReadMs: 0.02,
  perRecordWrittenMs: 9,
});

/**
 * Business Central. Microsoft publishes no per-row figures; these are estimates. BC runs AL validation triggers
 * on every field of every row written (customer, item, sales document lines), which is heavier than Dataverse's
 * create pipeline, so 20 ms per row written and 15 ms per request. Reads of API pages are cheap (0.1 ms a row).
 * With only 5 concurrent requests per principal (peers.md §2.1) this caps one principal at about 250 rows
 * written per second, which makes BC, not Dataverse, the bottleneck, as the limits predict.
 */
export const BUSINESS_CENTRAL_COST: CostModel = Object.freeze({
  perRequestMs: 15,
  perRecordReadMs: 0.1,
  perRecordWrittenMs: 20,
});

export const NO_COST: CostModel = Object.freeze({ perRequestMs: 0, perRecordReadMs: 0, perRecordWrittenMs: 0 });

/** Resolves the `cost` option of an emulator against its service's preset; absent means realistic. */
export function resolveCost(spec: "realistic" | "off" | Partial<CostModel> | undefined, preset: CostModel): CostModel {
  if (spec === undefined || spec === "realistic") return { ...preset };
  if (spec === "off") return { ...NO_COST };
  return { ...preset, ...spec };
}

export interface Work {
  read?: number;
  written?: number;
}

/** The server time a request costs, in whole milliseconds. */
export function serverTimeMs(cost: CostModel, work: Work = {}): number {
  const ms =
    cost.perRequestMs + (work.read ?? 0) * cost.perRecordReadMs + (work.written ?? 0) * cost.perRecordWrittenMs;
  return Math.round(ms);
}

/**
 * Waits out the server time the work costs and returns it (to feed `Admitted.done`): the request's time is the
 * cost model's, of which `alreadySpentMs` (the emulator's own handling of the request) is part. The published
 * figures the model is calibrated to are whole request times; waiting the full cost after the handling made every
 * request slower than its model (a 130-row CreateMultiple 1,355 ms against 1,261 under a 20,000-customer sync), so
 * no client could reach the ceiling computed from it. A request whose handling took longer than its cost takes
 * that long. An aborted signal (the client went away) ends the wait early without throwing.
 */
export async function spendServerTime(
  cost: CostModel,
  work: Work = {},
  signal?: AbortSignal,
  alreadySpentMs = 0,
): Promise<number> {
  const ms = serverTimeMs(cost, work);
  const rest = ms - alreadySpentMs;
  if (rest > 0) await delay(rest, undefined, { signal }).catch(() => undefined);
  return Math.max(ms, alreadySpentMs);
}
