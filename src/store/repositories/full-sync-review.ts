import type { FullSyncReviewTable, MappingDirection } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface ReviewLine {
  mappingName: string;
  dependencyFilter: string;
  direction: MappingDirection;
  toJobId: string | null;
  toJobStatus: string | null;
  fromJobId: string | null;
  fromJobStatus: string | null;
  queueEntryId: string | null;
  queueStatus: string | null;
  recommendation: string | null;
}

/** The full synchronization review: one line per mapping, in dependency order. */
export class FullSyncReviewRepository {
  constructor(private readonly db: Executor) {}

  async upsert(line: ReviewLine): Promise<void> {
    const row: FullSyncReviewTable = {
      mapping_name: line.mappingName,
      dependency_filter: line.dependencyFilter,
      direction: line.direction,
      to_job_id: line.toJobId,
      to_job_status: line.toJobStatus,
      from_job_id: line.fromJobId,
      from_job_status: line.fromJobStatus,
      queue_entry_id: line.queueEntryId,
      queue_status: line.queueStatus,
      recommendation: line.recommendation,
      updated_at: nowIso(),
    };
    const { mapping_name: _key, ...update } = row;
    await this.db
      .insertInto("full_sync_review")
      .values(row)
      .onConflict((oc) => oc.column("mapping_name").doUpdateSet(update))
      .execute();
  }

  async list(): Promise<ReviewLine[]> {
    const rows = await this.db.selectFrom("full_sync_review").selectAll().orderBy("mapping_name").execute();
    return rows.map((row) => ({
      mappingName: row.mapping_name,
      dependencyFilter: row.dependency_filter,
      direction: row.direction,
      toJobId: row.to_job_id,
      toJobStatus: row.to_job_status,
      fromJobId: row.from_job_id,
      fromJobStatus: row.from_job_status,
      queueEntryId: row.queue_entry_id,
      queueStatus: row.queue_status,
      recommendation: row.recommendation,
    }));
  }

  async clear(): Promise<void> {
    await this.db.deleteFrom("full_sync_review").execute();
  }
}
