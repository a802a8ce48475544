import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type QueryResult,
  sql,
  type TransactionSettings,
} from "kysely";
import pg from "pg";
import type { Database } from "../schema.ts";

export interface PostgresOptions {
  url: string;
  /** Schema to use (created if missing); tests use one per run so they never touch each other's data. */
  schema?: string;
  maxConnections?: number;
  applicationName?: string;
  /** Told when the server ends an idle connection (the pool reconnects on the next query). */
  onConnectionLost?: (error: Error) => void;
}

/** Opens the PostgreSQL store; with `schema`, every connection's search_path points at it. */
export async function connectPostgres(options: PostgresOptions): Promise<Kysely<Database>> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    options: schema ? `-c search_path=${schema}` : undefined,
    // Named, so an administrator sees bcsync's sessions in pg_stat_activity.
    application_name: options.applicationName ?? "bcsync",
  });
  // An idle connection the server ended (restart, failover, pg_terminate_backend: 57P01) is an 'error' event on the
  // pool; without a listener Node ends the process with it (issue 14.1). The pool has already dropped that client:
  // the next query opens a new connection, so there is nothing to do but say so.
  pool.on("error", (error) => options.onConnectionLost?.(error));
  // A connection ended while checked out (inside a transaction, between two of its queries) is an 'error' event on
  // the client itself, which the pool only listens to while the client is idle: unheard, it ends the process. The
  // query in progress, or the next one, fails with the connection error and the caller decides (Store.transaction
  // retries a transaction whose work was not done).
  pool.on("connect", (client) => client.on("error", (error) => options.onConnectionLost?.(error)));
  const db = new Kysely<Database>({ dialect: new ReadRetryingPostgresDialect({ pool }) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return db;
}

/**
 * A query that failed because its connection was lost (the server ended it, or the network did): safe to run again
 * on a new connection when it was not inside a transaction that may have committed.
 */
export function isPostgresConnectionLost(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === "57P01" || // admin_shutdown (pg_terminate_backend)
    e?.code === "57P02" || // crash_shutdown
    e?.code === "57P03" || // cannot_connect_now
    e?.code === "08006" || // connection_failure
    e?.code === "08003" || // connection_does_not_exist
    e?.code === "ECONNRESET" ||
    e?.code === "ECONNREFUSED" ||
    // pg's own words for a client whose connection already failed ("… is not queryable") or just ended.
    /Connection terminated|terminating connection|not queryable/i.test(e?.message ?? "")
  );
}

/** PostgreSQL's SQLSTATE for unique_violation. */
export function isPostgresUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === "23505";
}

/**
 * PostgreSQL with one retry of a read whose connection was lost outside a transaction (issue 14): a SELECT changes
 * nothing, so it runs again on a new connection from the pool. Nothing else is repeated: a write outside a
 * transaction may have applied, and a query inside one belongs to that transaction (Store.transaction decides about
 * running it again); their lost connection is the caller's error (STORE_CONNECTION_LOST through storeFailure).
 */
class ReadRetryingPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new ReadRetryingDriver(super.createDriver());
  }
}

class ReadRetryingConnection implements DatabaseConnection {
  inTransaction = false;
  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: Driver,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      if (this.inTransaction || query.query.kind !== "SelectQueryNode" || !isPostgresConnectionLost(error)) throw error;
      const fresh = await this.driver.acquireConnection();
      try {
        return await fresh.executeQuery<R>(query);
      } finally {
        await this.driver.releaseConnection(fresh);
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ReadRetryingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReadRetryingConnection(await this.inner.acquireConnection(), this.inner);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as ReadRetryingConnection;
    c.inTransaction = true;
    await this.inner.beginTransaction(c.inner, settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ReadRetryingConnection;
    try {
      await this.inner.commitTransaction(c.inner);
    } finally {
      c.inTransaction = false;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ReadRetryingConnection;
    try {
      await this.inner.rollbackTransaction(c.inner);
    } finally {
      c.inTransaction = false;
    }
  }

  savepoint: Driver["savepoint"] = (connection, name, compile) =>
    this.inner.savepoint!((connection as ReadRetryingConnection).inner, name, compile);
  rollbackToSavepoint: Driver["rollbackToSavepoint"] = (connection, name, compile) =>
    this.inner.rollbackToSavepoint!((connection as ReadRetryingConnection).inner, name, compile);
  releaseSavepoint: Driver["releaseSavepoint"] = (connection, name, compile) =>
    this.inner.releaseSavepoint!((connection as ReadRetryingConnection).inner, name, compile);

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as ReadRetryingConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
