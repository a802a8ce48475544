import { type SelectQueryBuilder, sql } from "kysely";
import { bcsyncError, STORE_COUPLING_EXISTS } from "../../errors/catalogue.ts";
import type { CouplingsTable, Database, SyncDirection } from "../schema.ts";
import { insertCounting } from "./bulk-insert.ts";
import type { Executor } from "./executor.ts";
import { nowIso, toFlag } from "./executor.ts";

export interface Coupling {
  mappingName: string;
  bcId: string;
  dataverseId: string;
  bcModifiedAt: string | null;
  dataverseModifiedAt: string | null;
  bcVersion: string | null;
  dataverseVersion: string | null;
  snapshot: Record<string, unknown> | null;
  snapshotHash: string | null;
  lastResultToDataverse: "success" | "failure" | null;
  lastResultFromDataverse: "success" | "failure" | null;
  /** The sync job that last wrote (or failed) this record in each direction. */
  lastJobToDataverse: string | null;
  lastJobFromDataverse: string | null;
  skipped: boolean;
  failureCount: number;
  lastError: string | null;
}

export interface NewCoupling {
  mappingName: string;
  bcId: string;
  dataverseId: string;
  bcModifiedAt?: string | null;
  dataverseModifiedAt?: string | null;
  bcVersion?: string | null;
  dataverseVersion?: string | null;
  snapshot?: Record<string, unknown> | null;
  snapshotHash?: string | null;
}

/** State after a successful write in one direction: both sides' stamps as they now are. */
export interface SyncSuccess {
  direction: SyncDirection;
  jobId: string;
  bcModifiedAt?: string | null;
  dataverseModifiedAt?: string | null;
  bcVersion?: string | null;
  dataverseVersion?: string | null;
  snapshot: Record<string, unknown>;
  /**
   * A fingerprint of what was written, for flows that decide "unchanged" by it (price list lines, sales prices:
   * src/integration/coupled-writes.ts). The engine's mappings compare snapshots themselves and store none: hashing
   * every record's snapshot was 8% of a full sync's main thread.
   */
  snapshotHash?: string | null;
}

export type IsUniqueViolation = (error: unknown) => boolean;

/** Couplings: which BC record belongs to which Dataverse row, per table mapping, with the last-synced state. */
export class CouplingsRepository {
  constructor(
    private readonly db: Executor,
    private readonly isUniqueViolation: IsUniqueViolation,
  ) {}

  /** Couples two records; a record already coupled on either side is refused with BCSYNC_E_STORE_COUPLING_EXISTS. */
  async couple(coupling: NewCoupling): Promise<Coupling> {
    const row = newRow(coupling, nowIso());
    // Look first: after a unique violation PostgreSQL refuses further queries in the same transaction, so the
    // error could not name the other record. The constraint still guards against a concurrent writer.
    const existing = await this.findCollision(coupling);
    if (existing) throw existing;
    try {
      await this.db.insertInto("couplings").values(row).execute();
    } catch (error) {
      if (!this.isUniqueViolation(error)) throw error;
      throw bcsyncError(
        STORE_COUPLING_EXISTS,
        {
          mapping: coupling.mappingName,
          side: "Business Central",
          id: coupling.bcId,
          otherId: "another record (coupled concurrently)",
        },
        { cause: error },
      );
    }
    return fromRow(row);
  }

  /**
   * Couples many pairs at once: one insert per chunk, `ON CONFLICT DO NOTHING`, so the common case (nothing coupled
   * yet, every row inserted) costs no lookup and no RETURNING; a full sync couples every record through here. All
   * or nothing: when a pair is already coupled on either side (or twice in the call), the rows this call inserted
   * are deleted again and the call is refused with BCSYNC_E_STORE_COUPLING_EXISTS naming the other record. No
   * statement fails, so PostgreSQL keeps the transaction usable for the lookup and the undo.
   */
  async coupleMany(couplings: readonly NewCoupling[]): Promise<void> {
    const inserted: { mappingName: string; bcId: string }[] = [];
    for (let i = 0; i < couplings.length; i += 200) {
      const chunk = couplings.slice(i, i + 200);
      const now = nowIso();
      const count = await insertCounting(
        this.db,
        "couplings:coupleMany",
        chunk.map((c) => newRow(c, now)),
        (values) =>
          this.db
            .insertInto("couplings")
            .values([...values])
            .onConflict((oc) => oc.doNothing()),
      );
      if (count === chunk.length) {
        for (const c of chunk) inserted.push({ mappingName: c.mappingName, bcId: c.bcId });
        continue;
      }
      // Some pairs were refused: the chunk's rows this statement inserted are those stored as it wrote them.
      const mine = await this.storedAsWritten(chunk, now);
      const pairOf = (c: NewCoupling) => `${c.mappingName}\u0000${c.bcId}\u0000${c.dataverseId}`;
      for (const c of chunk) if (mine.has(pairOf(c))) inserted.push({ mappingName: c.mappingName, bcId: c.bcId });
      const refused = chunk.find((c) => !mine.has(pairOf(c)));
      // Only the same pair twice in the call (stored once): nothing to refuse.
      if (!refused) continue;
      const clash = await this.findCollision(refused);
      await this.uncoupleMany(inserted);
      throw (
        clash ??
        bcsyncError(STORE_COUPLING_EXISTS, {
          mapping: refused.mappingName,
          side: "Business Central",
          id: refused.bcId,
          otherId: "another record (coupled concurrently)",
        })
      );
    }
  }

  /** The pairs of `chunk` stored with the creation time `now` (an insert's own rows), as mapping, BC id, DV id. */
  private async storedAsWritten(chunk: readonly NewCoupling[], now: string): Promise<Set<string>> {
    const stored = new Set<string>();
    for (const [mappingName, bcIds] of bcIdsByMapping(chunk)) {
      const rows = await this.db
        .selectFrom("couplings")
        .select(["bc_id", "dataverse_id"])
        .where("mapping_name", "=", mappingName)
        .where("bc_id", "in", bcIds)
        .where("created_at", "=", now)
        .execute();
      for (const r of rows) stored.add(`${mappingName}\u0000${r.bc_id}\u0000${r.dataverse_id}`);
    }
    return stored;
  }

  /** Removes couplings by BC id (the undo of a refused coupleMany). */
  private async uncoupleMany(couplings: readonly { mappingName: string; bcId: string }[]): Promise<void> {
    for (const [mappingName, ids] of bcIdsByMapping(couplings)) {
      for (let i = 0; i < ids.length; i += 500) {
        await this.db
          .deleteFrom("couplings")
          .where("mapping_name", "=", mappingName)
          .where("bc_id", "in", ids.slice(i, i + 500))
          .execute();
      }
    }
  }

  /** Couplings whose last sync in `direction` failed and that are not skipped: retried first on the next pass. */
  async listFailed(mappingName: string, direction: SyncDirection, limit = 10_000): Promise<Coupling[]> {
    const column = direction === "toDataverse" ? "last_result_to_dataverse" : "last_result_from_dataverse";
    const rows = await this.db
      .selectFrom("couplings")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      // Literals, not parameters: the planners match them to the partial indexes (migration 008).
      .where(column, "=", sql.lit("failure"))
      .where("skipped", "=", sql.lit(0))
      .orderBy("bc_id")
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /**
   * Dataverse ids of the couplings whose snapshot owes fields to Business Central: a scheduled Dataverse → BC pass
   * that leaves the integration user's rows out of its read reads these by id.
   */
  async listPendingFromDataverse(mappingName: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("couplings")
      .select("dataverse_id")
      .where("mapping_name", "=", mappingName)
      .where("pending_from_dataverse", "=", sql.lit(1))
      .orderBy("dataverse_id")
      .execute();
    return rows.map((r) => r.dataverse_id);
  }

  private async findCollision(coupling: NewCoupling): Promise<Error | undefined> {
    const byBc = await this.getByBcId(coupling.mappingName, coupling.bcId);
    if (byBc) {
      return bcsyncError(STORE_COUPLING_EXISTS, {
        mapping: coupling.mappingName,
        side: "Business Central",
        id: coupling.bcId,
        otherId: byBc.dataverseId,
      });
    }
    const byDv = await this.getByDataverseId(coupling.mappingName, coupling.dataverseId);
    if (byDv) {
      return bcsyncError(STORE_COUPLING_EXISTS, {
        mapping: coupling.mappingName,
        side: "Dataverse",
        id: coupling.dataverseId,
        otherId: byDv.bcId,
      });
    }
    return undefined;
  }

  async getByBcId(mappingName: string, bcId: string): Promise<Coupling | undefined> {
    const row = await this.db
      .selectFrom("couplings")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .where("bc_id", "=", bcId)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async getByDataverseId(mappingName: string, dataverseId: string): Promise<Coupling | undefined> {
    const row = await this.db
      .selectFrom("couplings")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .where("dataverse_id", "=", dataverseId)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Couplings of a page of records in one query, keyed by the side's id. */
  async findMany(
    mappingName: string,
    side: "bc" | "dataverse",
    ids: readonly string[],
  ): Promise<Map<string, Coupling>> {
    const found = new Map<string, Coupling>();
    const column = side === "bc" ? "bc_id" : "dataverse_id";
    // Chunked: SQLite caps bound parameters; PostgreSQL is happier with moderate IN lists too.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db
        .selectFrom("couplings")
        .selectAll()
        .where("mapping_name", "=", mappingName)
        .where(column, "in", chunk)
        .execute();
      for (const row of rows) found.set(side === "bc" ? row.bc_id : row.dataverse_id, fromRow(row));
    }
    return found;
  }

  /** Pages through a mapping's couplings in BC id order (keyset paging: constant memory for any size). */
  async *iterate(mappingName: string, pageSize = 1000): AsyncGenerator<Coupling> {
    for await (const rows of this.pages(mappingName, pageSize, (q) => q.selectAll())) {
      for (const row of rows) yield fromRow(row);
    }
  }

  /**
   * The mapping's coupled id pairs, in BC id order: what a full pass's deletion check and the price list rules
   * look at. Only the two ids are read: reading every coupling whole for them (each snapshot read and parsed) cost
   * a 20,000-item sync 160 ms of SQLite time and 75 ms of parsing.
   */
  async *iteratePairs(mappingName: string, pageSize = 1000): AsyncGenerator<{ bcId: string; dataverseId: string }> {
    for await (const rows of this.pages(mappingName, pageSize, (q) => q.select(["bc_id", "dataverse_id"]))) {
      for (const row of rows) yield { bcId: row.bc_id, dataverseId: row.dataverse_id };
    }
  }

  /** The mapping's couplings a page at a time, by BC id (keyset paging: each page one index range). */
  private async *pages<R extends { bc_id: string }>(
    mappingName: string,
    pageSize: number,
    columns: (query: SelectQueryBuilder<Database, "couplings", object>) => SelectQueryBuilder<Database, "couplings", R>,
  ): AsyncGenerator<R[]> {
    let after = "";
    for (;;) {
      const rows = await columns(this.db.selectFrom("couplings"))
        .where("mapping_name", "=", mappingName)
        .where("bc_id", ">", after)
        .orderBy("bc_id")
        .limit(pageSize)
        .execute();
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].bc_id;
    }
  }

  /** Whether the mapping has any coupling (one index probe, where count reads them all). */
  async hasAny(mappingName: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("couplings")
      .select("bc_id")
      .where("mapping_name", "=", mappingName)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async count(mappingName: string, filter: { skipped?: boolean } = {}): Promise<number> {
    let query = this.db
      .selectFrom("couplings")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .where("mapping_name", "=", mappingName);
    if (filter.skipped !== undefined) query = query.where("skipped", "=", sql.lit(toFlag(filter.skipped)));
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async uncoupleByBcId(mappingName: string, bcId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("couplings")
      .where("mapping_name", "=", mappingName)
      .where("bc_id", "=", bcId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async uncoupleByDataverseId(mappingName: string, dataverseId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("couplings")
      .where("mapping_name", "=", mappingName)
      .where("dataverse_id", "=", dataverseId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async uncoupleAll(mappingName: string): Promise<number> {
    const r = await this.db.deleteFrom("couplings").where("mapping_name", "=", mappingName).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Records a successful sync: result, job, the new stamps and the snapshot; clears failures (fixed errors heal). */
  async recordSuccess(mappingName: string, bcId: string, success: SyncSuccess): Promise<void> {
    const toDv = success.direction === "toDataverse";
    await this.db
      .updateTable("couplings")
      .set({
        ...(toDv
          ? { last_result_to_dataverse: "success", last_job_to_dataverse: success.jobId }
          : { last_result_from_dataverse: "success", last_job_from_dataverse: success.jobId }),
        ...(success.bcModifiedAt !== undefined ? { bc_modified_at: success.bcModifiedAt } : {}),
        ...(success.dataverseModifiedAt !== undefined ? { dataverse_modified_at: success.dataverseModifiedAt } : {}),
        ...(success.bcVersion !== undefined ? { bc_version: success.bcVersion } : {}),
        ...(success.dataverseVersion !== undefined ? { dataverse_version: success.dataverseVersion } : {}),
        snapshot: JSON.stringify(success.snapshot),
        snapshot_hash: success.snapshotHash ?? null,
        pending_from_dataverse: pendingFromDataverse(success.snapshot),
        skipped: 0,
        failure_count: 0,
        last_error: null,
        updated_at: nowIso(),
      })
      .where("mapping_name", "=", mappingName)
      .where("bc_id", "=", bcId)
      .execute();
  }

  /**
   * Stores the Dataverse version and stamp of coupled rows read without being planned (a full sync's own writes,
   * read back by its Dataverse → BC pass), where they differ from those stored: one statement per 300 rows, and no
   * row rewritten that already holds them. A later update then goes out on the stored version unread.
   */
  async recordDataverseStamps(
    mappingName: string,
    rows: readonly { dataverseId: string; version: string | null; modifiedAt: string | null }[],
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += 300) {
      const values = sql.join(
        rows.slice(i, i + 300).map((r) => sql`(${r.dataverseId.toLowerCase()}, ${r.version}, ${r.modifiedAt})`),
      );
      // VALUES names its columns column1… in both SQLite and PostgreSQL.
      await sql`update couplings set dataverse_version = s.version, dataverse_modified_at = s.modified_at
        from (select column1 as id, column2 as version, column3 as modified_at from (values ${values}) as v) as s
        where couplings.mapping_name = ${mappingName} and couplings.dataverse_id = s.id
          and (couplings.dataverse_version is distinct from s.version
            or couplings.dataverse_modified_at is distinct from s.modified_at)`.execute(this.db);
    }
  }

  /**
   * Records a failed sync. The record is skipped once the same error has repeated `skipAfter` times in a row
   * (Business Central skips on the second identical failure); a different error restarts the count.
   * Returns whether the record is now skipped.
   */
  async recordFailure(
    mappingName: string,
    bcId: string,
    failure: {
      direction: SyncDirection;
      jobId: string;
      error: string;
      skipAfter: number;
      /** A throttle, time-out or outage: recorded, but it neither counts towards skipping nor skips. */
      transient?: boolean;
    },
  ): Promise<boolean> {
    const current = await this.getByBcId(mappingName, bcId);
    if (!current) return false;
    const failureCount = failure.transient
      ? current.failureCount
      : current.lastError === failure.error
        ? current.failureCount + 1
        : 1;
    const skipped = failure.transient ? current.skipped : failure.skipAfter > 0 && failureCount >= failure.skipAfter;
    const toDv = failure.direction === "toDataverse";
    await this.db
      .updateTable("couplings")
      .set({
        ...(toDv
          ? { last_result_to_dataverse: "failure", last_job_to_dataverse: failure.jobId }
          : { last_result_from_dataverse: "failure", last_job_from_dataverse: failure.jobId }),
        failure_count: failureCount,
        last_error: failure.error,
        skipped: toFlag(skipped),
        updated_at: nowIso(),
      })
      .where("mapping_name", "=", mappingName)
      .where("bc_id", "=", bcId)
      .execute();
    return skipped;
  }

  /** Un-skips one record (by BC id) or, without an id, every skipped record of the mapping. Returns how many. */
  async unskip(mappingName: string, bcId?: string): Promise<number> {
    let query = this.db
      .updateTable("couplings")
      .set({ skipped: 0, failure_count: 0, updated_at: nowIso() })
      .where("mapping_name", "=", mappingName)
      .where("skipped", "=", sql.lit(1));
    if (bcId !== undefined) query = query.where("bc_id", "=", bcId);
    const r = await query.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async listSkipped(mappingName: string): Promise<Coupling[]> {
    const rows = await this.db
      .selectFrom("couplings")
      .selectAll()
      .where("mapping_name", "=", mappingName)
      .where("skipped", "=", sql.lit(1))
      .orderBy("bc_id")
      .execute();
    return rows.map(fromRow);
  }
}

/** Whether a stored snapshot (the engine's `{ fields, pending? }`) owes fields to Business Central. */
function pendingFromDataverse(snapshot: Record<string, unknown> | null | undefined): number {
  const pending = snapshot?.pending as { fromDataverse?: readonly unknown[] } | undefined;
  return toFlag((pending?.fromDataverse?.length ?? 0) > 0);
}

/** BC ids grouped by mapping, for one statement per mapping. */
function bcIdsByMapping(couplings: readonly { mappingName: string; bcId: string }[]): Map<string, string[]> {
  const byMapping = new Map<string, string[]>();
  for (const c of couplings) {
    const ids = byMapping.get(c.mappingName);
    if (ids) ids.push(c.bcId);
    else byMapping.set(c.mappingName, [c.bcId]);
  }
  return byMapping;
}

function newRow(coupling: NewCoupling, now: string): CouplingsTable {
  return {
    mapping_name: coupling.mappingName,
    bc_id: coupling.bcId,
    dataverse_id: coupling.dataverseId,
    bc_modified_at: coupling.bcModifiedAt ?? null,
    dataverse_modified_at: coupling.dataverseModifiedAt ?? null,
    bc_version: coupling.bcVersion ?? null,
    dataverse_version: coupling.dataverseVersion ?? null,
    snapshot: coupling.snapshot ? JSON.stringify(coupling.snapshot) : null,
    snapshot_hash: coupling.snapshotHash ?? null,
    pending_from_dataverse: pendingFromDataverse(coupling.snapshot),
    last_result_to_dataverse: null,
    last_result_from_dataverse: null,
    last_job_to_dataverse: null,
    last_job_from_dataverse: null,
    skipped: 0,
    failure_count: 0,
    last_error: null,
    created_at: now,
    updated_at: now,
  };
}

function fromRow(row: CouplingsTable): Coupling {
  return {
    mappingName: row.mapping_name,
    bcId: row.bc_id,
    dataverseId: row.dataverse_id,
    bcModifiedAt: row.bc_modified_at,
    dataverseModifiedAt: row.dataverse_modified_at,
    bcVersion: row.bc_version,
    dataverseVersion: row.dataverse_version,
    snapshot: row.snapshot ? JSON.parse(row.snapshot) : null,
    snapshotHash: row.snapshot_hash,
    lastResultToDataverse: row.last_result_to_dataverse,
    lastResultFromDataverse: row.last_result_from_dataverse,
    lastJobToDataverse: row.last_job_to_dataverse,
    lastJobFromDataverse: row.last_job_from_dataverse,
    skipped: Number(row.skipped) === 1,
    failureCount: Number(row.failure_count),
    lastError: row.last_error,
  };
}
