import { randomUUID } from "node:crypto";
import type { MappingDirection, SyncErrorsTable, SyncJobStatus, SyncJobsTable, SyncJobType } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso, toFlag } from "./executor.ts";

export const SYNC_COUNTERS = [
  "inserted",
  "modified",
  "deleted",
  "unchanged",
  "skipped",
  "failed",
  "coupled",
  "uncoupled",
] as const;
export type SyncCounter = (typeof SYNC_COUNTERS)[number];
export type SyncCounters = Record<SyncCounter, number>;

export const zeroCounters = (): SyncCounters => Object.fromEntries(SYNC_COUNTERS.map((c) => [c, 0])) as SyncCounters;

export interface SyncJob extends SyncCounters {
  id: string;
  mappingName: string;
  direction: MappingDirection;
  type: SyncJobType;
  status: SyncJobStatus;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  message: string | null;
  queueEntryId: string | null;
}

export interface SyncErrorInput {
  sourceId?: string | null;
  destinationId?: string | null;
  field?: string | null;
  code?: string | null;
  message: string;
  requestId?: string | null;
  detail?: string | null;
  retryCount?: number;
}

export interface SyncError extends Required<SyncErrorInput> {
  id: string;
  jobId: string;
  mappingName: string;
  direction: MappingDirection;
  createdAt: string;
}

/** The sync log: one job per run per direction, with counters and the errors of its records. */
export class SyncJobsRepository {
  constructor(private readonly db: Executor) {}

  async start(job: {
    mappingName: string;
    direction: MappingDirection;
    type?: SyncJobType;
    dryRun?: boolean;
    queueEntryId?: string | null;
  }): Promise<SyncJob> {
    const row: SyncJobsTable = {
      id: randomUUID(),
      mapping_name: job.mappingName,
      direction: job.direction,
      type: job.type ?? "synchronization",
      status: "running",
      dry_run: toFlag(job.dryRun ?? false),
      started_at: nowIso(),
      finished_at: null,
      message: null,
      ...zeroCounters(),
      queue_entry_id: job.queueEntryId ?? null,
    };
    await this.db.insertInto("sync_jobs").values(row).execute();
    return fromRow(row);
  }

  /** Adds to the counters; committed at once so a crash keeps what was done (as Business Central does). */
  async count(jobId: string, delta: Partial<SyncCounters>): Promise<void> {
    const entries = Object.entries(delta).filter(([, n]) => n) as [SyncCounter, number][];
    if (entries.length === 0) return;
    await this.db
      .updateTable("sync_jobs")
      .set((eb) => Object.fromEntries(entries.map(([c, n]) => [c, eb(c, "+", n)])))
      .where("id", "=", jobId)
      .execute();
  }

  async finish(
    jobId: string,
    result: { status: Exclude<SyncJobStatus, "running">; message?: string },
  ): Promise<SyncJob> {
    await this.db
      .updateTable("sync_jobs")
      .set({ status: result.status, message: result.message ?? null, finished_at: nowIso() })
      .where("id", "=", jobId)
      .execute();
    return (await this.get(jobId))!;
  }

  /**
   * Jobs of a mapping still "running" whose process is gone: called by the holder of the mapping's lease, so no
   * live process can be running them. They become failed with `message(job)`, never left "running" for ever.
   */
  async failAbandoned(mappingName: string, message: (job: SyncJob) => string): Promise<SyncJob[]> {
    const rows = await this.db
      .selectFrom("sync_jobs")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .where("status", "=", "running")
      .where("dry_run", "=", 0)
      .execute();
    const finishedAt = nowIso();
    for (const row of rows) {
      await this.db
        .updateTable("sync_jobs")
        .set({ status: "failed", message: message(fromRow(row)), finished_at: finishedAt })
        .where("id", "=", row.id)
        .where("status", "=", "running")
        .execute();
    }
    return rows.map(fromRow);
  }

  async get(jobId: string): Promise<SyncJob | undefined> {
    const row = await this.db.selectFrom("sync_jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  async list(filter: { mappingName?: string; limit?: number } = {}): Promise<SyncJob[]> {
    let query = this.db.selectFrom("sync_jobs").selectAll().orderBy("started_at", "desc").orderBy("id");
    if (filter.mappingName) query = query.where("mapping_name", "=", filter.mappingName);
    const rows = await query.limit(filter.limit ?? 100).execute();
    return rows.map(fromRow);
  }

  async addError(job: Pick<SyncJob, "id" | "mappingName" | "direction">, error: SyncErrorInput): Promise<void> {
    await this.db
      .insertInto("sync_errors")
      .values({
        id: randomUUID(),
        job_id: job.id,
        mapping_name: job.mappingName,
        direction: job.direction,
        source_id: error.sourceId ?? null,
        destination_id: error.destinationId ?? null,
        field: error.field ?? null,
        code: error.code ?? null,
        message: error.message,
        request_id: error.requestId ?? null,
        detail: error.detail ?? null,
        retry_count: error.retryCount ?? 0,
        created_at: nowIso(),
      })
      .execute();
  }

  async errors(filter: {
    jobId?: string;
    mappingName?: string;
    sourceId?: string;
    limit?: number;
  }): Promise<SyncError[]> {
    let query = this.db.selectFrom("sync_errors").selectAll().orderBy("created_at", "desc").orderBy("id");
    if (filter.jobId) query = query.where("job_id", "=", filter.jobId);
    if (filter.mappingName) query = query.where("mapping_name", "=", filter.mappingName);
    if (filter.sourceId) query = query.where("source_id", "=", filter.sourceId);
    const rows = await query.limit(filter.limit ?? 1000).execute();
    return rows.map(errorFromRow);
  }

  /**
   * Prunes finished jobs older than `olderThan` (ISO). Jobs with failures are kept while a skipped coupling still
   * names them as its last job, so the reason a record is skipped never disappears.
   */
  async prune(olderThan: string): Promise<number> {
    const result = await this.db
      .deleteFrom("sync_jobs")
      .where("finished_at", "is not", null)
      .where("started_at", "<", olderThan)
      .where((eb) =>
        eb.or([
          eb("failed", "=", 0),
          eb.not(
            eb.exists(
              eb
                .selectFrom("couplings")
                .select("couplings.bc_id")
                .where("couplings.skipped", "=", 1)
                .where((inner) =>
                  inner.or([
                    inner("couplings.last_job_to_dataverse", "=", inner.ref("sync_jobs.id")),
                    inner("couplings.last_job_from_dataverse", "=", inner.ref("sync_jobs.id")),
                  ]),
                ),
            ),
          ),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function fromRow(row: SyncJobsTable): SyncJob {
  return {
    id: row.id,
    mappingName: row.mapping_name,
    direction: row.direction,
    type: row.type,
    status: row.status,
    dryRun: Number(row.dry_run) === 1,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    message: row.message,
    queueEntryId: row.queue_entry_id,
    inserted: Number(row.inserted),
    modified: Number(row.modified),
    deleted: Number(row.deleted),
    unchanged: Number(row.unchanged),
    skipped: Number(row.skipped),
    failed: Number(row.failed),
    coupled: Number(row.coupled),
    uncoupled: Number(row.uncoupled),
  };
}

function errorFromRow(row: SyncErrorsTable): SyncError {
  return {
    id: row.id,
    jobId: row.job_id,
    mappingName: row.mapping_name,
    direction: row.direction,
    sourceId: row.source_id,
    destinationId: row.destination_id,
    field: row.field,
    code: row.code,
    message: row.message,
    requestId: row.request_id,
    detail: row.detail,
    retryCount: Number(row.retry_count),
    createdAt: row.created_at,
  };
}
