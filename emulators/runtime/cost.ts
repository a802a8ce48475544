// Server time a request costs, so the emulators' throughput ceilings and execution-time limits behave like a
// tenant's. The emulator really waits this long (outside the event loop's hot path: a timer), so a client that
// fans out or batches sees the same trade-offs it would see online.

import { setTimeout as delay } from "node:timers/promises";
import type { CostModel } from "../contracts.ts";

/**
 * Dataverse. Microsoft's bulk-operation samples (peers.md §2.2) create 100 rows on a standard table in about 1 s
 * with CreateMultiple and update them in about 3 s with UpdateMultiple, network included; that is roughly
 * 8–30 ms of server time per row written, so 8 ms per row written is on the fast side of what a tenant does.
 * A request's own overhead (auth, routing, plug-in pipeline) of 5 ms, and 0.02 ms per row read (a 5000-row page
 * costs 100 ms) keep reads cheap, as they are online. With the 1,200 s per 5 min execution budget this allows
 * about 500 rows written per second per principal, the same order as the ~400/s derived in peers.md §2.2.
 */
export const DATAVERSE_COST: CostModel = Object.freeze({
  perRequestMs: 5,
  perRecordReadMs: 0.02,
  perRecordWrittenMs: 8,
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
 * Waits the server time the work costs and returns it (to feed `Admitted.done`). An aborted signal (the client
 * went away) ends the wait early without throwing.
 */
export async function spendServerTime(cost: CostModel, work: Work = {}, signal?: AbortSignal): Promise<number> {
  const ms = serverTimeMs(cost, work);
  if (ms > 0) await delay(ms, undefined, { signal }).catch(() => undefined);
  return ms;
}
