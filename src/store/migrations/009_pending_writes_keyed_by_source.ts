import { type Kysely, sql } from "kysely";

// A write intent is found, kept once and cleared by its mapping, direction and source record; its own random id
// was read by nothing, yet every intent paid for it: a UUID made, a second unique index of random keys inserted
// into before each create and deleted from after it. 20,000 intents recorded and cleared (better-sqlite3, WAL,
// 1,000 a transaction, 3 runs): 656-801 ms with the id, 498-533 ms without. The table is keyed by its source now
// (the unique constraint it had becomes the primary key); rows are copied over, so intents pending across the
// upgrade (a run killed mid-create) are still reconciled.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("pending_writes_by_source")
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("target_key", "text", (c) => c.notNull())
    .addColumn("payload_hash", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("pending_writes_pk", ["mapping_name", "direction", "source_id"])
    .execute();
  await sql`insert into pending_writes_by_source (mapping_name, direction, source_id, target_key, payload_hash,
    created_at) select mapping_name, direction, source_id, target_key, payload_hash, created_at
    from pending_writes`.execute(db);
  await db.schema.dropTable("pending_writes").execute();
  await db.schema.alterTable("pending_writes_by_source").renameTo("pending_writes").execute();
}
