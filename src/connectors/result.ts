// Results as values at the connector boundary: the engine needs per-record outcomes, not exceptions.
import type { BcsyncError } from "../errors/define.ts";

export type Result<T> = { ok: true; value: T } | { ok: false; error: BcsyncError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: BcsyncError): Result<T> {
  return { ok: false, error };
}
