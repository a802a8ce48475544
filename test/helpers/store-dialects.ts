// One test body, every dialect (Kysely's layout): SQLite always, PostgreSQL when DATABASE_URL is set.
// Each opened store is fresh: SQLite in memory, PostgreSQL in a schema of its own that is dropped on close.
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { openStore, type Store } from "../../src/store/index.ts";

export interface DialectUnderTest {
  name: "sqlite" | "postgres";
  /** Why it does not run here, or undefined when it runs. */
  skipReason?: string;
  open(): Promise<Store>;
}

const databaseUrl = process.env.DATABASE_URL;

export const STORE_DIALECTS: DialectUnderTest[] = [
  { name: "sqlite", open: () => openStore({ dataDir: ":memory:" }) },
  {
    name: "postgres",
    skipReason: databaseUrl ? undefined : "DATABASE_URL is not set: PostgreSQL tests skipped",
    open: async () => {
      const schema = `bcsync_test_${randomBytes(6).toString("hex")}`;
      const store = await openStore({ url: databaseUrl, schema });
      const close = store.close.bind(store);
      store.close = async () => {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
        await close();
      };
      return store;
    },
  },
];

if (!databaseUrl) {
  console.warn("[bcsync tests] DATABASE_URL is not set: the PostgreSQL variants of the store tests are skipped.");
}
