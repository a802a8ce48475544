import { type Compilable, CompiledQuery, type InsertResult } from "kysely";
import type { Executor } from "./executor.ts";

/**
 * Runs a multi-row insert built by `build`, compiling its SQL once per shape instead of on every call, and answers
 * how many rows it inserted (`ON CONFLICT DO NOTHING` leaves out the rest). Kysely turns each value into a query
 * node, parses and compiles it (tens of µs a row): for the couplings and write intents of a full sync that was
 * more CPU than SQLite's own work. The SQL of a given table, clause, row count and dialect never changes, so it is
 * compiled once (from the first call's rows, its parameters checked against ours) and then run with each call's
 * values in Kysely's order: row by row, columns as the first row lists them. No RETURNING: callers expect every
 * row inserted and look the rows up only when some were not; SQLite hands RETURNING's rows back one by one, about
 * a fifth of a full sync's coupling inserts (better-sqlite3, 200 rows a statement).
 */
export async function insertCounting<R extends object>(
  db: Executor,
  shape: string,
  rows: readonly R[],
  build: (rows: readonly R[]) => Compilable<unknown> & { execute(): Promise<InsertResult[]> },
): Promise<number> {
  if (rows.length === 0) return 0;
  const query = compiledInsert(db, shape, rows, build);
  if (!query) {
    const results = await build(rows).execute();
    return results.reduce((n, r) => n + Number(r.numInsertedOrUpdatedRows ?? 0), 0);
  }
  return Number((await db.executeQuery(query)).numAffectedRows ?? 0);
}

/** The insert's SQL from the cache (compiled on first use) with these rows' values; undefined: run it as built. */
function compiledInsert<R extends object>(
  db: Executor,
  shape: string,
  rows: readonly R[],
  build: (rows: readonly R[]) => Compilable<unknown>,
): CompiledQuery | undefined {
  const columns = Object.keys(rows[0]);
  const params: unknown[] = [];
  for (const row of rows) {
    if (Object.keys(row).length !== columns.length) return undefined;
    for (const c of columns) params.push((row as Record<string, unknown>)[c]);
  }
  const key = `${dialectOf(db)}\u0000${shape}\u0000${columns.join(",")}\u0000${rows.length}`;
  let sql = compiled.get(key);
  if (sql === undefined) {
    const query = build(rows).compile();
    // Only a query whose parameters are exactly the rows' values, in this order, can be reused this way.
    const same = query.parameters.length === params.length && query.parameters.every((p, i) => Object.is(p, params[i]));
    if (!same) return undefined;
    sql = query.sql;
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, sql);
  }
  return CompiledQuery.raw(sql, params);
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
