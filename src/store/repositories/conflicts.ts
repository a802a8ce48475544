import { randomUUID } from "node:crypto";
import type { ConflictStatus, ConflictsTable } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface Conflict {
  id: string;
  mappingName: string;
  bcId: string;
  dataverseId: string;
  field: string;
  baseValue: unknown;
  bcValue: unknown;
  dataverseValue: unknown;
  status: ConflictStatus;
  resolution: string | null;
  jobId: string | null;
  createdAt: string;
}

export type ConflictInput = Omit<Conflict, "id" | "status" | "resolution" | "createdAt"> & {
  /** Set when a policy decided it at once: the losing value is still kept here. */
  resolution?: string | null;
};

/** Fields changed on both sides. Open ones wait for review; resolved ones keep the value that lost. */
export class ConflictsRepository {
  constructor(private readonly db: Executor) {}

  async record(input: ConflictInput): Promise<Conflict> {
    const row: ConflictsTable = {
      id: randomUUID(),
      mapping_name: input.mappingName,
      bc_id: input.bcId,
      dataverse_id: input.dataverseId,
      field: input.field,
      base_value: JSON.stringify(input.baseValue ?? null),
      bc_value: JSON.stringify(input.bcValue ?? null),
      dataverse_value: JSON.stringify(input.dataverseValue ?? null),
      status: input.resolution ? "resolved" : "open",
      resolution: input.resolution ?? null,
      job_id: input.jobId,
      created_at: nowIso(),
      resolved_at: input.resolution ? nowIso() : null,
    };
    await this.db.insertInto("conflicts").values(row).execute();
    return fromRow(row);
  }

  async list(filter: { mappingName?: string; status?: ConflictStatus; bcId?: string } = {}): Promise<Conflict[]> {
    let query = this.db.selectFrom("conflicts").selectAll().orderBy("created_at").orderBy("id");
    if (filter.mappingName) query = query.where("mapping_name", "=", filter.mappingName);
    if (filter.status) query = query.where("status", "=", filter.status);
    if (filter.bcId) query = query.where("bc_id", "=", filter.bcId);
    return (await query.execute()).map(fromRow);
  }

  async get(id: string): Promise<Conflict | undefined> {
    const row = await this.db.selectFrom("conflicts").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async resolve(id: string, resolution: string): Promise<void> {
    await this.db
      .updateTable("conflicts")
      .set({ status: "resolved", resolution, resolved_at: nowIso() })
      .where("id", "=", id)
      .execute();
  }
}

function fromRow(row: ConflictsTable): Conflict {
  const parse = (v: string | null) => (v === null ? null : JSON.parse(v));
  return {
    id: row.id,
    mappingName: row.mapping_name,
    bcId: row.bc_id,
    dataverseId: row.dataverse_id,
    field: row.field,
    baseValue: parse(row.base_value),
    bcValue: parse(row.bc_value),
    dataverseValue: parse(row.dataverse_value),
    status: row.status,
    resolution: row.resolution,
    jobId: row.job_id,
    createdAt: row.created_at,
  };
}
