// One test body, every dialect (Kysely's layout): SQLite always, PostgreSQL when DATABASE_URL is set.
// Each opened store is fresh: SQLite in memory, PostgreSQL in a schema of its own (dropped after the run).
import { randomBytes } from "node:crypto";
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
      // A schema of its own; dropped by the global setup after the run (never while other files run).
      const schema = `bcsync_test_${randomBytes(6).toString("hex")}`;
      return openStore({ url: databaseUrl, schema });
    },
  },
];

if (!databaseUrl) {
  console.warn("[bcsync tests] DATABASE_URL is not set: the PostgreSQL variants of the store tests are skipped.");
}
