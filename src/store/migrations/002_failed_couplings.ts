import type { Kysely } from "kysely";

// Failed records are retried first on every pass: find them by index instead of scanning every coupling.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("couplings_failed_to_dataverse")
    .on("couplings")
    .columns(["mapping_name", "last_result_to_dataverse", "skipped"])
    .execute();
  await db.schema
    .createIndex("couplings_failed_from_dataverse")
    .on("couplings")
    .columns(["mapping_name", "last_result_from_dataverse", "skipped"])
    .execute();
}
