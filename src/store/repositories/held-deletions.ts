import { randomUUID } from "node:crypto";
import type { HeldDeletionStatus, HeldDeletionsTable, SyncDirection } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface HeldDeletion {
  id: string;
  mappingName: string;
  direction: SyncDirection;
  recordCount: number;
  tableCount: number;
  recordIds: string[];
  status: HeldDeletionStatus;
  createdAt: string;
  decidedAt: string | null;
}

/** Mass deletions held for approval: an outage or a paging bug looks exactly like one. */
export class HeldDeletionsRepository {
  constructor(private readonly db: Executor) {}

  async hold(input: {
    mappingName: string;
    direction: SyncDirection;
    recordIds: string[];
    tableCount: number;
  }): Promise<HeldDeletion> {
    const row: HeldDeletionsTable = {
      id: randomUUID(),
      mapping_name: input.mappingName,
      direction: input.direction,
      record_count: input.recordIds.length,
      table_count: input.tableCount,
      record_ids: JSON.stringify(input.recordIds),
      status: "held",
      created_at: nowIso(),
      decided_at: null,
    };
    await this.db.insertInto("held_deletions").values(row).execute();
    return fromRow(row);
  }

  async list(filter: { mappingName?: string; status?: HeldDeletionStatus } = {}): Promise<HeldDeletion[]> {
    let query = this.db.selectFrom("held_deletions").selectAll().orderBy("created_at");
    if (filter.mappingName) query = query.where("mapping_name", "=", filter.mappingName);
    if (filter.status) query = query.where("status", "=", filter.status);
    return (await query.execute()).map(fromRow);
  }

  async get(id: string): Promise<HeldDeletion | undefined> {
    const row = await this.db.selectFrom("held_deletions").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async decide(id: string, status: Exclude<HeldDeletionStatus, "held">): Promise<void> {
    await this.db.updateTable("held_deletions").set({ status, decided_at: nowIso() }).where("id", "=", id).execute();
  }
}

function fromRow(row: HeldDeletionsTable): HeldDeletion {
  return {
    id: row.id,
    mappingName: row.mapping_name,
    direction: row.direction,
    recordCount: Number(row.record_count),
    tableCount: Number(row.table_count),
    recordIds: JSON.parse(row.record_ids),
    status: row.status,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}
