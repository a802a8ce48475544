// Vitest global setup: the PostgreSQL test schemas are dropped once before and once after the whole run, never
// while tests run. Dropping a schema while another test file introspects the catalog (Kysely's migrator lists
// every schema's tables) makes that query fail with "schema ... does not exist".
import pg from "pg";

const TEST_SCHEMAS = "^(bcsync_test_|pgboss_)[0-9a-f]+$";

async function dropTestSchemas(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>("select nspname from pg_namespace where nspname ~ $1", [
      TEST_SCHEMAS,
    ]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } finally {
    await client.end();
  }
}

export async function setup(): Promise<void> {
  await dropTestSchemas();
}

export async function teardown(): Promise<void> {
  await dropTestSchemas();
}
