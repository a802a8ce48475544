// System query options: parsing ($select, $filter, $orderby, $top, $skip, $count, $expand with nested options,
// $skiptoken, $deltatoken, parameter aliases) and the generic list operations (filter, order, project).
import { type EvalContext, evaluateFilter, orderValues, type Row } from "./evaluate.ts";
import { type FilterExpr, parseFilter } from "./filter.ts";

export interface OrderKey {
  path: string[];
  descending: boolean;
}

export interface ExpandOption {
  property: string;
  options: QueryOptions;
  /** `nav/$ref`: references instead of entities. */
  ref?: boolean;
}

export interface QueryOptions {
  select?: string[];
  filter?: FilterExpr;
  /** The $filter text as sent (decoded), for services that need to re-check it. */
  filterText?: string;
  orderby?: OrderKey[];
  top?: number;
  skip?: number;
  count?: boolean;
  expand?: ExpandOption[];
  skiptoken?: string;
  deltatoken?: string;
  /** The `$apply` text as sent (decoded); services that support aggregation parse it themselves. */
  apply?: string;
  /** Parameter aliases (`@p1`), without the `@`. */
  aliases: Record<string, string>;
  /** Every `$`-option present, by name (for services that reject some: `$skip`, `$search`, `$format`...). */
  present: string[];
  /** Non-`$` non-`@` parameters (e.g. BC's `company`), decoded. */
  custom: Record<string, string>;
}

export type QueryParse = { ok: true; options: QueryOptions } | { ok: false; message: string };

const KNOWN = new Set([
  "$select",
  "$filter",
  "$orderby",
  "$top",
  "$skip",
  "$count",
  "$expand",
  "$skiptoken",
  "$deltatoken",
  "$apply",
  "$search",
  "$format",
  "$schemaversion",
  "$id",
]);

/** Parses a raw query string (without `?`). Query option names are case-sensitive, as in Dataverse. */
export function parseQueryString(query: string): QueryParse {
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decode(part.slice(eq + 1));
    pairs.push([name, value]);
  }
  return parseOptionPairs(pairs, "&");
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, "%20"));
  } catch {
    return s;
  }
}

function parseOptionPairs(
  pairs: [string, string][],
  _sep: string,
  inheritedAliases?: Record<string, string>,
): QueryParse {
  const aliases: Record<string, string> = { ...inheritedAliases };
  const custom: Record<string, string> = {};
  const present: string[] = [];
  for (const [name, value] of pairs) {
    if (name.startsWith("@")) aliases[name.slice(1)] = value;
    else if (!name.startsWith("$")) custom[name] = value;
  }
  const options: QueryOptions = { aliases, present, custom };
  for (const [name, value] of pairs) {
    if (!name.startsWith("$")) continue;
    if (!KNOWN.has(name)) return { ok: false, message: `The query parameter ${name} is not supported` };
    present.push(name);
    switch (name) {
      case "$select":
        options.select = splitTopLevel(value, ",")
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case "$filter": {
        const parsed = parseFilter(value, aliases);
        if (!parsed.ok) return parsed;
        options.filter = parsed.expr;
        options.filterText = value;
        break;
      }
      case "$orderby": {
        const keys: OrderKey[] = [];
        for (const item of splitTopLevel(value, ",")) {
          const [path, dir, extra] = item.trim().split(/\s+/);
          const resolved = path?.startsWith("@") ? aliases[path.slice(1)] : path;
          if (!resolved || extra || (dir && dir !== "asc" && dir !== "desc")) {
            return { ok: false, message: `Syntax error in $orderby '${value}'.` };
          }
          keys.push({ path: resolved.split("/"), descending: dir === "desc" });
        }
        options.orderby = keys;
        break;
      }
      case "$top":
      case "$skip": {
        if (!/^\d+$/.test(value)) {
          return { ok: false, message: `Invalid value '${value}' for ${name} query option found.` };
        }
        options[name === "$top" ? "top" : "skip"] = Number(value);
        break;
      }
      case "$count":
        if (value !== "true" && value !== "false") {
          return { ok: false, message: `'${value}' is not a valid count option.` };
        }
        options.count = value === "true";
        break;
      case "$expand": {
        const expand = parseExpand(value, aliases);
        if (!expand.ok) return expand;
        options.expand = expand.items;
        break;
      }
      case "$skiptoken":
        options.skiptoken = value;
        break;
      case "$deltatoken":
        options.deltatoken = value;
        break;
      case "$apply":
        options.apply = value;
        break;
      default:
        break;
    }
  }
  return { ok: true, options };
}

function parseExpand(
  text: string,
  aliases: Record<string, string>,
): { ok: true; items: ExpandOption[] } | { ok: false; message: string } {
  const items: ExpandOption[] = [];
  for (const raw of splitTopLevel(text, ",")) {
    const item = raw.trim();
    if (!item) continue;
    const open = item.indexOf("(");
    if (open < 0) {
      const ref = item.endsWith("/$ref");
      items.push({
        property: ref ? item.slice(0, -"/$ref".length) : item,
        options: { aliases, present: [], custom: {} },
        ...(ref ? { ref } : {}),
      });
      continue;
    }
    if (!item.endsWith(")")) return { ok: false, message: `Syntax error in $expand '${text}'.` };
    const inner = item.slice(open + 1, -1);
    const pairs: [string, string][] = splitTopLevel(inner, ";").map((p) => {
      const eq = p.indexOf("=");
      return [p.slice(0, eq < 0 ? p.length : eq).trim(), eq < 0 ? "" : p.slice(eq + 1)];
    });
    const nested = parseOptionPairs(pairs, ";", aliases);
    if (!nested.ok) return nested;
    items.push({ property: item.slice(0, open).trim(), options: nested.options });
  }
  return { ok: true, items };
}

/** Splits on `sep` outside parentheses, brackets and single-quoted strings. */
export function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p, i) => p.length > 0 || i > 0);
}

/** Filters rows; errors from the evaluator propagate (FilterEvalError) for the service to map. */
/**
 * The key values a filter limits rows to, when it is an `or` of `<keyColumn> eq <literal>` (as clients send
 * lists of ids: `accountid eq … or accountid eq …`), alone or as one side of a top-level `and`; undefined
 * otherwise. A service looks these rows up by key instead of evaluating the whole filter on every row of the
 * table, so such a query costs the same at 100 rows or 100,000. The filter is still applied to the rows found.
 */
export function keyValues(
  filter: FilterExpr | undefined,
  keyColumn: string,
  /** Also `Microsoft.Dynamics.CRM.In(PropertyName='<keyColumn>',PropertyValues=[…])` (Dataverse's query function). */
  crmIn = false,
): string[] | undefined {
  if (!filter) return undefined;
  if (filter.kind === "and")
    return keyValues(filter.left, keyColumn, crmIn) ?? keyValues(filter.right, keyColumn, crmIn);
  const values: string[] = [];
  const pending: FilterExpr[] = [filter];
  while (pending.length > 0) {
    const e = pending.pop()!;
    if (e.kind === "or") {
      pending.push(e.left, e.right);
      continue;
    }
    if (crmIn && e.kind === "function" && e.namespace === "Microsoft.Dynamics.CRM" && e.name === "In") {
      const name = e.params.PropertyName;
      const list = e.params.PropertyValues;
      if (!name || Array.isArray(name) || String(name.value).toLowerCase() !== keyColumn.toLowerCase())
        return undefined;
      if (!Array.isArray(list) || list.some((l) => l.value === null || l.value === undefined)) return undefined;
      for (const l of list) values.push(String(l.value));
      continue;
    }
    if (e.kind !== "compare" || e.op !== "eq") return undefined;
    const [property, literal] = e.left.kind === "property" ? [e.left, e.right] : [e.right, e.left];
    if (property.kind !== "property" || literal.kind !== "literal") return undefined;
    if (property.path.length !== 1 || property.path[0].toLowerCase() !== keyColumn.toLowerCase()) return undefined;
    if (literal.literal.value === null || literal.literal.value === undefined) return undefined;
    values.push(String(literal.literal.value));
  }
  return values;
}

export function filterRows(rows: Iterable<Row>, filter: FilterExpr | undefined, ctx: EvalContext): Row[] {
  const out: Row[] = [];
  // A list of text values on one column (`productnumber eq 'A' or productnumber eq 'B' …`, as match queries send):
  // a row whose value is none of them (compared as lower-case text, which never drops a match) is passed over
  // without evaluating the whole filter, so each row costs one set lookup instead of one comparison per value.
  // When the filter is the list itself, only the terms with the row's value can match it: those are evaluated
  // instead of the whole `or` (a 100-id companion read evaluated 100 terms on each of its 100 rows: 0.55 s of
  // the emulators' CPU in a 20,000-item sync).
  const list = filter ? textList(filter) : undefined;
  for (const row of rows) {
    if (list) {
      const value = ctx.resolve(row, list.path);
      if (typeof value === "string") {
        const terms = list.values.get(value.toLowerCase());
        if (!terms) continue;
        if (list.whole) {
          if (terms.some((term) => evaluateFilter(term, row, ctx))) out.push(row);
          continue;
        }
      }
    }
    if (!filter || evaluateFilter(filter, row, ctx)) out.push(row);
  }
  return out;
}

/**
 * The text values a filter limits one column to, when it is one `<column> eq '<text>'` or an `or` of them (alone or one side
 * of a top-level `and`), lower-cased, each with its terms; undefined otherwise, or when a value could also compare as a
 * number or a date. `whole`: the filter is the list itself (no `and` beside it).
 */
export function textList(
  filter: FilterExpr,
): { path: string[]; values: Map<string, FilterExpr[]>; whole: boolean } | undefined {
  if (filter.kind === "and") {
    const side = textList(filter.left) ?? textList(filter.right);
    return side ? { ...side, whole: false } : undefined;
  }
  if (filter.kind !== "or" && filter.kind !== "compare") return undefined;
  const values = new Map<string, FilterExpr[]>();
  let path: string[] | undefined;
  const pending: FilterExpr[] = [filter];
  while (pending.length > 0) {
    const e = pending.pop()!;
    if (e.kind === "or") {
      pending.push(e.left, e.right);
      continue;
    }
    if (e.kind !== "compare" || e.op !== "eq") return undefined;
    const [property, literal] = e.left.kind === "property" ? [e.left, e.right] : [e.right, e.left];
    if (property.kind !== "property" || literal.kind !== "literal") return undefined;
    const value = literal.literal.value;
    if (typeof value !== "string" || !Number.isNaN(Number(value)) || !Number.isNaN(Date.parse(value))) return undefined;
    const key = property.path.join("/").toLowerCase();
    if (path && path.join("/").toLowerCase() !== key) return undefined;
    path ??= property.path;
    const lower = value.toLowerCase();
    const terms = values.get(lower);
    if (terms) terms.push(e);
    else values.set(lower, [e]);
  }
  return path ? { path, values, whole: true } : undefined;
}

/** Stable multi-key sort with a final tiebreak on the key column, so pages never overlap or skip rows. */
export function orderRows(rows: Row[], keys: OrderKey[] | undefined, ctx: EvalContext, keyColumn: string): Row[] {
  const all = [...(keys ?? []), { path: [keyColumn], descending: false }];
  return rows.sort((a, b) => {
    for (const key of all) {
      const d = orderValues(ctx.resolve(a, key.path), ctx.resolve(b, key.path), ctx.caseInsensitive);
      if (d !== 0) return key.descending ? -d : d;
    }
    return 0;
  });
}

/** Copies the selected columns (all when `select` is absent); `always` columns are kept regardless. */
export function projectRow(row: Row, select: string[] | undefined, always: string[] = []): Row {
  if (!select || select.length === 0 || select.includes("*")) return { ...row };
  const out: Row = {};
  for (const name of [...always, ...select]) if (name in row) out[name] = row[name];
  return out;
}
