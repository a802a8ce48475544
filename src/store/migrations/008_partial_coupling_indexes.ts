import { type Kysely, sql } from "kysely";

// The couplings' four status indexes (skipped, failed each way, owing fields to BC) held every coupling, and every
// coupling written (a full sync writes one per record) paid for four more B-tree inserts: a quarter of the cost of
// a 20,000-row insert of couplings into SQLite (130 of 540 ms, measured with the schema alone), on the event loop's
// thread. Each serves a query for the few rows in that state, so each now holds only those rows (partial indexes,
// SQLite and PostgreSQL alike); the queries name the state as a literal so both planners can use them.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  // Index, its columns (what the query orders by), and the state it holds.
  const partial: [string, string[], string, number | string][] = [
    ["couplings_skipped", ["mapping_name", "bc_id"], "skipped", 1],
    ["couplings_failed_to_dataverse", ["mapping_name", "bc_id"], "last_result_to_dataverse", "failure"],
    ["couplings_failed_from_dataverse", ["mapping_name", "bc_id"], "last_result_from_dataverse", "failure"],
    ["couplings_pending_from_dataverse", ["mapping_name", "dataverse_id"], "pending_from_dataverse", 1],
  ];
  for (const [name, columns, state, value] of partial) {
    await db.schema.dropIndex(name).execute();
    await db.schema
      .createIndex(name)
      .on("couplings")
      .columns(columns)
      .where(sql.ref(state), "=", sql.lit(value))
      .execute();
  }
}
