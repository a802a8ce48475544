// Kysely's SQLite dialect with the database on a thread of its own (statement-worker.js): the queries, compiled
// here as before, are sent to that thread and their results come back as messages, so SQLite's work no longer
// holds this thread's event loop. One connection, one statement at a time, as Kysely's own SqliteDriver does;
// the SQL, the transactions and SQLite's error codes (SQLITE_FULL, SQLITE_CONSTRAINT_*) are the same.
import { Worker } from "node:worker_threads";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { sourceFilePath } from "../../runtime/source-files.ts";

interface ErrorData {
  name: string;
  message: string;
  code?: string;
}

type Reply =
  | { id: number; rows: unknown[] }
  | { id: number; changes: number; lastInsertRowid: number | bigint }
  | { id: number; closed: true }
  | { id: number; error: ErrorData };

type Opened = { ready: true } | { failed: ErrorData };

/** The error the worker described, made again on this thread (so its stack shows the caller, not the worker). */
function rebuilt(data: ErrorData): Error {
  return Object.assign(new Error(data.message), { name: data.name, ...(data.code ? { code: data.code } : {}) });
}

/**
 * The database thread: one request per statement, answered in order. While requests are pending the thread keeps
 * the process alive (a CLI awaiting its last write must not exit under it); when idle it does not, as an open
 * better-sqlite3 handle did not.
 */
export class SqliteThread {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private exited: Error | undefined;
  /** Set by close: the thread then keeps the process alive until it has ended, so close() resolves. */
  private closing = false;

  /** The threads of this process's open SQLite stores (for activeMs). */
  private static readonly running = new Set<SqliteThread>();

  private constructor(private readonly worker: Worker) {
    SqliteThread.running.add(this);
    worker.once("exit", () => SqliteThread.running.delete(this));
    worker.on("message", (reply: Reply) => {
      const request = this.pending.get(reply.id);
      if (!request) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0 && !this.closing) worker.unref();
      if ("error" in reply) request.reject(rebuilt(reply.error));
      else request.resolve(reply);
    });
    const fail = (error: Error) => {
      this.exited ??= error;
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the SQLite store's thread stopped (exit code ${code})`)));
  }

  /** Opens `filename` with `pragmas` on a new thread; rejects with SQLite's error when it cannot be opened. */
  static async open(filename: string, pragmas: readonly string[]): Promise<SqliteThread> {
    const worker = new Worker(sourceFilePath(import.meta.url, "statement-worker.js"), {
      workerData: { filename, pragmas },
    });
    const opened = await new Promise<Opened>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new Error(`the SQLite store's thread stopped while opening (exit code ${code})`)),
      );
    });
    if ("failed" in opened) {
      await worker.terminate();
      throw rebuilt(opened.failed);
    }
    worker.unref();
    return new SqliteThread(worker);
  }

  private request(message: { sql: string; params: readonly unknown[] } | { close: true }): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  async execute<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const reply = await this.request({ sql, params });
    if ("rows" in reply) return { rows: reply.rows as R[] };
    if (!("changes" in reply)) throw new Error("the SQLite store's thread answered a statement with no result");
    return {
      numAffectedRows: BigInt(reply.changes),
      insertId: reply.lastInsertRowid === undefined ? undefined : BigInt(reply.lastInsertRowid),
      rows: [],
    };
  }

  /** Milliseconds the threads of the stores open now have spent running statements, since each was opened. */
  static activeMs(): number {
    let ms = 0;
    for (const thread of SqliteThread.running) ms += thread.worker.performance.eventLoopUtilization().active;
    return ms;
  }

  /** Closes the database, then lets the thread end. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.closing = true;
    const ended = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    await this.request({ close: true });
    await ended;
  }
}

class ThreadConnection implements DatabaseConnection {
  constructor(private readonly thread: SqliteThread) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.thread.execute<R>(query.sql, query.parameters);
  }

  // biome-ignore lint/correctness/useYield: the store reads every result whole; nothing streams from SQLite.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the SQLite store does not stream query results");
  }
}

/** One connection handed to one caller at a time (SQLite has one writer; Kysely runs a transaction on one). */
class ConnectionTurns {
  private queue: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  async take(): Promise<void> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.release = release;
  }

  give(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

class ThreadDriver implements Driver {
  private readonly turns = new ConnectionTurns();
  private readonly connection: ThreadConnection;

  constructor(private readonly thread: SqliteThread) {
    this.connection = new ThreadConnection(thread);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.take();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    this.turns.give();
  }

  destroy(): Promise<void> {
    return this.thread.close();
  }
}

/** Kysely's SQLite dialect (its compiler, adapter and introspector) over a database on its own thread. */
export class SqliteThreadDialect implements Dialect {
  constructor(private readonly thread: SqliteThread) {}

  createDriver(): Driver {
    return new ThreadDriver(this.thread);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own dialects take any database schema here.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
