// Rows whose columns hold given values, from an ordered index of those columns (StoreTable.index) instead of a
// scan: a uniqueness check, the lines of one document or the rows referencing a deleted one cost what they find.
import type { IndexSpec, StoredRow, StoreTable } from "./storage.ts";

/** Kinds of values in the order an equality index sorts them; values `===` each other are neighbours. */
function kindOf(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null) return 1;
  if (typeof v === "boolean") return 2;
  if (typeof v === "number") return Number.isNaN(v) ? 4 : 3;
  if (typeof v === "string") return 5;
  return 6;
}

function compareRaw(a: unknown, b: unknown): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) return ka - kb;
  if (ka === 4) return 0;
  const x = ka === 6 ? String(a) : (a as string);
  const y = ka === 6 ? String(b) : (b as string);
  return x < y ? -1 : x > y ? 1 : 0;
}

const specs = new Map<string, IndexSpec>();

function equalityIndex(columns: string[]): { name: string; spec: IndexSpec } {
  const name = `equal:${columns.join(",")}`;
  let spec = specs.get(name);
  if (!spec) {
    spec = {
      key: (row) => columns.map((c) => row[c]),
      compare: (a, b) => {
        for (let i = 0; i < columns.length; i++) {
          const d = compareRaw(a[i], b[i]);
          if (d !== 0) return d;
        }
        return 0;
      },
    };
    specs.set(name, spec);
  }
  return { name, spec };
}

/**
 * The rows (id, row) whose columns hold exactly (`===`) the given values, in id order (as a scan visits them): from
 * an index of those columns, built on first use and kept up to date by the storage on every write.
 */
export function* rowsWhere<R extends StoredRow>(
  table: StoreTable<R>,
  values: Record<string, unknown>,
): Generator<[string, R]> {
  const columns = Object.keys(values);
  const { name, spec } = equalityIndex(columns);
  const index = table.index(name, spec as IndexSpec<R>);
  const probe = columns.map((c) => values[c]);
  const matches: [string, R][] = [];
  for (const entry of index.entries(index.search((e) => spec.compare(e.key, probe) >= 0))) {
    if (spec.compare(entry.key, probe) !== 0) break;
    const row = table.get(entry.id);
    if (row && columns.every((c) => row[c] === values[c])) matches.push([entry.id, row]);
  }
  // Collected first: the caller may write to the table while it goes through them.
  yield* matches;
}
