// Ends a PostgreSQL server session from another one, as pg_terminate_backend does in a failover or an
// administrator's clean-up: the tests of issue 14.1 (a lost store connection) use it on the store's own session.
import { sql } from "kysely";
import pg from "pg";
import type { Store } from "../../src/store/index.ts";

/** Ends the server session running `db`'s next query (a transaction's, when `db` is one). */
export async function terminateSessionOf(db: Store["db"], databaseUrl: string): Promise<void> {
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0].pid]);
  } finally {
    await admin.end();
  }
}
