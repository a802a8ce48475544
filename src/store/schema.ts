// The state store's tables as Kysely sees them. Portable column types only (text, integer, real), identical on
// SQLite and PostgreSQL, so one migration set and one query layer serve both dialects:
// - timestamps are ISO-8601 UTC strings with milliseconds (`2026-11-25T10:00:00.000Z`): they sort as text;
// - booleans are integers 0/1; JSON is text; surrogate ids are UUID strings made by bcsync.
export type SyncDirection = "toDataverse" | "fromDataverse";
export type MappingDirection = SyncDirection | "bidirectional";
export type SyncResult = "success" | "failure";

export interface SettingsTable {
  key: string;
  /** JSON; never a secret (secrets stay in the environment or a secret file). */
  value: string;
  updated_at: string;
}

export interface TableMappingsTable {
  name: string;
  bc_entity: string;
  dataverse_table: string;
  direction: MappingDirection;
  run_order: number;
  /** 1 when the user created or edited it; reset to defaults removes or restores those. */
  user_defined: number;
  /** The whole declarative table mapping (engine model), JSON. */
  definition: string;
  updated_at: string;
}

export interface FieldMappingsTable {
  mapping_name: string;
  position: number;
  bc_field: string | null;
  dataverse_field: string | null;
  direction: MappingDirection;
  enabled: number;
  /** The whole field mapping (engine model), JSON. */
  definition: string;
}

export interface CouplingsTable {
  mapping_name: string;
  bc_id: string;
  dataverse_id: string;
  /** BC `lastModifiedDateTime` at the last successful sync (either direction). */
  bc_modified_at: string | null;
  /** Dataverse `modifiedon` at the last successful sync. */
  dataverse_modified_at: string | null;
  /** ETag / version bcsync itself last wrote or read on each side: echo suppression compares with these. */
  bc_version: string | null;
  dataverse_version: string | null;
  /** The mapped values as last synchronized (JSON), base of the three-way merge. */
  snapshot: string | null;
  snapshot_hash: string | null;
  /** 1 when the snapshot lists fields owed to Business Central (`pending.fromDataverse`): read by id, see 006. */
  pending_from_dataverse: number;
  last_result_to_dataverse: SyncResult | null;
  last_result_from_dataverse: SyncResult | null;
  last_job_to_dataverse: string | null;
  last_job_from_dataverse: string | null;
  skipped: number;
  failure_count: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface WatermarksTable {
  mapping_name: string;
  direction: SyncDirection;
  /** Highest source modified-on processed; only ever rises. */
  modified_at: string | null;
  /** Dataverse change-tracking delta link, when the table supports it. */
  delta_link: string | null;
  updated_at: string;
}

export type SyncJobType = "synchronization" | "coupling" | "uncoupling" | "full" | "statistics" | "availability";
export type SyncJobStatus = "running" | "succeeded" | "failed" | "cancelled";

export interface SyncJobsTable {
  id: string;
  mapping_name: string;
  direction: MappingDirection;
  type: SyncJobType;
  status: SyncJobStatus;
  dry_run: number;
  started_at: string;
  finished_at: string | null;
  message: string | null;
  inserted: number;
  modified: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
  coupled: number;
  uncoupled: number;
  /** The job queue entry run that started it, if any. */
  queue_entry_id: string | null;
}

export interface SyncErrorsTable {
  id: string;
  job_id: string;
  mapping_name: string;
  direction: MappingDirection;
  source_id: string | null;
  destination_id: string | null;
  field: string | null;
  code: string | null;
  message: string;
  request_id: string | null;
  detail: string | null;
  retry_count: number;
  created_at: string;
}

export type QueueEntryStatus = "ready" | "in_process" | "error" | "on_hold" | "on_hold_inactivity" | "finished";

export interface JobQueueEntriesTable {
  id: string;
  /** What it runs: `mapping` (a table mapping's sync), `statistics`, `availability`, `uncouple`, `couple`, ... */
  kind: string;
  mapping_name: string | null;
  description: string;
  recurring: number;
  interval_minutes: number;
  inactivity_timeout_minutes: number;
  status: QueueEntryStatus;
  next_run_at: string | null;
  last_run_at: string | null;
  max_attempts: number;
  attempts: number;
  rerun_delay_seconds: number;
  last_error: string | null;
  /** Who holds it while in process (worker id), so a dead worker's lock can be taken over. */
  locked_by: string | null;
  locked_at: string | null;
  /** 1 when a change arrived while the entry was in process: its completion schedules the next run now. */
  wake_requested: number;
  updated_at: string;
}

export interface FullSyncReviewTable {
  mapping_name: string;
  dependency_filter: string;
  direction: MappingDirection;
  to_job_id: string | null;
  to_job_status: string | null;
  from_job_id: string | null;
  from_job_status: string | null;
  queue_entry_id: string | null;
  queue_status: string | null;
  recommendation: string | null;
  updated_at: string;
}

/** A create about to be sent: written before the request so a crash can be reconciled, not duplicated. */
export interface PendingWritesTable {
  mapping_name: string;
  direction: SyncDirection;
  source_id: string;
  /** Id or alternate key the target record will have (pre-generated GUID or natural key). */
  target_key: string;
  payload_hash: string | null;
  created_at: string;
}

/** A source row answered malformed, read again by id on every pass until it reads clean (issue 14). */
export interface RefusedRowsTable {
  mapping_name: string;
  direction: SyncDirection;
  source_id: string;
  /** The last refusal, `CODE: message`. */
  error: string;
  refused_at: string;
}

export type ConflictStatus = "open" | "resolved";

/** A field changed on both sides: the value that lost (or both, while waiting for review) is kept here. */
export interface ConflictsTable {
  id: string;
  mapping_name: string;
  bc_id: string;
  dataverse_id: string;
  field: string;
  base_value: string | null;
  bc_value: string | null;
  dataverse_value: string | null;
  status: ConflictStatus;
  /** `bcWins`, `dataverseWins`, `manual:<value>` once resolved. */
  resolution: string | null;
  job_id: string | null;
  created_at: string;
  resolved_at: string | null;
}

export type HeldDeletionStatus = "held" | "approved" | "rejected" | "applied";

/** Deletions above the mapping's threshold wait here for approval instead of being applied. */
export interface HeldDeletionsTable {
  id: string;
  mapping_name: string;
  direction: SyncDirection;
  record_count: number;
  table_count: number;
  /** JSON array of the source ids whose counterparts would be deleted. */
  record_ids: string;
  status: HeldDeletionStatus;
  created_at: string;
  decided_at: string | null;
}

export interface UsersTable {
  id: string;
  username: string;
  /** argon2id (PHC string); never the password. */
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** SHA-256 of the session cookie's value: a stolen database holds no usable session. */
  id_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** SHA-256 of the token; the token itself is shown once when created. */
  token_hash: string;
  user_id: string;
  created_at: string;
  last_used_at: string | null;
}

export interface MappingLeasesTable {
  mapping_name: string;
  /** `<host>:<pid>:<random>`: who runs the mapping now. */
  holder: string;
  acquired_at: string;
  expires_at: string;
}

export interface Database {
  mapping_leases: MappingLeasesTable;
  settings: SettingsTable;
  table_mappings: TableMappingsTable;
  field_mappings: FieldMappingsTable;
  couplings: CouplingsTable;
  watermarks: WatermarksTable;
  sync_jobs: SyncJobsTable;
  sync_errors: SyncErrorsTable;
  job_queue_entries: JobQueueEntriesTable;
  full_sync_review: FullSyncReviewTable;
  pending_writes: PendingWritesTable;
  refused_rows: RefusedRowsTable;
  conflicts: ConflictsTable;
  held_deletions: HeldDeletionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
}
