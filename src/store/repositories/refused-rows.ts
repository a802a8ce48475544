import type { SyncDirection } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

/**
 * Source rows a service answered malformed (issue 14), by mapping and direction: recorded before the watermark
 * moves past them, read again by id on every pass, and removed once one reads clean and is synced. Nothing is lost
 * by moving the watermark, and a row that stays malformed costs one read by id a pass, not a re-read of everything
 * after it.
 */
export class RefusedRowsRepository {
  constructor(private readonly db: Executor) {}

  /** Records (or renews) the refusal of these source rows; `error` is `CODE: message`. */
  async record(
    mappingName: string,
    direction: SyncDirection,
    rows: readonly { sourceId: string; error: string }[],
  ): Promise<void> {
    const refusedAt = nowIso();
    for (let i = 0; i < rows.length; i += 200) {
      await this.db
        .insertInto("refused_rows")
        .values(
          rows.slice(i, i + 200).map((r) => ({
            mapping_name: mappingName,
            direction,
            source_id: r.sourceId.toLowerCase(),
            error: r.error,
            refused_at: refusedAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(["mapping_name", "direction", "source_id"]).doUpdateSet((eb) => ({
            error: eb.ref("excluded.error"),
            refused_at: eb.ref("excluded.refused_at"),
          })),
        )
        .execute();
    }
  }

  /** The source ids refused in this direction, oldest refusal first. */
  async list(mappingName: string, direction: SyncDirection): Promise<string[]> {
    const rows = await this.db
      .selectFrom("refused_rows")
      .select("source_id")
      .where("mapping_name", "=", mappingName)
      .where("direction", "=", direction)
      .orderBy("refused_at")
      .orderBy("source_id")
      .execute();
    return rows.map((r) => r.source_id);
  }

  async clear(mappingName: string, direction: SyncDirection, sourceIds: readonly string[]): Promise<void> {
    for (let i = 0; i < sourceIds.length; i += 500) {
      await this.db
        .deleteFrom("refused_rows")
        .where("mapping_name", "=", mappingName)
        .where("direction", "=", direction)
        .where(
          "source_id",
          "in",
          sourceIds.slice(i, i + 500).map((id) => id.toLowerCase()),
        )
        .execute();
    }
  }
}
