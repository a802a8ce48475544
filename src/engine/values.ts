// Value comparison and hashing shared by the planner. BC writes "" where Dataverse writes null, numbers may
// arrive as strings, and timestamps differ in precision; a spurious difference would write on every run.

import { createHash } from "node:crypto";

const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;
/**
 * Business Central's blank date (`0001-01-01`, or as a timestamp `0001-01-01T00:00:00Z`): "no date". Dataverse has
 * no such value (its dates start in 1753); it is null there (issue 10.9).
 */
const BC_BLANK_DATE = /^0001-01-01(T00:00:00(\.0+)?(Z|[+-]00:00)?)?$/;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Blank in either system: undefined, null, "", the empty GUID or BC's blank date. */
export function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === "" ||
    value === EMPTY_GUID ||
    (typeof value === "string" && BC_BLANK_DATE.test(value))
  );
}

/** BC's blank date, which is written to Dataverse as null. */
export function isBlankDate(value: unknown): boolean {
  return typeof value === "string" && BC_BLANK_DATE.test(value);
}

/** The comparable form of a value: blanks collapse, GUIDs lower-case, ISO timestamps to epoch ms. */
export function canonical(value: unknown): unknown {
  if (isBlank(value)) return null;
  if (typeof value === "string") {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return value.toLowerCase();
    if (ISO_DATE.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return value.length === 10 ? value : ms;
    }
    return value;
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of sortedKeys(value as object)) out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/**
 * An object's keys in `sort()` order, sorting only when they are not in order already. A snapshot hashed per record
 * holds a side pair ({bc, dataverse}, already in order) per field, and V8's sort allocates a work array on every
 * call: those sorts were 15% of the bytes a 20,000-customer full sync allocated (bench/profile-run.ts, sampled).
 * The comparison is sort()'s own (UTF-16 code units), so the order, and every stored hash, is unchanged.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

/** True when two values mean the same thing in either system. */
export function sameValue(a: unknown, b: unknown): boolean {
  const ca = canonical(a);
  const cb = canonical(b);
  if (ca === cb) return true;
  // "12.50" from one side vs 12.5 from the other.
  if (typeof ca === "number" && typeof cb === "string" && cb.trim() !== "" && Number(cb) === ca) return true;
  if (typeof cb === "number" && typeof ca === "string" && ca.trim() !== "" && Number(ca) === cb) return true;
  // A date-only value ("2027-01-15", BC and Dataverse DateOnly) and the same day at midnight UTC as a timestamp.
  if (typeof ca === "string" && typeof cb === "number" && DATE_ONLY.test(ca)) return Date.parse(ca) === cb;
  if (typeof cb === "string" && typeof ca === "number" && DATE_ONLY.test(cb)) return Date.parse(cb) === ca;
  if (typeof ca === "object" && typeof cb === "object" && ca !== null && cb !== null) {
    return JSON.stringify(ca) === JSON.stringify(cb);
  }
  return false;
}

/** Deterministic JSON: keys sorted, values canonical. */
export function stableJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 32);
}

/** Later of two ISO timestamps (either may be missing). */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** a > b for ISO timestamps; a missing b means "never synced", so anything is newer. */
export function isAfter(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return Date.parse(a) > Date.parse(b);
}

export { EMPTY_GUID };
