import { randomUUID } from "node:crypto";
import type { PendingWritesTable, SyncDirection } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface PendingWrite {
  id: string;
  mappingName: string;
  direction: SyncDirection;
  sourceId: string;
  targetKey: string;
  payloadHash: string | null;
  createdAt: string;
}

/**
 * Write intents: a create is recorded here (with the id or alternate key the new record will carry) before it is
 * sent, and removed once the coupling is stored. After a crash, the runner looks each intent up on the target:
 * found → couple it, not found → create again. So a kill at any point never yields a second counterpart.
 */
export class PendingWritesRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Records intents; an intent already there for the same source is kept (its key is the one that may exist).
   * One insert (ON CONFLICT DO NOTHING) and one read per chunk, not two round trips per record: this runs before
   * every batch of creates.
   */
  async record(intents: Omit<PendingWrite, "id" | "createdAt">[]): Promise<PendingWrite[]> {
    const recorded: PendingWrite[] = [];
    for (let i = 0; i < intents.length; i += 200) {
      const chunk = intents.slice(i, i + 200);
      const createdAt = nowIso();
      await this.db
        .insertInto("pending_writes")
        .values(
          chunk.map((intent) => ({
            id: randomUUID(),
            mapping_name: intent.mappingName,
            direction: intent.direction,
            source_id: intent.sourceId,
            target_key: intent.targetKey,
            payload_hash: intent.payloadHash,
            created_at: createdAt,
          })),
        )
        .onConflict((oc) => oc.columns(["mapping_name", "direction", "source_id"]).doNothing())
        .execute();
      const keys = new Set(chunk.map((c) => `${c.mappingName}\u0000${c.direction}\u0000${c.sourceId}`));
      const rows = await this.db
        .selectFrom("pending_writes")
        .selectAll()
        .where("mapping_name", "in", [...new Set(chunk.map((c) => c.mappingName))])
        .where(
          "source_id",
          "in",
          chunk.map((c) => c.sourceId),
        )
        .execute();
      const found = new Map(
        rows
          .filter((r) => keys.has(`${r.mapping_name}\u0000${r.direction}\u0000${r.source_id}`))
          .map((r) => [`${r.mapping_name}\u0000${r.direction}\u0000${r.source_id}`, fromRow(r)]),
      );
      for (const c of chunk) recorded.push(found.get(`${c.mappingName}\u0000${c.direction}\u0000${c.sourceId}`)!);
    }
    return recorded;
  }

  async get(mappingName: string, direction: SyncDirection, sourceId: string): Promise<PendingWrite | undefined> {
    const row = await this.db
      .selectFrom("pending_writes")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .where("direction", "=", direction)
      .where("source_id", "=", sourceId)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(mappingName: string, direction: SyncDirection): Promise<PendingWrite[]> {
    const rows = await this.db
      .selectFrom("pending_writes")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .where("direction", "=", direction)
      .orderBy("created_at")
      .execute();
    return rows.map(fromRow);
  }

  async clear(mappingName: string, direction: SyncDirection, sourceIds: readonly string[]): Promise<void> {
    for (let i = 0; i < sourceIds.length; i += 500) {
      await this.db
        .deleteFrom("pending_writes")
        .where("mapping_name", "=", mappingName)
        .where("direction", "=", direction)
        .where("source_id", "in", sourceIds.slice(i, i + 500))
        .execute();
    }
  }
}

function fromRow(row: PendingWritesTable): PendingWrite {
  return {
    id: row.id,
    mappingName: row.mapping_name,
    direction: row.direction,
    sourceId: row.source_id,
    targetKey: row.target_key,
    payloadHash: row.payload_hash,
    createdAt: row.created_at,
  };
}
