import { type Kysely, sql } from "kysely";

// The couplings' four status indexes (skipped, failed each way, owing fields to BC) held every coupling, and every
// coupling written (a full sync writes one per record) paid for four more B-tree inserts: a quarter of the cost of
// a 20,000-row insert of couplings into SQLite (130 of 540 ms, measured with the schema alone), on the event loop's
// thread. Each serves a query for the few rows in that state, so each now holds only those rows (partial indexes,
// SQLite and PostgreSQL alike); the queries name the state as a literal so both planners can use them.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  for (const name of [
    "couplings_skipped",
    "couplings_failed_to_dataverse",
    "couplings_failed_from_dataverse",
    "couplings_pending_from_dataverse",
  ]) {
    await db.schema.dropIndex(name).execute();
  }
  await db.schema
    .createIndex("couplings_skipped")
    .on("couplings")
    .columns(["mapping_name", "bc_id"])
    .where(sql.ref("skipped"), "=", sql.lit(1))
    .execute();
  for (const [name, column] of [
    ["couplings_failed_to_dataverse", "last_result_to_dataverse"],
    ["couplings_failed_from_dataverse", "last_result_from_dataverse"],
  ]) {
    await db.schema
      .createIndex(name)
      .on("couplings")
      .columns(["mapping_name", "bc_id"])
      .where(sql.ref(column), "=", sql.lit("failure"))
      .execute();
  }
  await db.schema
    .createIndex("couplings_pending_from_dataverse")
    .on("couplings")
    .columns(["mapping_name", "dataverse_id"])
    .where(sql.ref("pending_from_dataverse"), "=", sql.lit(1))
    .execute();
}
