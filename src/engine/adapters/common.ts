// Shared by the adapters: turning a connector error into a port error, and OData literals.

import type { BcsyncError } from "../../errors/define.ts";
import type { MatchCondition } from "../matching.ts";
import type { WriteBudget } from "../pipeline/write.ts";
import type { CreateItem, PortError, PortResult, WriteOutcome } from "../ports.ts";
import type { SideRecord } from "../records.ts";

const TRANSIENT = new Set([
  "BCSYNC_E_CONNECTOR_THROTTLED",
  "BCSYNC_E_CONNECTOR_TIMEOUT",
  "BCSYNC_E_CONNECTOR_UNAVAILABLE",
  // The sign-in authority down or out of reach: no record is at fault.
  "BCSYNC_E_CONNECTOR_AUTHORITY_UNREACHABLE",
  "BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT",
  "BCSYNC_E_CONNECTOR_OUTCOME_UNKNOWN",
  // A body cut short or re-encoded on the way (a proxy, a dropped connection) reads fine when asked again.
  "BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE",
]);

/** A connector error as the runner logs it; throttling, timeouts, 5xx and lost updates never count toward skips. */
export function portError(error: BcsyncError): PortError {
  const params = error.params as { httpStatus?: number; requestId?: string; serviceMessage?: string; field?: string };
  const status = typeof params.httpStatus === "number" ? params.httpStatus : undefined;
  return {
    code: error.code,
    message: error.message,
    fix: error.fix,
    ...(params.requestId && params.requestId !== "-" ? { requestId: String(params.requestId) } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(params.serviceMessage ? { detail: String(params.serviceMessage) } : {}),
    // The service named the field it refused (a Dataverse payload error): the stored error carries it.
    ...(typeof params.field === "string" && params.field ? { field: params.field } : {}),
    transient: TRANSIENT.has(error.code) || (status !== undefined && (status >= 500 || status === 429)),
  };
}

export function isNotFound(error: BcsyncError): boolean {
  return error.code === "BCSYNC_E_CONNECTOR_NOT_FOUND";
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value);
}

/** An OData literal: GUIDs bare, strings quoted with ' doubled, numbers and booleans as they are. */
export function literal(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = String(value);
  if (GUID.test(text)) return text.toLowerCase();
  return `'${text.replace(/'/g, "''")}'`;
}

export function orEquals(property: string, values: readonly string[]): string {
  if (values.length === 0) return "false";
  return values.map((v) => `${property} eq ${literal(v)}`).join(" or ");
}

export function andConditions(conditions: readonly MatchCondition[]): string {
  return conditions.map((c) => `${c.targetProperty} eq ${literal(c.value)}`).join(" and ");
}

export function andFilters(...filters: (string | undefined)[]): string | undefined {
  const present = filters.filter((f): f is string => f !== undefined && f !== "");
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return present.map((f) => `(${f})`).join(" and ");
}

/** Most write requests worth starting at once when the limits are off (the throttle then admits any number). */
const UNBOUNDED_CONCURRENCY = 64;

/**
 * A client's write budget: the requests its throttles admit at once, summed over its principals (each lowered by
 * the service's 429s and x-ms-dop-hint, so the runner follows the service's answers), and the records one request
 * may carry.
 */
export function writeBudgetOf(states: readonly { effectiveConcurrency: number }[], maxBatch: number): WriteBudget {
  let concurrency = 0;
  for (const s of states) concurrency += Number.isFinite(s.effectiveConcurrency) ? s.effectiveConcurrency : Infinity;
  return { concurrency: Math.max(1, Math.min(UNBOUNDED_CONCURRENCY, concurrency)), maxBatch };
}

/**
 * Creates refused as duplicates whose client-chosen key is on the target: a create that was repeated after a lost
 * answer or a 5xx (issue 14.3: keyed creates are retried) and had applied the first time. The key is a fresh
 * GUID chosen for this record, so the record under it is this create's: it succeeded. Other outcomes are kept.
 */
export async function settleRepeatedCreates(
  getByIds: (ids: readonly string[]) => Promise<PortResult<SideRecord[]>>,
  items: readonly CreateItem[],
  outcomes: WriteOutcome[],
): Promise<WriteOutcome[]> {
  const repeated = outcomes.flatMap((o, i) =>
    !o.ok && o.error.code === "BCSYNC_E_CONNECTOR_DUPLICATE_KEY" && items[i].key ? [i] : [],
  );
  if (repeated.length === 0) return outcomes;
  const found = await getByIds(repeated.map((i) => items[i].key!));
  // Not readable now: the duplicate errors stand, the write intents stay, and the next pass looks the keys up.
  if (!found.ok) return outcomes;
  const byId = new Map(found.value.map((r) => [r.id.toLowerCase(), r]));
  const settled = [...outcomes];
  for (const i of repeated) {
    const record = byId.get(items[i].key!.toLowerCase());
    if (record) settled[i] = { ok: true, id: record.id, record };
  }
  return settled;
}
