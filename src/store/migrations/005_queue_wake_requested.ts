import type { Kysely } from "kysely";

// A change that arrives while its entry runs (in any process) is kept on the entry, so the completion of that run
// schedules the next one at once; before, only the scheduler's own process could remember it (issue 11).
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("job_queue_entries")
    .addColumn("wake_requested", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}
