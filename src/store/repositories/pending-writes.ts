import type { PendingWritesTable, SyncDirection } from "../schema.ts";
import { insertCounting } from "./bulk-insert.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface PendingWrite {
  mappingName: string;
  direction: SyncDirection;
  sourceId: string;
  targetKey: string;
  /**
   * A hash of the values the create sends, where the intent has one. Nothing decides by it (the key finds the record
   * after a crash); the engine stopped computing it (~20 µs a create on the event loop's thread), so only intents
   * recorded by earlier versions carry one.
   */
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
   * One insert per chunk (ON CONFLICT DO NOTHING): when it inserted every row, as it usually does, they are the
   * intents; otherwise the chunk's intents are read back, ours and the kept ones alike. So a full sync pays one
   * statement per 200 creates for its crash safety, not two.
   */
  async record(
    intents: (Omit<PendingWrite, "createdAt" | "payloadHash"> & { payloadHash?: string | null })[],
  ): Promise<PendingWrite[]> {
    const recorded: PendingWrite[] = [];
    const keyOf = (r: { mapping_name: string; direction: string; source_id: string }) =>
      `${r.mapping_name}\u0000${r.direction}\u0000${r.source_id}`;
    for (let i = 0; i < intents.length; i += 200) {
      const chunk = intents.slice(i, i + 200);
      const createdAt = nowIso();
      const rows = chunk.map((intent) => ({
        mapping_name: intent.mappingName,
        direction: intent.direction,
        source_id: intent.sourceId,
        target_key: intent.targetKey,
        payload_hash: intent.payloadHash ?? null,
        created_at: createdAt,
      }));
      const count = await insertCounting(this.db, "pending_writes:record", rows, (values) =>
        this.db
          .insertInto("pending_writes")
          .values([...values])
          .onConflict((oc) => oc.columns(["mapping_name", "direction", "source_id"]).doNothing()),
      );
      if (count === rows.length) {
        for (const row of rows) recorded.push(fromRow(row));
        continue;
      }
      // Sources with an intent already: theirs is the key that counts.
      const stored = await this.db
        .selectFrom("pending_writes")
        .selectAll()
        .where("mapping_name", "in", [...new Set(rows.map((r) => r.mapping_name))])
        .where("direction", "in", [...new Set(rows.map((r) => r.direction))])
        .where(
          "source_id",
          "in",
          rows.map((r) => r.source_id),
        )
        .execute();
      const found = new Map(stored.map((row) => [keyOf(row), fromRow(row)]));
      for (const row of rows) recorded.push(found.get(keyOf(row))!);
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
    mappingName: row.mapping_name,
    direction: row.direction,
    sourceId: row.source_id,
    targetKey: row.target_key,
    payloadHash: row.payload_hash,
    createdAt: row.created_at,
  };
}
