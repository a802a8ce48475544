// Evaluates a parsed $filter against one row. Property access is delegated to the service (lookups, navigation,
// lambda collections), so the same evaluator serves Dataverse and Business Central.
import type { CompareOp, FilterExpr, Literal, Operand } from "./filter.ts";

export type Row = Record<string, unknown>;

export interface EvalContext {
  /** Value of a property path on a row; navigation segments are the service's business. undefined = null. */
  resolve(row: Row, path: string[]): unknown;
  /** Rows of a collection-valued navigation property (for any/all). */
  resolveCollection?(row: Row, path: string[]): Row[];
  /** Dataverse compares strings case-insensitively (SQL collation); BC too. */
  caseInsensitive: boolean;
  /** Treat `%`, `_`, `[..]` in contains/startswith/endswith values as SQL LIKE wildcards (Dataverse). */
  likeWildcards?: boolean;
  /** Namespace-qualified functions, keyed `Namespace.Name`. */
  functions?: Record<string, FilterFunction>;
  now?: () => Date;
  /** The calling user's id, for EqualUserId and friends. */
  userId?: string;
  /** The calling user's business unit, for EqualBusinessId. */
  businessUnitId?: string;
  /** The teams the calling user is a member of, for EqualUserTeams and EqualUserOrUserTeams. */
  teamIds?: () => string[];
  /**
   * The value a query function's PropertyName designates (Dataverse names a lookup by its attribute, `ownerid`,
   * whose value is `_ownerid_value`); `resolve` on the `/`-split name when absent.
   */
  resolveFunctionProperty?(row: Row, name: string): unknown;
}

export type FilterFunction = (params: Record<string, Literal | Literal[]>, row: Row, ctx: EvalContext) => boolean;

/** Thrown for evaluation-time problems the caller reports as a bad request (unknown function, bad argument). */
export class FilterEvalError extends Error {}

export function evaluateFilter(expr: FilterExpr, row: Row, ctx: EvalContext, scope: Record<string, Row> = {}): boolean {
  switch (expr.kind) {
    case "and":
      return evaluateFilter(expr.left, row, ctx, scope) && evaluateFilter(expr.right, row, ctx, scope);
    case "or":
      return evaluateFilter(expr.left, row, ctx, scope) || evaluateFilter(expr.right, row, ctx, scope);
    case "not":
      return !evaluateFilter(expr.expr, row, ctx, scope);
    case "compare":
      return compareValues(
        expr.op,
        operandValue(expr.left, row, ctx, scope),
        operandValue(expr.right, row, ctx, scope),
        ctx,
      );
    case "method":
      return stringMethod(
        expr.name,
        operandValue(expr.args[0], row, ctx, scope),
        operandValue(expr.args[1], row, ctx, scope),
        ctx,
      );
    case "truthy":
      return operandValue(expr.operand, row, ctx, scope).value === true;
    case "function": {
      const fn = ctx.functions?.[`${expr.namespace}.${expr.name}`];
      if (!fn) throw new FilterEvalError(`'${expr.namespace}.${expr.name}' is not a valid function.`);
      return fn(expr.params, row, ctx);
    }
    case "lambda": {
      // A nested lambda's collection hangs off the outer one's variable (`c/opportunity_customer_contacts`).
      const [head, ...rest] = expr.path;
      const items =
        (head !== undefined && scope[head] && rest.length
          ? ctx.resolveCollection?.(scope[head], rest)
          : ctx.resolveCollection?.(row, expr.path)) ?? [];
      if (!expr.predicate) return items.length > 0;
      const predicate = expr.predicate;
      const test = (item: Row) => evaluateFilter(predicate, row, ctx, { ...scope, [expr.variable]: item });
      return expr.quantifier === "any" ? items.some(test) : items.every(test);
    }
  }
}

/** A value with the type it should be compared as (taken from the literal side when there is one). */
interface Typed {
  value: unknown;
  type?: Literal["type"];
}

function operandValue(operand: Operand, row: Row, ctx: EvalContext, scope: Record<string, Row>): Typed {
  switch (operand.kind) {
    case "literal":
      return { value: operand.literal.value, type: operand.literal.type };
    case "property": {
      const [head, ...rest] = operand.path;
      if (head !== undefined && scope[head]) return { value: rest.length ? ctx.resolve(scope[head], rest) : null };
      return { value: ctx.resolve(row, operand.path) };
    }
    case "call": {
      const args = operand.args.map((a) => operandValue(a, row, ctx, scope).value);
      return { value: callValue(operand.name, args) };
    }
  }
}

function callValue(name: string, args: unknown[]): unknown {
  const [a] = args;
  if (a === null || a === undefined) return null;
  switch (name) {
    case "tolower":
      return String(a).toLowerCase();
    case "toupper":
      return String(a).toUpperCase();
    case "trim":
      return String(a).trim();
    case "length":
      return String(a).length;
    case "year":
      return new Date(String(a)).getUTCFullYear();
    case "month":
      return new Date(String(a)).getUTCMonth() + 1;
    case "day":
      return new Date(String(a)).getUTCDate();
    default:
      throw new FilterEvalError(`The function '${name}' is not supported.`);
  }
}

/** Normalises both sides to comparable primitives. Returns null when either side is null. */
function comparable(left: Typed, right: Typed, ctx: EvalContext): [unknown, unknown] {
  const type = left.type ?? right.type;
  return [normalised(left.value, type, ctx.caseInsensitive), normalised(right.value, type, ctx.caseInsensitive)];
}

/** One side of a comparison as a primitive (a module function, not a closure made on every comparison). */
function normalised(v: unknown, type: Typed["type"], caseInsensitive: boolean): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "date":
    case "datetime": {
      const ms = Date.parse(String(v));
      return Number.isNaN(ms) ? String(v) : ms;
    }
    case "number":
      return typeof v === "number" ? v : Number(v);
    case "guid":
      return String(v).toLowerCase();
    case "boolean":
      return v === true || v === "true";
    default:
      if (typeof v === "string") return caseInsensitive ? v.toLowerCase() : v;
      return v;
  }
}

export function compareValues(op: CompareOp, left: Typed, right: Typed, ctx: EvalContext): boolean {
  const [a, b] = comparable(left, right, ctx);
  if (a === null || b === null) {
    if (op === "eq") return a === b;
    if (op === "ne") return a !== b;
    return false;
  }
  const order = a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
  switch (op) {
    case "eq":
      return order === 0;
    case "ne":
      return order !== 0;
    case "gt":
      return order > 0;
    case "ge":
      return order >= 0;
    case "lt":
      return order < 0;
    case "le":
      return order <= 0;
  }
}

function stringMethod(name: string, hay: Typed, needle: Typed, ctx: EvalContext): boolean {
  if (hay.value === null || hay.value === undefined || needle.value === null || needle.value === undefined)
    return false;
  const h = ctx.caseInsensitive ? String(hay.value).toLowerCase() : String(hay.value);
  const n = ctx.caseInsensitive ? String(needle.value).toLowerCase() : String(needle.value);
  if (ctx.likeWildcards && /[%_[]/.test(n)) {
    const body = likeToRegex(n);
    const pattern = name === "contains" ? body : name === "startswith" ? `^${body}` : `${body}$`;
    return new RegExp(pattern, "s").test(h);
  }
  if (name === "contains") return h.includes(n);
  if (name === "startswith") return h.startsWith(n);
  return h.endsWith(n);
}

function likeToRegex(like: string): string {
  let out = "";
  for (let i = 0; i < like.length; i++) {
    const c = like[i];
    if (c === "%") out += ".*";
    else if (c === "_") out += ".";
    else if (c === "[") {
      const end = like.indexOf("]", i + 1);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      const set = like.slice(i + 1, end).replace(/\\/g, "\\\\");
      out += set.startsWith("^") ? `[^${set.slice(1)}]` : `[${set}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|\\\]]/g, "\\$&");
  }
  return out;
}

/** Generic value ordering for $orderby: nulls first ascending (SQL Server), numbers numerically, strings by ctx. */
export function orderValues(a: unknown, b: unknown, caseInsensitive: boolean): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const sa = caseInsensitive ? String(a).toLowerCase() : String(a);
  const sb = caseInsensitive ? String(b).toLowerCase() : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
