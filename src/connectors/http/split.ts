// Isolating the record that makes a whole $batch/bulk request fail (issue 14.3). A request that carries many
// records and is refused as a whole would otherwise fail every record in it; halving it until the refusal comes
// back for a single record lets every other record through and leaves the error with the one that caused it.
import { CONNECTOR_SERVICE_ERROR } from "../../errors/codes/connectors.ts";
import type { BcsyncError } from "../../errors/define.ts";
import type { Result } from "../result.ts";

/**
 * Whether a request that failed as a whole may have failed because of one of its records, and may be sent again
 * in parts. Only answers of the service count: a 4xx refused the whole request before anything ran (401/403 are
 * the caller's credentials, 408/429 are load, never a record), and a 500 to a request that may be repeated
 * (`idempotent`) can be a record the service chokes on. A gateway's 502/503/504, a lost connection (outcome
 * unknown) and an unreachable service say nothing about the records: sending more requests would only add load,
 * and an unrepeatable create whose outcome is unknown must never be sent again.
 */
export function isSplittable(error: BcsyncError, idempotent: boolean): boolean {
  if (error.code !== CONNECTOR_SERVICE_ERROR.code) return false;
  const status = Number((error.params as { httpStatus?: unknown }).httpStatus);
  if (status === 500) return idempotent;
  return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 408 && status !== 429;
}

/**
 * Sends `items` with `send` (one request, one result per item). When the request fails as a whole with a
 * splittable error, each half is sent on its own, recursively; a single item that still fails gets that error.
 * At most 2n − 1 requests for n items, and only while requests keep failing.
 */
export async function sendIsolating<T, R>(
  items: readonly T[],
  send: (part: readonly T[]) => Promise<Result<R[]>>,
  options: { idempotent: boolean; failed: (item: T, error: BcsyncError) => R },
): Promise<R[]> {
  if (items.length === 0) return [];
  const res = await send(items);
  if (res.ok) return res.value;
  if (items.length === 1 || !isSplittable(res.error, options.idempotent)) {
    return items.map((item) => options.failed(item, res.error));
  }
  const half = Math.ceil(items.length / 2);
  const first = await sendIsolating(items.slice(0, half), send, options);
  const second = await sendIsolating(items.slice(half), send, options);
  return [...first, ...second];
}
