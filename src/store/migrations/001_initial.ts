import type { Kysely } from "kysely";

// Portable DDL only (text / integer / real), so the same migration runs on SQLite and PostgreSQL.
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("table_mappings")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("bc_entity", "text", (c) => c.notNull())
    .addColumn("dataverse_table", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("run_order", "integer", (c) => c.notNull())
    .addColumn("user_defined", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("field_mappings")
    .addColumn("mapping_name", "text", (c) => c.notNull().references("table_mappings.name").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("bc_field", "text")
    .addColumn("dataverse_field", "text")
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("definition", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("field_mappings_pk", ["mapping_name", "position"])
    .execute();

  await db.schema
    .createTable("couplings")
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("bc_id", "text", (c) => c.notNull())
    .addColumn("dataverse_id", "text", (c) => c.notNull())
    .addColumn("bc_modified_at", "text")
    .addColumn("dataverse_modified_at", "text")
    .addColumn("bc_version", "text")
    .addColumn("dataverse_version", "text")
    .addColumn("snapshot", "text")
    .addColumn("snapshot_hash", "text")
    .addColumn("last_result_to_dataverse", "text")
    .addColumn("last_result_from_dataverse", "text")
    .addColumn("last_job_to_dataverse", "text")
    .addColumn("last_job_from_dataverse", "text")
    .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failure_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    // A record is coupled at most once per mapping, on each side.
    .addPrimaryKeyConstraint("couplings_pk", ["mapping_name", "bc_id"])
    .addUniqueConstraint("couplings_dataverse_unique", ["mapping_name", "dataverse_id"])
    .execute();
  await db.schema.createIndex("couplings_skipped").on("couplings").columns(["mapping_name", "skipped"]).execute();

  await db.schema
    .createTable("watermarks")
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("modified_at", "text")
    .addColumn("delta_link", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("watermarks_pk", ["mapping_name", "direction"])
    .execute();

  await db.schema
    .createTable("sync_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("dry_run", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .addColumn("message", "text")
    .addColumn("inserted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("modified", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("deleted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("unchanged", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("coupled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("uncoupled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("queue_entry_id", "text")
    .execute();
  await db.schema.createIndex("sync_jobs_mapping").on("sync_jobs").columns(["mapping_name", "started_at"]).execute();

  await db.schema
    .createTable("sync_errors")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("job_id", "text", (c) => c.notNull().references("sync_jobs.id").onDelete("cascade"))
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("source_id", "text")
    .addColumn("destination_id", "text")
    .addColumn("field", "text")
    .addColumn("code", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("request_id", "text")
    .addColumn("detail", "text")
    .addColumn("retry_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sync_errors_job").on("sync_errors").column("job_id").execute();
  await db.schema.createIndex("sync_errors_record").on("sync_errors").columns(["mapping_name", "source_id"]).execute();

  await db.schema
    .createTable("job_queue_entries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("mapping_name", "text")
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("recurring", "integer", (c) => c.notNull())
    .addColumn("interval_minutes", "integer", (c) => c.notNull())
    .addColumn("inactivity_timeout_minutes", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("next_run_at", "text")
    .addColumn("last_run_at", "text")
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rerun_delay_seconds", "integer", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("locked_by", "text")
    .addColumn("locked_at", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("job_queue_due").on("job_queue_entries").columns(["status", "next_run_at"]).execute();

  await db.schema
    .createTable("full_sync_review")
    .addColumn("mapping_name", "text", (c) => c.primaryKey())
    .addColumn("dependency_filter", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("to_job_id", "text")
    .addColumn("to_job_status", "text")
    .addColumn("from_job_id", "text")
    .addColumn("from_job_status", "text")
    .addColumn("queue_entry_id", "text")
    .addColumn("queue_status", "text")
    .addColumn("recommendation", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("pending_writes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("target_key", "text", (c) => c.notNull())
    .addColumn("payload_hash", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("pending_writes_source", ["mapping_name", "direction", "source_id"])
    .execute();

  await db.schema
    .createTable("conflicts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("bc_id", "text", (c) => c.notNull())
    .addColumn("dataverse_id", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("base_value", "text")
    .addColumn("bc_value", "text")
    .addColumn("dataverse_value", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("resolution", "text")
    .addColumn("job_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("resolved_at", "text")
    .execute();
  await db.schema.createIndex("conflicts_open").on("conflicts").columns(["mapping_name", "status"]).execute();

  await db.schema
    .createTable("held_deletions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("mapping_name", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("record_count", "integer", (c) => c.notNull())
    .addColumn("table_count", "integer", (c) => c.notNull())
    .addColumn("record_ids", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("decided_at", "text")
    .execute();
}
