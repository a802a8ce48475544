import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, sql } from "kysely";
import type { Database } from "../schema.ts";
import { SqliteThread, SqliteThreadDialect } from "./worker-driver.ts";

export interface SqliteOptions {
  /** File path, or `:memory:`. */
  filename: string;
}

/**
 * Opens the embedded store on a thread of its own (worker-driver.ts): WAL for concurrent readers and crash safety,
 * foreign keys on. Rejects with SQLite's error when the file cannot be opened.
 */
export async function connectSqlite(options: SqliteOptions): Promise<Kysely<Database>> {
  if (options.filename !== ":memory:") mkdirSync(dirname(options.filename), { recursive: true });
  const thread = await SqliteThread.open(options.filename, PRAGMAS);
  const db = new Kysely<Database>({ dialect: new SqliteThreadDialect(thread) });
  // Kysely destroys only a driver it has initialized, which it does on the first query: made here, so that a store
  // closed before any other query still ends its thread.
  await sql`select 1`.execute(db);
  return db;
}

const PRAGMAS = [
  "journal_mode = WAL",
  "synchronous = NORMAL",
  "foreign_keys = ON",
  "busy_timeout = 5000",
  // Checkpoints (copying the log back into the database file, with an fsync of each) every 10,000 pages instead of
  // SQLite's 1,000: a full sync's pages of couplings rewrite the same index pages (the ids are random) commit after
  // commit, and each checkpoint copied them again and waited on the disk. 20,000 couplings: commits 0.5-0.9 s →
  // 0.2-0.3 s. Durability does not change: a transaction is durable once its frames are in the log, whenever the
  // checkpoint runs (a SIGKILL loses nothing committed; recovery replays a log of at most ~40 MB).
  "wal_autocheckpoint = 10000",
  // The log file is cut back to 64 MB after a checkpoint rather than kept at its peak size.
  "journal_size_limit = 67108864",
];

/** SQLite reports a unique violation with this code prefix. */
export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
