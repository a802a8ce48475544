// A page's rows read from a storage index of their order (emulators/odata/indexed.ts) instead of filtering and
// sorting the whole table for every page: `$orderby=lastModifiedDateTime asc` pages of 100,000 customers cost what
// they return. BC's skiptoken is an offset into the matching rows; the first row of a page is found by position
// when every row of the index range matches (a `lastModifiedDateTime ge …` filter alone), else from where the
// previous page of the same query stopped (remembered until the table changes), else by counting from the start.
import {
  boundRange,
  evaluateFilter,
  type FilterExpr,
  orderIndex,
  type QueryOptions,
  walkable,
} from "../../odata/index.ts";
import type { EntityDef, Row } from "../entities/types.ts";
import type { CompanyStore } from "../store/database.ts";
import { pageRow, pageRows } from "./pages.ts";
import { evalContext, orderKeys } from "./query.ts";

/** Where a list's rows come from: a page of a company, optionally the lines of one parent. */
export interface PageSource {
  store: CompanyStore;
  parent?: { column: string; id: string };
}

const inParent = (parent: PageSource["parent"]) => (row: Row) => !parent || row[parent.column] === parent.id;

/** Every row of the source, as `pageRows` gives them. */
export function sourceRows(def: EntityDef, source: PageSource): Row[] {
  const rows = pageRows(def, source.store);
  return source.parent ? rows.filter(inParent(source.parent)) : rows;
}

/** The rows of the source with these (lower-cased) ids, looked up by key instead of filtering every row. */
export function sourceRowsById(def: EntityDef, source: PageSource, ids: Set<string>): Row[] {
  if (def.computed) return sourceRows(def, source).filter((r) => ids.has(String(r.id).toLowerCase()));
  const out: Row[] = [];
  const parent = inParent(source.parent);
  for (const id of ids) {
    const row = pageRow(def, source.store, id);
    if (row && parent(row)) out.push(row);
  }
  return out;
}

/** The source's first row (the sample `plainFields` looks at), without filtering every row. */
export function firstRow(def: EntityDef, source: PageSource): Row | undefined {
  if (def.computed) return sourceRows(def, source)[0];
  const parent = inParent(source.parent);
  return source.store.rows(def.table).find((r) => (!def.scope || def.scope(r)) && parent(r));
}

interface Cursor {
  /** Position in the index of the row with this rank among the matching rows. */
  position: number;
}

/**
 * One page of stored rows from the index, or undefined when the query is not one it serves (a computed page, a
 * page without ids, an order on unknown or nested fields, a filter that must be evaluated on every row). The
 * caller checked that every field the filter and the order read is stored as shown (its fast path). `paging`
 * decodes the skiptoken and the page size (and throws their errors) once the index is known to serve.
 * Same rows and next page as the fast path's filter + sort + slice: `more` when a row matches past `pageEnd`.
 */
export function indexedPage(
  def: EntityDef,
  source: PageSource,
  filter: FilterExpr | undefined,
  options: QueryOptions,
  paging: () => { offset: number; pageSize: number },
): { page: Row[]; pageEnd: number; more: boolean } | undefined {
  if (def.computed || !("id" in def.fields) || options.count) return undefined;
  const order = orderKeys(def, options);
  if (order.some((k) => k.path.length !== 1 || !(k.path[0] in def.fields))) return undefined;
  if (!walkable(filter)) return undefined;
  const { offset, pageSize } = paging();
  const topEnd = options.top !== undefined ? (options.skip ?? 0) + options.top : Number.POSITIVE_INFINITY;
  const pageEnd = offset + pageSize;
  // Rows of ranks [offset, last) are the page; one of rank pageEnd means a next page (when $top allows one).
  const last = Math.min(topEnd, pageEnd);
  const wantsMore = pageEnd < topEnd;
  const { store } = source;
  const keys = [...order, { path: ["id"], descending: false }];
  const { name, spec } = orderIndex(keys, true);
  const index = store.index(def.table, name, spec);
  const get = (id: string) => store.get(def.table, id) as Row;
  const range = boundRange(index, keys[0], filter, (bound, id) => evaluateFilter(bound, get(id), evalContext));
  const page: Row[] = [];
  if (range.exact && !def.scope && !source.parent) {
    // Every row of the range matches: ranks are positions.
    const count = range.to - range.from;
    const end = Math.min(last, count);
    if (offset < end)
      for (const entry of index.entries(range.from + offset)) {
        if (page.length === end - offset) break;
        page.push(get(entry.id));
      }
    return { page, pageEnd, more: wantsMore && pageEnd < count };
  }
  if (last <= offset && !wantsMore) return { page, pageEnd, more: false };
  // Counting matches from the range's start, or from where the previous page of this query stopped.
  const cursors = store.memo(def.table, "indexed page cursors", () => new Map<string, Cursor>());
  const query = `${def.set}|${source.parent?.column}=${source.parent?.id}|${name}|${JSON.stringify(filter ?? null)}`;
  const resume = offset > 0 ? cursors.get(`${query}|${offset}`) : undefined;
  let rank = resume ? offset : 0;
  let position = resume ? resume.position : range.from;
  let more = false;
  const parent = inParent(source.parent);
  for (const entry of index.entries(position)) {
    if (position >= range.to) break;
    const row = get(entry.id);
    if ((!def.scope || def.scope(row)) && parent(row) && (!filter || evaluateFilter(filter, row, evalContext))) {
      if (rank === pageEnd && wantsMore) {
        more = true;
        if (cursors.size > 256) cursors.clear();
        cursors.set(`${query}|${pageEnd}`, { position });
        break;
      }
      if (rank >= offset && rank < last) page.push(row);
      rank++;
      if (rank >= last && !wantsMore) break;
    }
    position++;
  }
  return { page, pageEnd, more };
}
