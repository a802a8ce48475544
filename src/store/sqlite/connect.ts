import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import type { Database } from "../schema.ts";

export interface SqliteOptions {
  /** File path, or `:memory:`. */
  filename: string;
}

/** Opens the embedded store: WAL for concurrent readers and crash safety, foreign keys on. */
export function connectSqlite(options: SqliteOptions): Kysely<Database> {
  if (options.filename !== ":memory:") mkdirSync(dirname(options.filename), { recursive: true });
  const sqlite = new SQLite(options.filename);
  // 16 KiB pages instead of 4 KiB, for a store created from now on (a page size is fixed when the file is made; an
  // existing store keeps its own). A full sync inserts its couplings (a snapshot of ~0.7 KB each, keys at random
  // places in two indexes) a page at a time, and each commit copies every page it touched into the log: with
  // larger pages, fewer page headers, log frames and b-tree splits per row. 20,000 couplings inserted as a full
  // sync does (1,000 a transaction): 460-670 ms of CPU against 580-810 ms with 4 KiB pages.
  sqlite.pragma("page_size = 16384");
  sqlite.pragma("journal_mode = WAL");
  // The log is synced at checkpoints, not at each commit: a commit survives a killed process, but a power loss or an
  // operating-system crash can roll back the last ones. What must survive those is committed with the store's
  // `durable` transactions, which sync the log at their commit (withSyncedCommits, below): the write intents recorded
  // before a create is sent (had one rolled back after its create landed, the next run would create a second
  // counterpart). A coupling, watermark or log row rolled back is settled by the next run from the intents. Syncing
  // every commit cost the orders workload 3% and 2.4 CPU seconds (6814d54 against its parent, 3 BC apps).
  sqlite.pragma(`synchronous = ${COMMITS_SYNCED}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // Checkpoints (copying the log back into the database file, with an fsync of each) every 10,000 pages instead of
  // SQLite's 1,000: a full sync's pages of couplings rewrite the same index pages (the ids are random) commit after
  // commit, and each checkpoint copied them again and waited on the disk, on the event loop's thread. 20,000
  // couplings: commits 0.5-0.9 s → 0.2-0.3 s. Durability does not change: a transaction is durable once its
  // frames are synced in the log, whenever the checkpoint runs (recovery replays a log of at most ~40 MB). The log
  // file is cut back to 64 MB after a checkpoint rather than kept at its peak size.
  sqlite.pragma("wal_autocheckpoint = 10000");
  sqlite.pragma("journal_size_limit = 67108864");
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/** How a connection syncs its commits (connectSqlite); withSyncedCommits raises it to FULL for a while. */
const COMMITS_SYNCED = "NORMAL";
/** Durable transactions in flight, per connection: the last to end restores COMMITS_SYNCED. */
const syncedCommitsInFlight = new WeakMap<Kysely<Database>, number>();

/**
 * Runs `work` with this connection's commits synced to disk (synchronous FULL), then restores COMMITS_SYNCED: the
 * SQLite side of Store.transaction's `durable`. Durable transactions in flight at once share the setting; statements
 * of other work that commit meanwhile are synced too, which costs time and no safety.
 */
export async function withSyncedCommits<T>(db: Kysely<Database>, work: () => Promise<T>): Promise<T> {
  const inFlight = syncedCommitsInFlight.get(db) ?? 0;
  syncedCommitsInFlight.set(db, inFlight + 1);
  if (inFlight === 0) await sql`pragma synchronous = FULL`.execute(db);
  try {
    return await work();
  } finally {
    const left = (syncedCommitsInFlight.get(db) ?? 1) - 1;
    syncedCommitsInFlight.set(db, left);
    if (left === 0) await sql.raw(`pragma synchronous = ${COMMITS_SYNCED}`).execute(db);
  }
}

/** Statements kept prepared, by SQL text (the most recently used ones). */
const STATEMENT_CACHE_SIZE = 200;

/**
 * Kysely prepares every query it runs; a multi-row insert of a full sync's page (200 rows, thousands of
 * parameters) then costs more to parse than to run. The same SQL text reuses its prepared statement instead.
 * Kysely runs one query at a time on this connection and reads each result whole (`all`/`run`; the store never
 * streams), so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDialectDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        // Most recently used last: the first entry is the one to drop when the cache is full.
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  } as unknown as SqliteDialectDatabase;
}

type SqliteDialectDatabase = NonNullable<ConstructorParameters<typeof SqliteDialect>[0]["database"]>;

/** SQLite reports a unique violation with this code prefix. */
export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
