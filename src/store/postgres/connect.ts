import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database } from "../schema.ts";

export interface PostgresOptions {
  url: string;
  /** Schema to use (created if missing); tests use one per run so they never touch each other's data. */
  schema?: string;
  maxConnections?: number;
}

/** Opens the PostgreSQL store; with `schema`, every connection's search_path points at it. */
export async function connectPostgres(options: PostgresOptions): Promise<Kysely<Database>> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return db;
}

/** PostgreSQL's SQLSTATE for unique_violation. */
export function isPostgresUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === "23505";
}
