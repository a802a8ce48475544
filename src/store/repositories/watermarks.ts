import type { SyncDirection } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface Watermark {
  modifiedAt: string | null;
  deltaLink: string | null;
}

/** Per mapping and direction: how far change detection has read. A modified-on watermark only ever rises. */
export class WatermarksRepository {
  constructor(private readonly db: Executor) {}

  async get(mappingName: string, direction: SyncDirection): Promise<Watermark> {
    const row = await this.db
      .selectFrom("watermarks")
      .select(["modified_at", "delta_link"])
      .where("mapping_name", "=", mappingName)
      .where("direction", "=", direction)
      .executeTakeFirst();
    return { modifiedAt: row?.modified_at ?? null, deltaLink: row?.delta_link ?? null };
  }

  /** Raises the watermark to `modifiedAt` unless it is already later; sets the delta link when given. */
  async advance(
    mappingName: string,
    direction: SyncDirection,
    next: { modifiedAt?: string | null; deltaLink?: string | null },
  ): Promise<void> {
    const current = await this.get(mappingName, direction);
    const modifiedAt =
      // As instants, not strings: "…:00Z" and "…:00.001Z" sort the wrong way round as text.
      next.modifiedAt && (!current.modifiedAt || Date.parse(next.modifiedAt) > Date.parse(current.modifiedAt))
        ? next.modifiedAt
        : current.modifiedAt;
    const deltaLink = next.deltaLink !== undefined ? next.deltaLink : current.deltaLink;
    const row = {
      mapping_name: mappingName,
      direction,
      modified_at: modifiedAt,
      delta_link: deltaLink,
      updated_at: nowIso(),
    };
    await this.db
      .insertInto("watermarks")
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(["mapping_name", "direction"])
          .doUpdateSet({ modified_at: modifiedAt, delta_link: deltaLink, updated_at: row.updated_at }),
      )
      .execute();
  }

  /** Forgets where reading stopped, so the next run reads everything again (full sync, restart of a mapping). */
  async reset(mappingName: string, direction?: SyncDirection): Promise<void> {
    let query = this.db.deleteFrom("watermarks").where("mapping_name", "=", mappingName);
    if (direction) query = query.where("direction", "=", direction);
    await query.execute();
  }
}
