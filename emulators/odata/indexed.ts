// Ordered reads from a storage index instead of filtering and sorting the whole table on every page: the index
// of an `$orderby` (its keys, then the key column) is kept up to date by the storage on every write, so a page
// costs a binary search to where it starts (a skiptoken's position, or a `modifiedon ge …` bound) and a walk over
// the rows it returns. Same rows, same order, same errors as `filterRows` + `orderRows` (emulators/odata/query.ts):
// the index orders by the same comparison (`orderValues`), and the filter is still evaluated on every row walked.
import type { IndexEntry, IndexSpec, OrderedIndex } from "../runtime/storage.ts";
import { orderValues } from "./evaluate.ts";
import type { FilterExpr, Operand } from "./filter.ts";
import type { OrderKey } from "./query.ts";

/**
 * A value as the index keeps it: `orderValues(sortValue(a), sortValue(b), false)` is
 * `orderValues(a, b, caseInsensitive)` (text is lower-cased once, when the row is written, not on every comparison).
 */
export function sortValue(value: unknown, caseInsensitive: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (!caseInsensitive) return value;
  return String(value).toLowerCase();
}

/** The shape of a key's leading value: canonical ISO date-times of one shape sort as they compare (in time). */
export type TimeShape = "null" | "iso" | "iso-ms" | "other";

export function timeShape(value: unknown): TimeShape {
  if (value === null) return "null";
  if (typeof value !== "string" || (value.length !== 20 && value.length !== 24)) return "other";
  const text = value.toUpperCase();
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return "other";
  const iso = new Date(ms).toISOString();
  if (text === iso) return "iso-ms";
  return text === `${iso.slice(0, 19)}Z` ? "iso" : "other";
}

/** The order indexes kept per table (one per `$orderby` clients send; the least recently used goes first). */
const ORDER_INDEXES = { name: "order", keep: 8 };

/**
 * The index of rows ordered by `keys` (single-segment paths, the last one the key column), as `orderRows` orders
 * them; its name, for `StoreTable.index`.
 */
export function orderIndex(keys: OrderKey[], caseInsensitive: boolean): { name: string; spec: IndexSpec } {
  const columns = keys.map((k) => k.path[0]);
  const descending = keys.map((k) => k.descending);
  const n = keys.length;
  return {
    name: `order${caseInsensitive ? "/ci" : ""}:${keys.map((k) => `${k.path[0]} ${k.descending ? "desc" : "asc"}`).join(",")}`,
    spec: {
      key: (row) => {
        const key = new Array(n);
        for (let i = 0; i < n; i++) key[i] = sortValue(row[columns[i]], caseInsensitive);
        return key;
      },
      compare: (a, b) => {
        for (let i = 0; i < n; i++) {
          const d = orderValues(a[i], b[i], false);
          if (d !== 0) return descending[i] ? -d : d;
        }
        return 0;
      },
      tag: (key) => timeShape(key[0]),
      group: ORDER_INDEXES,
    },
  };
}

/** Where rows past a keyset position start: the first entry after `after` (raw values, as a skiptoken holds them). */
export function positionAfter(
  index: OrderedIndex,
  spec: IndexSpec,
  keys: number,
  after: unknown[],
  caseInsensitive: boolean,
): number {
  const key = new Array(keys);
  for (let i = 0; i < keys; i++) key[i] = sortValue(after[i], caseInsensitive);
  return index.search((e) => spec.compare(e.key, key) > 0);
}

const CALLS = new Set(["tolower", "toupper", "trim", "length", "year", "month", "day"]);

/**
 * Whether a filter can be evaluated on some rows only: its evaluation never throws for one row and not another
 * (the full scan evaluates every row, so an error on any row fails the request). Lambdas, query functions other
 * than `allowed` (whose parameters the service checked already), unknown calls and wildcard patterns built from
 * row values are left to the scan.
 */
export function walkable(filter: FilterExpr | undefined, allowed: ReadonlySet<string> = new Set()): boolean {
  if (!filter) return true;
  const operand = (o: Operand): boolean =>
    o.kind !== "call" || (CALLS.has(o.name) && o.args.length === 1 && o.args.every(operand));
  switch (filter.kind) {
    case "and":
    case "or":
      return walkable(filter.left, allowed) && walkable(filter.right, allowed);
    case "not":
      return walkable(filter.expr, allowed);
    case "compare":
      return operand(filter.left) && operand(filter.right);
    case "truthy":
      return operand(filter.operand);
    case "method": {
      const needle = filter.args[1];
      return (
        filter.args.every(operand) &&
        needle?.kind === "literal" &&
        typeof needle.literal.value === "string" &&
        !needle.literal.value.includes("[")
      );
    }
    case "function":
      return allowed.has(`${filter.namespace}.${filter.name}`);
    case "lambda":
      return false;
  }
}

function conjuncts(filter: FilterExpr | undefined): FilterExpr[] {
  if (!filter) return [];
  if (filter.kind === "and") return [...conjuncts(filter.left), ...conjuncts(filter.right)];
  return [filter];
}

/** `<column> gt|ge|lt|le <date-time literal>` (either way round): a bound on the column's time. */
function isTimeBound(e: FilterExpr, column: string): boolean {
  if (e.kind !== "compare" || !["gt", "ge", "lt", "le"].includes(e.op)) return false;
  const [property, literal] = e.left.kind === "property" ? [e.left, e.right] : [e.right, e.left];
  return (
    property.kind === "property" &&
    property.path.length === 1 &&
    property.path[0] === column &&
    literal.kind === "literal" &&
    (literal.literal.type === "datetime" || literal.literal.type === "date")
  );
}

/**
 * The positions [from, to) outside which no row can pass the filter, from the bounds it puts on the index's leading
 * key (`modifiedon ge …`, `lastModifiedDateTime gt …`, a top-level `and` term each), found by binary search: every
 * stored value of that key is a canonical date-time of one shape (or null), so along the index the bound is false,
 * then true (or true, then false), and null never passes it. `exact`: the filter is those bounds and nothing else,
 * so every row in the range passes. `passes(bound, id)` evaluates one bound on one row.
 */
export function boundRange(
  index: OrderedIndex,
  leading: OrderKey,
  filter: FilterExpr | undefined,
  passes: (bound: FilterExpr, id: string) => boolean,
): { from: number; to: number; exact: boolean } {
  const terms = conjuncts(filter);
  const bounds = leading.path.length === 1 ? terms.filter((t) => isTimeBound(t, leading.path[0])) : [];
  const all = { from: 0, to: index.size, exact: terms.length === 0 };
  if (bounds.length === 0) return all;
  if (index.tagCount("other") > 0 || (index.tagCount("iso") > 0 && index.tagCount("iso-ms") > 0)) return all;
  // Nulls sort first ascending, last descending; no bound passes them.
  let from = leading.descending ? 0 : index.search((e) => e.key[0] !== null);
  let to = leading.descending ? index.search((e) => e.key[0] === null) : index.size;
  const at = (position: number): IndexEntry => index.entries(position).next().value as IndexEntry;
  for (const bound of bounds) {
    if (from >= to) break;
    const first = passes(bound, at(from).id);
    const last = passes(bound, at(to - 1).id);
    if (first && last) continue;
    if (!first && !last) to = from;
    else if (last) from = index.search((e) => passes(bound, e.id), from, to);
    else to = index.search((e) => !passes(bound, e.id), from, to);
  }
  return { from, to: Math.max(from, to), exact: bounds.length === terms.length };
}
