import type { Kysely } from "kysely";

// A source row a service answered malformed (issue 14) is refused alone. Its id is kept here so the watermark can
// move past it: each pass reads it again by id (as it does failed couplings) until it reads clean, is synced and
// its row here removed. Before, the watermark stayed before it, and a row that stayed malformed had every later run
// read everything after it again. One row per mapping, direction and source record.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("refused_rows")
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("error", "text", (c) => c.notNull())
    .addColumn("refused_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("refused_rows_pk", ["mapping_name", "direction", "source_id"])
    .execute();
}
