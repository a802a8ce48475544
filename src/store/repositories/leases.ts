import type { Executor } from "./executor.ts";

export interface MappingLease {
  mappingName: string;
  holder: string;
  acquiredAt: string;
  expiresAt: string;
}

/**
 * Leases on mappings: one run of a mapping at a time across every process sharing the store (SQLite and PostgreSQL
 * alike). Taking one is a single upsert that only overwrites an expired lease or one the caller already holds, so
 * two processes racing for it cannot both win.
 */
export class LeasesRepository {
  constructor(private readonly db: Executor) {}

  /** Takes the lease, or returns who holds it. `takeOver` also replaces a live holder (a dead process's lease). */
  async acquire(
    mappingName: string,
    holder: string,
    ttlMs: number,
    now = new Date(),
    takeOver?: string,
  ): Promise<{ ok: true } | { ok: false; lease: MappingLease }> {
    const row = {
      mapping_name: mappingName,
      holder,
      acquired_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlMs).toISOString(),
    };
    await this.db
      .insertInto("mapping_leases")
      .values(row)
      .onConflict((oc) =>
        oc
          .column("mapping_name")
          .doUpdateSet({ holder: row.holder, acquired_at: row.acquired_at, expires_at: row.expires_at })
          .where((eb) =>
            eb.or([
              eb("mapping_leases.expires_at", "<", row.acquired_at),
              eb("mapping_leases.holder", "=", holder),
              ...(takeOver ? [eb("mapping_leases.holder", "=", takeOver)] : []),
            ]),
          ),
      )
      .execute();
    const current = await this.get(mappingName);
    if (current && current.holder === holder) return { ok: true };
    return { ok: false, lease: current ?? { mappingName, holder: "?", acquiredAt: "", expiresAt: "" } };
  }

  async get(mappingName: string): Promise<MappingLease | undefined> {
    const r = await this.db
      .selectFrom("mapping_leases")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .executeTakeFirst();
    return r
      ? { mappingName: r.mapping_name, holder: r.holder, acquiredAt: r.acquired_at, expiresAt: r.expires_at }
      : undefined;
  }

  /** Extends a lease the caller holds; false when it lost it (expired and taken by another). */
  async renew(mappingName: string, holder: string, ttlMs: number, now = new Date()): Promise<boolean> {
    const r = await this.db
      .updateTable("mapping_leases")
      .set({ expires_at: new Date(now.getTime() + ttlMs).toISOString() })
      .where("mapping_name", "=", mappingName)
      .where("holder", "=", holder)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async release(mappingName: string, holder: string): Promise<void> {
    await this.db
      .deleteFrom("mapping_leases")
      .where("mapping_name", "=", mappingName)
      .where("holder", "=", holder)
      .execute();
  }
}
