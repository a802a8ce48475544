import type { Kysely } from "kysely";

// One pass of a mapping at a time across every process on the store (issue 14.4): a lease row per mapping, taken
// before the run and given back after it; an expired lease (its holder died) can be taken over.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("mapping_leases")
    .addColumn("mapping_name", "text", (c) => c.primaryKey())
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("acquired_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
}
