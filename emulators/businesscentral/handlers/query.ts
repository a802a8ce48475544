// Query options on a page's rows, with Business Central's own limits: `or` across different fields is refused,
// lambda operators are ignored, `in` needs `$schemaversion=2.1`; unknown properties are a query syntax error.

import {
  type CompareOp,
  type EvalContext,
  FilterEvalError,
  type FilterExpr,
  type FilterFunction,
  filterPaths,
  filterRows,
  type Literal,
  orderRows,
  projectRow,
  type QueryOptions,
  walkFilter,
} from "../../odata/index.ts";
import { encodeEnum, matchEnum } from "../entities/encoding.ts";
import type { EntityDef, Row } from "../entities/types.ts";
import { bcErrors } from "../errors.ts";

/**
 * `substring(field, start[, length]) op 'text'` (use-filter-expressions-in-odata-uris.md lists `substring` among
 * the supported filters: `substring(Location_Code, 5) eq 'RED'`). The shared evaluator has no `substring`, so
 * checkFilter rewrites such a comparison into this function, whose parameters carry the field, the (0-based,
 * OData) start and length, the operator and the compared literal.
 */
const SUBSTRING = "bc.substring";

const substringCompare: FilterFunction = (params, row) => {
  const one = (name: string) => {
    const p = params[name];
    return Array.isArray(p) ? undefined : p?.value;
  };
  const value = row[String(one("PropertyName"))];
  const start = Number(one("Start"));
  const length = one("Length");
  const text = value === null || value === undefined ? "" : String(value);
  const part = (length === undefined ? text.slice(start) : text.slice(start, start + Number(length))).toLowerCase();
  const other = String(one("Value") ?? "").toLowerCase();
  switch (one("Operator") as CompareOp) {
    case "eq":
      return part === other;
    case "ne":
      return part !== other;
    case "gt":
      return part > other;
    case "ge":
      return part >= other;
    case "lt":
      return part < other;
    case "le":
      return part <= other;
  }
  return false;
};

export const evalContext: EvalContext = {
  resolve: (row, path) => (path.length === 1 ? row[path[0]] : undefined),
  caseInsensitive: true,
  functions: { [SUBSTRING]: substringCompare },
};

const MIRRORED: Record<CompareOp, CompareOp> = { eq: "eq", ne: "ne", gt: "lt", ge: "le", lt: "gt", le: "ge" };

/** Rewrites `substring(p, n[, m]) op 'x'` (either side) into the `bc.substring` function; other nodes unchanged. */
function rewriteSubstring(expr: FilterExpr): FilterExpr {
  switch (expr.kind) {
    case "and":
    case "or":
      return { ...expr, left: rewriteSubstring(expr.left), right: rewriteSubstring(expr.right) };
    case "not":
      return { ...expr, expr: rewriteSubstring(expr.expr) };
    case "compare": {
      const flipped = expr.right.kind === "call" && expr.right.name === "substring";
      const call = flipped ? expr.right : expr.left;
      const other = flipped ? expr.left : expr.right;
      if (call.kind !== "call" || call.name !== "substring") return expr;
      const [field, start, length] = call.args;
      const isNumber = (o: Operand | undefined) =>
        o?.kind === "literal" && typeof o.literal.value === "number" && Number.isInteger(o.literal.value);
      if (
        field?.kind !== "property" ||
        field.path.length !== 1 ||
        !isNumber(start) ||
        (length !== undefined && !isNumber(length)) ||
        call.args.length > 3 ||
        other.kind !== "literal"
      )
        throw bcErrors.querySyntax("The function 'substring' expects a property, a start and an optional length.");
      const params: Record<string, Literal> = {
        PropertyName: { type: "string", value: field.path[0] },
        Start: (start as Extract<Operand, { kind: "literal" }>).literal,
        Operator: { type: "string", value: flipped ? MIRRORED[expr.op] : expr.op },
        Value: { type: "string", value: other.literal.value === null ? "" : String(other.literal.value) },
      };
      if (length) params.Length = (length as Extract<Operand, { kind: "literal" }>).literal;
      return { kind: "function", namespace: "bc", name: "substring", params };
    }
    default:
      return expr;
  }
}

/** Lambdas are silently ignored by BC: replace them with `true`. */
function dropLambdas(expr: FilterExpr): FilterExpr | undefined {
  switch (expr.kind) {
    case "lambda":
      return undefined;
    case "and": {
      const l = dropLambdas(expr.left);
      const r = dropLambdas(expr.right);
      if (!l) return r;
      if (!r) return l;
      return { ...expr, left: l, right: r };
    }
    case "or": {
      const l = dropLambdas(expr.left);
      const r = dropLambdas(expr.right);
      if (!l || !r) return undefined;
      return { ...expr, left: l, right: r };
    }
    case "not": {
      const inner = dropLambdas(expr.expr);
      return inner ? { ...expr, expr: inner } : undefined;
    }
    default:
      return expr;
  }
}

type Operand = Extract<FilterExpr, { kind: "compare" }>["left"];

const isNested = (operand: Operand): boolean => operand.kind === "call" && operand.args.some((a) => a.kind === "call");

function nestsCalls(e: FilterExpr): boolean {
  if (e.kind === "method") return e.args.some((a) => a.kind === "call");
  if (e.kind === "compare") return isNested(e.left) || isNested(e.right);
  if (e.kind === "truthy") return isNested(e.operand);
  return false;
}

function fieldsOf(expr: FilterExpr): Set<string> {
  return new Set(filterPaths(expr).map((p) => p.join("/")));
}

/**
 * Enum literals may name the member plainly (`'In Review'`, `' '`) or as the OData identifier (`'In_x0020_Review'`);
 * rows carry the identifier, so plain names are encoded before comparing.
 */
function encodeEnumLiterals(def: EntityDef, expr: FilterExpr): FilterExpr {
  switch (expr.kind) {
    case "and":
    case "or":
      return { ...expr, left: encodeEnumLiterals(def, expr.left), right: encodeEnumLiterals(def, expr.right) };
    case "not":
      return { ...expr, expr: encodeEnumLiterals(def, expr.expr) };
    case "compare": {
      const enumOf = (o: Operand) => (o.kind === "property" && o.path.length === 1 ? def.fields[o.path[0]] : undefined);
      const encode = (o: Operand, field: ReturnType<typeof enumOf>): Operand => {
        if (field?.type !== "enum" || o.kind !== "literal" || o.literal.type !== "string") return o;
        const member = matchEnum(String(o.literal.value), field.values ?? []);
        return member === undefined ? o : { ...o, literal: { ...o.literal, value: encodeEnum(member) } };
      };
      return { ...expr, left: encode(expr.left, enumOf(expr.right)), right: encode(expr.right, enumOf(expr.left)) };
    }
    default:
      return expr;
  }
}

/** Validates a filter against BC's rules and the page's fields; returns the filter to evaluate. */
export function checkFilter(
  def: EntityDef,
  filter: FilterExpr | undefined,
  schemaVersion?: string,
): FilterExpr | undefined {
  if (!filter) return undefined;
  const effective = dropLambdas(filter);
  if (!effective) return undefined;
  walkFilter(effective, (e) => {
    if (e.kind === "or") {
      const fields = new Set([...fieldsOf(e.left), ...fieldsOf(e.right)]);
      if (fields.size > 1) throw bcErrors.orNotSupported();
    }
    if (e.kind === "function" && schemaVersion !== "2.1")
      throw bcErrors.querySyntax(`The function '${e.namespace}.${e.name}' is not supported.`);
    // use-filter-expressions-in-odata-uris.md: nested calls (`contains(tolower(x), 'a')`) need 2.1.
    if (schemaVersion !== "2.1" && nestsCalls(e))
      throw bcErrors.querySyntax("Nested function calls in filter clauses require $schemaversion=2.1.");
  });
  for (const path of filterPaths(effective)) {
    if (path.length !== 1 || !(path[0] in def.fields))
      throw bcErrors.querySyntax(
        `Could not find a property named '${path.join("/")}' on type 'Microsoft.NAV.${def.entity}'.`,
      );
  }
  return rewriteSubstring(encodeEnumLiterals(def, effective));
}

export function applyFilter(rows: Row[], filter: FilterExpr | undefined): Row[] {
  try {
    return filterRows(rows, filter, evalContext);
  } catch (error) {
    if (error instanceof FilterEvalError) throw bcErrors.querySyntax(error.message);
    throw error;
  }
}

export function applyOrder(def: EntityDef, rows: Row[], options: QueryOptions): Row[] {
  for (const key of options.orderby ?? []) {
    if (key.path.length !== 1 || !(key.path[0] in def.fields))
      throw bcErrors.querySyntax(
        `Could not find a property named '${key.path.join("/")}' on type 'Microsoft.NAV.${def.entity}'.`,
      );
  }
  const keyColumn = "id" in def.fields ? "id" : Object.keys(def.fields)[0];
  return orderRows(rows, options.orderby ?? defaultOrder(def), evalContext, keyColumn);
}

/** The order of a page's rows before the key column's tiebreak: `$orderby`, else the page's default order. */
export function orderKeys(def: EntityDef, options: QueryOptions): { path: string[]; descending: boolean }[] {
  return options.orderby ?? defaultOrder(def);
}

/** The paths the default order reads. */
export function defaultOrderPaths(def: EntityDef): string[][] {
  return defaultOrder(def).map((k) => k.path);
}

/** Without $orderby BC returns rows in primary-key order: document lines by sequence, records by No./Code. */
function defaultOrder(def: EntityDef): { path: string[]; descending: boolean }[] {
  const keys: string[] = [];
  if (def.parent) keys.push(def.parent.foreignKey);
  for (const name of ["sequence", "number", "code", "versionNumber"]) if (name in def.fields) keys.push(name);
  return keys.map((k) => ({ path: [k], descending: false }));
}

export function applySelect(def: EntityDef, row: Row, select: string[] | undefined): Row {
  if (select) {
    for (const name of select) {
      if (name !== "*" && !(name in def.fields) && !def.navigation?.[name] && !def.streams?.[name])
        throw bcErrors.querySyntax(`Could not find a property named '${name}' on type 'Microsoft.NAV.${def.entity}'.`);
    }
  }
  return projectRow(row, select, ["@odata.etag"]);
}
