import type { Kysely } from "kysely";

// A scheduled Dataverse → BC pass leaves out the rows the integration user changed last (BC's own "modifiedby <>
// integration user" filter): they are echoes of bcsync's writes. The exception is a coupling whose snapshot still
// has fields owed to Business Central (the BC → Dataverse pass merged a Sales edit into its write): those rows are
// read by id, found by this indexed flag instead of parsing every coupling's snapshot.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("couplings")
    .addColumn("pending_from_dataverse", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // Couplings stored before the flag existed: the snapshot JSON says which have fields pending.
  const candidates = await db
    .selectFrom("couplings")
    .select(["mapping_name", "bc_id", "snapshot"])
    .where("snapshot", "like", '%"pending":%')
    .execute();
  for (const row of candidates) {
    const pending = (JSON.parse(row.snapshot) as { pending?: { fromDataverse?: unknown[] } }).pending;
    if ((pending?.fromDataverse?.length ?? 0) === 0) continue;
    await db
      .updateTable("couplings")
      .set({ pending_from_dataverse: 1 })
      .where("mapping_name", "=", row.mapping_name)
      .where("bc_id", "=", row.bc_id)
      .execute();
  }
  await db.schema
    .createIndex("couplings_pending_from_dataverse")
    .on("couplings")
    .columns(["mapping_name", "pending_from_dataverse"])
    .execute();
}
