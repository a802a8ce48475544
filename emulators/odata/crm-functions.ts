// Dataverse query functions (Microsoft.Dynamics.CRM.*). Dates are evaluated in UTC: the emulator has no user
// time zone settings.
import { type EvalContext, FilterEvalError, type FilterFunction, type Row } from "./evaluate.ts";
import type { Literal } from "./filter.ts";

type Params = Record<string, Literal | Literal[]>;
const NS = "Microsoft.Dynamics.CRM";
const DAY = 86_400_000;

function single(params: Params, name: string): Literal {
  const v = params[name];
  if (!v || Array.isArray(v)) throw new FilterEvalError(`Parameter '${name}' is required and must be a single value.`);
  return v;
}

function many(params: Params, name: string): Literal[] {
  const v = params.PropertyValues ?? params[name];
  if (!v || !Array.isArray(v)) throw new FilterEvalError(`Parameter '${name}' is required and must be an array.`);
  return v;
}

function columnValue(params: Params, row: Row, ctx: EvalContext): unknown {
  const name = single(params, "PropertyName").value;
  return ctx.resolve(row, String(name).split("/"));
}

function sameValue(column: unknown, literal: Literal, ctx: EvalContext): boolean {
  if (column === null || column === undefined) return literal.value === null;
  if (typeof column === "number") return column === Number(literal.value);
  if (typeof column === "boolean") return String(column) === String(literal.value);
  const a = String(column);
  const b = String(literal.value);
  return ctx.caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function toNumberOrTime(v: unknown): number {
  if (typeof v === "number") return v;
  const s = String(v);
  const n = Number(s);
  if (!Number.isNaN(n) && s.trim() !== "") return n;
  return Date.parse(s);
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function columnTime(params: Params, row: Row, ctx: EvalContext): number | undefined {
  const v = columnValue(params, row, ctx);
  if (v === null || v === undefined) return undefined;
  const ms = Date.parse(String(v));
  return Number.isNaN(ms) ? undefined : ms;
}

function literalTime(lit: Literal): number {
  const ms = Date.parse(String(lit.value));
  if (Number.isNaN(ms)) throw new FilterEvalError(`'${lit.value}' is not a valid date.`);
  return ms;
}

const now = (ctx: EvalContext) => (ctx.now ? ctx.now() : new Date()).getTime();

/** Date window [from, to) in days relative to today's start. */
function dayWindow(fromDays: number, toDays: number): (p: Params, r: Row, c: EvalContext) => boolean {
  return (params, row, ctx) => {
    const t = columnTime(params, row, ctx);
    if (t === undefined) return false;
    const today = startOfUtcDay(now(ctx));
    return t >= today + fromDays * DAY && t < today + toDays * DAY;
  };
}

const between = (params: Params, row: Row, ctx: EvalContext): boolean => {
  const [lo, hi] = many(params, "PropertyValues");
  if (!lo || !hi) throw new FilterEvalError("Between requires two values.");
  const v = columnValue(params, row, ctx);
  if (v === null || v === undefined) return false;
  const x = toNumberOrTime(v);
  return x >= toNumberOrTime(lo.value) && x <= toNumberOrTime(hi.value);
};

const userIs = (params: Params, row: Row, ctx: EvalContext): boolean => {
  const v = columnValue(params, row, ctx);
  return typeof v === "string" && !!ctx.userId && v.toLowerCase() === ctx.userId.toLowerCase();
};

const fns: Record<string, FilterFunction> = {
  In: (p, r, c) => {
    const v = columnValue(p, r, c);
    return many(p, "PropertyValues").some((lit) => sameValue(v, lit, c));
  },
  NotIn: (p, r, c) => {
    const v = columnValue(p, r, c);
    return v !== null && v !== undefined && !many(p, "PropertyValues").some((lit) => sameValue(v, lit, c));
  },
  Between: between,
  NotBetween: (p, r, c) => {
    const v = columnValue(p, r, c);
    return v !== null && v !== undefined && !between(p, r, c);
  },
  On: (p, r, c) => {
    const t = columnTime(p, r, c);
    const day = startOfUtcDay(literalTime(single(p, "PropertyValue")));
    return t !== undefined && t >= day && t < day + DAY;
  },
  OnOrAfter: (p, r, c) => {
    const t = columnTime(p, r, c);
    return t !== undefined && t >= startOfUtcDay(literalTime(single(p, "PropertyValue")));
  },
  OnOrBefore: (p, r, c) => {
    const t = columnTime(p, r, c);
    return t !== undefined && t < startOfUtcDay(literalTime(single(p, "PropertyValue"))) + DAY;
  },
  LastXDays: (p, r, c) => {
    const x = Number(single(p, "PropertyValue").value);
    const t = columnTime(p, r, c);
    return t !== undefined && t >= startOfUtcDay(now(c)) - x * DAY && t <= now(c);
  },
  NextXDays: (p, r, c) => {
    const x = Number(single(p, "PropertyValue").value);
    const t = columnTime(p, r, c);
    return t !== undefined && t >= now(c) && t < startOfUtcDay(now(c)) + (x + 1) * DAY;
  },
  LastXHours: (p, r, c) => {
    const x = Number(single(p, "PropertyValue").value);
    const t = columnTime(p, r, c);
    return t !== undefined && t >= now(c) - x * 3_600_000 && t <= now(c);
  },
  OlderThanXDays: (p, r, c) => {
    const x = Number(single(p, "PropertyValue").value);
    const t = columnTime(p, r, c);
    return t !== undefined && t < now(c) - x * DAY;
  },
  Today: dayWindow(0, 1),
  Yesterday: dayWindow(-1, 0),
  Tomorrow: dayWindow(1, 2),
  Last7Days: dayWindow(-7, 1),
  Next7Days: dayWindow(0, 8),
  EqualUserId: userIs,
  NotEqualUserId: (p, r, c) => !userIs(p, r, c),
};

/** The Microsoft.Dynamics.CRM.* functions the emulators evaluate, keyed as the evaluator expects. */
export const CRM_FUNCTIONS: Record<string, FilterFunction> = Object.fromEntries(
  Object.entries(fns).map(([name, fn]) => [`${NS}.${name}`, fn]),
);
