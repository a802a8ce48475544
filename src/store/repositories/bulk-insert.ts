import { type Compilable, CompiledQuery } from "kysely";
import type { Executor } from "./executor.ts";

/**
 * Runs a multi-row insert built by `build`, compiling its SQL once per shape instead of on every call. Kysely
 * turns each value into a query node, parses and compiles it (tens of µs a row): for the couplings and write
 * intents of a full sync that was more CPU than SQLite's own work. The SQL of a given table, clause, row count and
 * dialect never changes, so it is compiled once (from the first call's rows, its parameters checked against ours)
 * and then run with each call's values in Kysely's order: row by row, columns as the first row lists them.
 */
export async function insertRows<R extends object, O>(
  db: Executor,
  shape: string,
  rows: readonly R[],
  build: (rows: readonly R[]) => Compilable<O> & { execute(): Promise<O[]> },
): Promise<O[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const params: unknown[] = [];
  for (const row of rows) {
    if (Object.keys(row).length !== columns.length) return build(rows).execute();
    for (const c of columns) params.push((row as Record<string, unknown>)[c]);
  }
  const key = `${dialectOf(db)}\u0000${shape}\u0000${columns.join(",")}\u0000${rows.length}`;
  let sql = compiled.get(key);
  if (sql === undefined) {
    const query = build(rows).compile();
    // Only a query whose parameters are exactly the rows' values, in this order, can be reused this way.
    const same = query.parameters.length === params.length && query.parameters.every((p, i) => Object.is(p, params[i]));
    if (!same) return build(rows).execute();
    sql = query.sql;
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, sql);
  }
  const result = await db.executeQuery<O>(CompiledQuery.raw(sql, params));
  return result.rows;
}

const compiled = new Map<string, string>();

/** The dialect's placeholder style ("?" or "$1"), from a tiny query compiled once per executor. */
const dialects = new WeakMap<Executor, string>();
function dialectOf(db: Executor): string {
  let dialect = dialects.get(db);
  if (dialect === undefined) {
    dialect = db.selectFrom("couplings").select("bc_id").where("bc_id", "=", "").compile().sql.includes("$1")
      ? "numbered"
      : "positional";
    dialects.set(db, dialect);
  }
  return dialect;
}
