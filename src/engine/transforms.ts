// The registry of small named transforms a field mapping may refer to (`transform: { name, args }`).
// Each transform knows both passes, so a bidirectional field round-trips (e.g. `prefix` adds on the way to
// Dataverse and strips on the way back). They are pure; a failure is a value naming the reason.

import type { PassDirection } from "./model.ts";
import { isBlank } from "./values.ts";

export type TransformOutcome = { ok: true; value: unknown } | { ok: false; reason: string };
export type TransformFn = (
  value: unknown,
  args: Record<string, unknown>,
  pass: PassDirection,
  /** The source record's values (read-only), for transforms that fall back to another field. */
  record?: Readonly<Record<string, unknown>>,
) => TransformOutcome;

const ok = (value: unknown): TransformOutcome => ({ ok: true, value });
const fail = (reason: string): TransformOutcome => ({ ok: false, reason });
const asText = (value: unknown): string | null => (isBlank(value) ? null : String(value));

function numberArg(args: Record<string, unknown>, name: string): number | undefined {
  const v = args[name];
  return typeof v === "number" ? v : undefined;
}

export const transforms: Record<string, TransformFn> = {
  /** Strip surrounding white space. */
  trim: (value) => ok(typeof value === "string" ? value.trim() : value),
  /** BC Code fields are upper case (the destination compares upper-cased, trimmed source). */
  uppercase: (value) => ok(typeof value === "string" ? value.trim().toUpperCase() : value),
  lowercase: (value) => ok(typeof value === "string" ? value.toLowerCase() : value),
  /** Cut text to the destination length: `{ maxLength }` (BC truncates longer text). */
  truncate: (value, args) => {
    const max = numberArg(args, "maxLength");
    if (max === undefined || max < 0) return fail("maxLength must be a non-negative number");
    return ok(typeof value === "string" && value.length > max ? value.slice(0, max) : value);
  },
  /**
   * Replace a blank value: `{ value }`, or `{ fromField }` for the source's value of another field (BC's currency
   * hook gives a currency without a symbol its code as the Sales symbol).
   */
  default: (value, args, _pass, record) => {
    if (!isBlank(value)) return ok(value);
    if (typeof args.fromField === "string") return ok(record?.[args.fromField] ?? null);
    return ok(args.value ?? null);
  },
  /** Round a number: `{ decimals }` (default 2). */
  round: (value, args) => {
    if (isBlank(value)) return ok(value);
    const n = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(n)) return fail(`${JSON.stringify(value)} is not a number`);
    const factor = 10 ** (numberArg(args, "decimals") ?? 2);
    return ok(Math.round(n * factor) / factor);
  },
  /** Negative numbers become `{ min }` (default 0): Dataverse rejects negative prices and quantities. */
  clampMin: (value, args) => {
    if (isBlank(value)) return ok(value);
    const n = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(n)) return fail(`${JSON.stringify(value)} is not a number`);
    return ok(Math.max(n, numberArg(args, "min") ?? 0));
  },
  /** BC "Amount Decimal Places" (`2:2`, `2:5`, `0`) → the most decimals it allows, as a number (BC → DV only). */
  decimalPlaces: (value) => {
    const text = asText(value);
    if (text === null) return ok(null);
    const max = Number(text.split(":").pop());
    if (!Number.isInteger(max) || max < 0) return fail(`${text} is not a decimal places setting such as 2:5`);
    return ok(max);
  },
  /** Keep the date of a timestamp (YYYY-MM-DD). */
  dateOnly: (value) => {
    const text = asText(value);
    if (text === null) return ok(null);
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) return fail(`${text} is not a date`);
    return ok(new Date(ms).toISOString().slice(0, 10));
  },
  /** Add `{ value }` in front on the way to Dataverse, strip it on the way back. */
  prefix: (value, args, pass) => {
    const p = typeof args.value === "string" ? args.value : "";
    const text = asText(value);
    if (text === null) return ok(null);
    if (pass === "toDataverse") return ok(text.startsWith(p) ? text : p + text);
    return ok(text.startsWith(p) ? text.slice(p.length) : text);
  },
  /** Translate values through `{ values: { bcValue: dvValue } }`; the reverse map is used from Dataverse. */
  map: (value, args, pass) => {
    const table = (args.values ?? {}) as Record<string, unknown>;
    const key = value === null || value === undefined ? "" : String(value);
    if (pass === "toDataverse") return key in table ? ok(table[key]) : ok(args.fallback ?? value);
    for (const [from, to] of Object.entries(table)) if (String(to) === key) return ok(from);
    return ok(args.fallback ?? value);
  },
  /** A boolean on one side, two values on the other: `{ true, false }` (e.g. blocked ↔ statecode). */
  boolean: (value, args, pass) => {
    const t = args.true ?? 1;
    const f = args.false ?? 0;
    if (pass === "toDataverse") return ok(value === true || value === "true" ? t : f);
    return ok(String(value) === String(t));
  },
};

export function isKnownTransform(name: string): boolean {
  return Object.hasOwn(transforms, name);
}
