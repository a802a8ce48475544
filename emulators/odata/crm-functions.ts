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
  const name = String(single(params, "PropertyName").value);
  return ctx.resolveFunctionProperty ? ctx.resolveFunctionProperty(row, name) : ctx.resolve(row, name.split("/"));
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

/** Calendar arithmetic in UTC: the start of the week (Sunday), month or year containing `ms`, moved by `n` units. */
function startOf(unit: "week" | "month" | "year", ms: number, n = 0): number {
  const d = new Date(ms);
  if (unit === "week") return startOfUtcDay(ms) - d.getUTCDay() * DAY + n * 7 * DAY;
  if (unit === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  return Date.UTC(d.getUTCFullYear() + n, 0, 1);
}

/** `ms` moved by `n` calendar units (months and years keep the day of month, clamped). */
function shift(ms: number, unit: "minute" | "hour" | "day" | "week" | "month" | "year", n: number): number {
  switch (unit) {
    case "minute":
      return ms + n * 60_000;
    case "hour":
      return ms + n * 3_600_000;
    case "day":
      return ms + n * DAY;
    case "week":
      return ms + n * 7 * DAY;
    default: {
      const d = new Date(ms);
      const months = unit === "month" ? n : n * 12;
      const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
      const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      return Date.UTC(
        target.getUTCFullYear(),
        target.getUTCMonth(),
        Math.min(d.getUTCDate(), last),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCMilliseconds(),
      );
    }
  }
}

/** The calendar period (week, month, year) `n` periods from the current one. */
function period(unit: "week" | "month" | "year", n: number): FilterFunction {
  return (params, row, ctx) => {
    const t = columnTime(params, row, ctx);
    if (t === undefined) return false;
    return t >= startOf(unit, now(ctx), n) && t < startOf(unit, now(ctx), n + 1);
  };
}

const count = (params: Params): number => {
  const x = Number(single(params, "PropertyValue").value);
  if (!Number.isInteger(x) || x < 0) throw new FilterEvalError("PropertyValue must be a non-negative whole number.");
  return x;
};

/** LastX<unit>: from the start of the day X units ago up to now (hours: the last X hours). */
function lastX(unit: "hour" | "day" | "week" | "month" | "year"): FilterFunction {
  return (params, row, ctx) => {
    const t = columnTime(params, row, ctx);
    if (t === undefined) return false;
    const from =
      unit === "hour" ? shift(now(ctx), "hour", -count(params)) : shift(startOfUtcDay(now(ctx)), unit, -count(params));
    return t >= from && t <= now(ctx);
  };
}

/** NextX<unit>: from now to the end of the day X units ahead (hours: the next X hours). */
function nextX(unit: "hour" | "day" | "week" | "month" | "year"): FilterFunction {
  return (params, row, ctx) => {
    const t = columnTime(params, row, ctx);
    if (t === undefined) return false;
    const to =
      unit === "hour"
        ? shift(now(ctx), "hour", count(params))
        : shift(startOfUtcDay(now(ctx)), unit, count(params)) + DAY;
    return t >= now(ctx) && (unit === "hour" ? t <= to : t < to);
  };
}

/** OlderThanX<unit>: before now minus X units. */
function olderThanX(unit: "minute" | "hour" | "day" | "week" | "month" | "year"): FilterFunction {
  return (params, row, ctx) => {
    const t = columnTime(params, row, ctx);
    return t !== undefined && t < shift(now(ctx), unit, -count(params));
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
  LastXHours: lastX("hour"),
  LastXDays: lastX("day"),
  LastXWeeks: lastX("week"),
  LastXMonths: lastX("month"),
  LastXYears: lastX("year"),
  NextXHours: nextX("hour"),
  NextXDays: nextX("day"),
  NextXWeeks: nextX("week"),
  NextXMonths: nextX("month"),
  NextXYears: nextX("year"),
  OlderThanXMinutes: olderThanX("minute"),
  OlderThanXHours: olderThanX("hour"),
  OlderThanXDays: olderThanX("day"),
  OlderThanXWeeks: olderThanX("week"),
  OlderThanXMonths: olderThanX("month"),
  OlderThanXYears: olderThanX("year"),
  Today: dayWindow(0, 1),
  Yesterday: dayWindow(-1, 0),
  Tomorrow: dayWindow(1, 2),
  Last7Days: dayWindow(-7, 1),
  Next7Days: dayWindow(0, 8),
  LastWeek: period("week", -1),
  ThisWeek: period("week", 0),
  NextWeek: period("week", 1),
  LastMonth: period("month", -1),
  ThisMonth: period("month", 0),
  NextMonth: period("month", 1),
  LastYear: period("year", -1),
  ThisYear: period("year", 0),
  NextYear: period("year", 1),
  EqualUserId: userIs,
  NotEqualUserId: (p, r, c) => {
    const v = columnValue(p, r, c);
    return v !== null && v !== undefined && !userIs(p, r, c);
  },
  EqualUserTeams: (p, r, c) => {
    const v = columnValue(p, r, c);
    return typeof v === "string" && (c.teamIds?.() ?? []).some((t) => t.toLowerCase() === v.toLowerCase());
  },
  EqualUserOrUserTeams: (p, r, c) => {
    const v = columnValue(p, r, c);
    if (typeof v !== "string") return false;
    return userIs(p, r, c) || (c.teamIds?.() ?? []).some((t) => t.toLowerCase() === v.toLowerCase());
  },
  EqualBusinessId: (p, r, c) => {
    const v = columnValue(p, r, c);
    return typeof v === "string" && !!c.businessUnitId && v.toLowerCase() === c.businessUnitId.toLowerCase();
  },
  NotEqualBusinessId: (p, r, c) => {
    const v = columnValue(p, r, c);
    return typeof v === "string" && !!c.businessUnitId && v.toLowerCase() !== c.businessUnitId.toLowerCase();
  },
};

/**
 * The parameters each function takes besides PropertyName (reference/<function>.md): `one` = PropertyValue,
 * `many` = PropertyValues. A service checks calls against it before running the query.
 */
export const CRM_FUNCTION_PARAMETERS: Record<string, "none" | "one" | "many"> = Object.fromEntries(
  Object.keys(fns).map((name) => [
    name,
    ["In", "NotIn", "Between", "NotBetween"].includes(name)
      ? "many"
      : /^(Last|Next|OlderThan)X|^On/.test(name)
        ? "one"
        : "none",
  ]),
);

/** The Microsoft.Dynamics.CRM.* functions the emulators evaluate, keyed as the evaluator expects. */
export const CRM_FUNCTIONS: Record<string, FilterFunction> = Object.fromEntries(
  Object.entries(fns).map(([name, fn]) => [`${NS}.${name}`, fn]),
);
