import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORE_DIALECTS } from "../../test/helpers/store-dialects.ts";
import { isBcsyncError, STORE_COUPLING_EXISTS } from "../errors/catalogue.ts";
import { nextQueueState, type Store } from "./index.ts";

for (const dialect of STORE_DIALECTS) {
  describe.skipIf(dialect.skipReason)(`state store on ${dialect.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await dialect.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("migrates up from empty and is idempotent", async () => {
      const tables = await store.db.introspection.getTables();
      const names = tables
        .filter((t) => store.schema === undefined || t.schema === store.schema)
        .map((t) => t.name)
        .filter((n) => !n.startsWith("kysely_"));
      expect(names.sort()).toEqual(
        [
          "api_tokens",
          "conflicts",
          "couplings",
          "field_mappings",
          "full_sync_review",
          "held_deletions",
          "job_queue_entries",
          "mapping_leases",
          "pending_writes",
          "refused_rows",
          "sessions",
          "settings",
          "sync_errors",
          "sync_jobs",
          "table_mappings",
          "users",
          "watermarks",
        ].sort(),
      );
      expect(await store.migrate()).toEqual([]);
    });

    it("stores the Dataverse versions and stamps of coupled rows where they differ, in one statement a chunk", async () => {
      await store.couplings.couple({ mappingName: "CUSTOMER", bcId: "bc-1", dataverseId: "dv-1" });
      await store.couplings.couple({ mappingName: "CUSTOMER", bcId: "bc-2", dataverseId: "dv-2" });
      await store.couplings.couple({ mappingName: "OTHER", bcId: "bc-3", dataverseId: "dv-1" });
      await store.couplings.recordDataverseStamps("CUSTOMER", [
        { dataverseId: "DV-1", version: "7", modifiedAt: "2026-12-06T10:00:00Z" },
        { dataverseId: "dv-9", version: "8", modifiedAt: "2026-12-06T10:00:01Z" },
      ]);
      const one = await store.couplings.getByBcId("CUSTOMER", "bc-1");
      expect([one?.dataverseVersion, one?.dataverseModifiedAt]).toEqual(["7", "2026-12-06T10:00:00Z"]);
      // Another coupling of the mapping, and the same Dataverse id in another mapping, are left alone.
      expect((await store.couplings.getByBcId("CUSTOMER", "bc-2"))?.dataverseVersion).toBeNull();
      expect((await store.couplings.getByBcId("OTHER", "bc-3"))?.dataverseVersion).toBeNull();
      // Many rows: chunked, each stored.
      const many = Array.from({ length: 650 }, (_, i) => ({ bcId: `b-${i}`, dataverseId: `d-${i}` }));
      await store.couplings.coupleMany(many.map((c) => ({ mappingName: "MANY", ...c })));
      await store.couplings.recordDataverseStamps(
        "MANY",
        many.map((c, i) => ({ dataverseId: c.dataverseId, version: String(i), modifiedAt: null })),
      );
      expect((await store.couplings.getByBcId("MANY", "b-649"))?.dataverseVersion).toBe("649");
      expect((await store.couplings.getByBcId("MANY", "b-0"))?.dataverseVersion).toBe("0");
    });

    it("refuses a second coupling of the same record on either side with a catalogued error", async () => {
      await store.couplings.couple({ mappingName: "CUSTOMER", bcId: "bc-1", dataverseId: "dv-1" });
      const sameBc = await store.couplings
        .couple({ mappingName: "CUSTOMER", bcId: "bc-1", dataverseId: "dv-2" })
        .catch((e: unknown) => e);
      expect(isBcsyncError(sameBc, STORE_COUPLING_EXISTS)).toBe(true);
      expect((sameBc as Error).message).toBe(
        "The Business Central record bc-1 is already coupled to dv-1 in mapping CUSTOMER.",
      );
      const sameDv = await store.couplings
        .couple({ mappingName: "CUSTOMER", bcId: "bc-2", dataverseId: "dv-1" })
        .catch((e: unknown) => e);
      expect(isBcsyncError(sameDv, STORE_COUPLING_EXISTS)).toBe(true);
      expect((sameDv as Error).message).toContain("Dataverse record dv-1 is already coupled to bc-1");
      // The same ids in another mapping are a different coupling.
      await store.couplings.couple({ mappingName: "CONTACT", bcId: "bc-1", dataverseId: "dv-1" });
      expect(await store.couplings.count("CUSTOMER")).toBe(1);
    });

    it("has a durable transaction's commit on disk before it returns, so a power loss keeps a write intent", async () => {
      if (dialect.name === "sqlite") {
        // Synced at checkpoints (NORMAL = 1), except a durable transaction's commit (FULL = 2), restored after.
        const synchronous = async (db = store.db) =>
          (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0].synchronous;
        expect(await synchronous()).toBe(1);
        const inside = await store.transaction(async (trx) => synchronous(trx.db), { durable: true });
        expect(inside).toBe(2);
        expect(await synchronous()).toBe(1);
        // An ordinary transaction commits as the store does.
        expect(await store.transaction(async (trx) => synchronous(trx.db))).toBe(1);
      } else {
        // PostgreSQL waits for its WAL flush at every commit (synchronous_commit on).
        const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(store.db);
        expect(rows[0].synchronous_commit).toBe("on");
      }
    });

    it("rolls a failed transaction back completely", async () => {
      const failure = await store
        .transaction(async (tx) => {
          await tx.mappings.save({
            name: "ITEM-PRODUCT",
            bc: { entitySet: "items" },
            dataverse: { table: "product" },
            direction: "bidirectional",
            runOrder: 3,
            fields: [{ bcField: "number", dataverseField: "productnumber", direction: "bidirectional" }],
          });
          await tx.couplings.couple({ mappingName: "ITEM-PRODUCT", bcId: "i-1", dataverseId: "p-1" });
          await tx.couplings.couple({ mappingName: "ITEM-PRODUCT", bcId: "i-2", dataverseId: "p-1" }); // duplicate: throws
        })
        .catch((e: unknown) => e);
      expect(isBcsyncError(failure, STORE_COUPLING_EXISTS)).toBe(true);
      expect(await store.mappings.get("ITEM-PRODUCT")).toBeUndefined();
      expect(await store.couplings.count("ITEM-PRODUCT")).toBe(0);
      const n = await sql<{ n: number }>`select count(*) as n from field_mappings`.execute(store.db);
      expect(Number(n.rows[0].n)).toBe(0);
    });

    it("saves and lists table mappings with their field mappings in run order", async () => {
      await store.mappings.save({
        name: "B",
        bc: { entitySet: "items" },
        dataverse: { table: "product" },
        direction: "bidirectional",
        runOrder: 2,
        fields: [],
        dependsOn: ["A"],
      });
      await store.mappings.save({
        name: "A",
        bc: { entitySet: "unitsOfMeasure" },
        dataverse: { table: "uomschedule" },
        direction: "toDataverse",
        runOrder: 1,
        fields: [
          { bcField: "code", dataverseField: "name", direction: "toDataverse" },
          { dataverseField: "baseuomname", constant: "Unit", direction: "toDataverse", enabled: false },
        ],
      });
      const list = await store.mappings.list();
      expect(list.map((m) => m.name)).toEqual(["A", "B"]);
      expect(list[0].fields).toHaveLength(2);
      expect(list[0].fields[1]).toMatchObject({ constant: "Unit", enabled: false });
      expect(list[1]).toMatchObject({ dependsOn: ["A"] });
      await store.mappings.save({ ...list[0], fields: [list[0].fields[0]] });
      expect((await store.mappings.get("A"))?.fields).toHaveLength(1);
      expect(await store.mappings.delete("A")).toBe(true);
      expect(await store.mappings.get("A")).toBeUndefined();
    });

    it("skips a record only after the same failure repeats, and heals on success", async () => {
      await store.couplings.couple({ mappingName: "CUSTOMER", bcId: "c-1", dataverseId: "a-1" });
      const job = await store.jobs.start({ mappingName: "CUSTOMER", direction: "toDataverse" });
      const fail = (error: string) =>
        store.couplings.recordFailure("CUSTOMER", "c-1", {
          direction: "toDataverse",
          jobId: job.id,
          error,
          skipAfter: 2,
        });
      expect(await fail("Name too long")).toBe(false);
      expect(await fail("Owner not coupled")).toBe(false); // a different error restarts the count
      expect(await fail("Owner not coupled")).toBe(true);
      expect((await store.couplings.listSkipped("CUSTOMER")).map((c) => c.bcId)).toEqual(["c-1"]);
      expect(await store.couplings.unskip("CUSTOMER")).toBe(1);
      await store.couplings.recordSuccess("CUSTOMER", "c-1", {
        direction: "toDataverse",
        jobId: job.id,
        dataverseVersion: 'W/"12"',
        snapshot: { name: "Adatum" },
        snapshotHash: "h1",
      });
      const c = await store.couplings.getByBcId("CUSTOMER", "c-1");
      expect(c).toMatchObject({
        skipped: false,
        failureCount: 0,
        lastError: null,
        dataverseVersion: 'W/"12"',
        snapshot: { name: "Adatum" },
      });
    });

    it("couples many at once, all or nothing, and finds failed couplings to retry", async () => {
      await store.couplings.coupleMany(
        Array.from({ length: 450 }, (_, i) => ({ mappingName: "ITEM-PRODUCT", bcId: `i-${i}`, dataverseId: `p-${i}` })),
      );
      expect(await store.couplings.count("ITEM-PRODUCT")).toBe(450);
      const clash = await store
        .transaction((tx) =>
          tx.couplings.coupleMany([
            { mappingName: "ITEM-PRODUCT", bcId: "i-new", dataverseId: "p-new" },
            { mappingName: "ITEM-PRODUCT", bcId: "i-other", dataverseId: "p-7" },
          ]),
        )
        .catch((e: unknown) => e);
      expect(isBcsyncError(clash, STORE_COUPLING_EXISTS)).toBe(true);
      expect((clash as Error).message).toBe(
        "The Dataverse record p-7 is already coupled to i-7 in mapping ITEM-PRODUCT.",
      );
      expect(await store.couplings.getByBcId("ITEM-PRODUCT", "i-new")).toBeUndefined();
      // Outside a transaction too: the pairs inserted before the clash are taken back, even across chunks.
      const outside = await store.couplings
        .coupleMany([
          ...Array.from({ length: 250 }, (_, i) => ({
            mappingName: "ITEM-PRODUCT",
            bcId: `n-${i}`,
            dataverseId: `q-${i}`,
          })),
          { mappingName: "ITEM-PRODUCT", bcId: "n-0", dataverseId: "q-dup" },
        ])
        .catch((e: unknown) => e);
      expect(isBcsyncError(outside, STORE_COUPLING_EXISTS)).toBe(true);
      expect(await store.couplings.count("ITEM-PRODUCT")).toBe(450);
      // The id pairs alone, a page at a time, in BC id order (what deletion checks and the price list rules read).
      const pairs: { bcId: string; dataverseId: string }[] = [];
      for await (const pair of store.couplings.iteratePairs("ITEM-PRODUCT", 100)) pairs.push(pair);
      expect(pairs).toHaveLength(450);
      expect(pairs.map((p) => p.bcId)).toEqual(Array.from({ length: 450 }, (_, i) => `i-${i}`).sort());
      expect(pairs.find((p) => p.bcId === "i-7")).toEqual({ bcId: "i-7", dataverseId: "p-7" });

      const job = await store.jobs.start({ mappingName: "ITEM-PRODUCT", direction: "toDataverse" });
      const fail = (bcId: string, transient = false) =>
        store.couplings.recordFailure("ITEM-PRODUCT", bcId, {
          direction: "toDataverse",
          jobId: job.id,
          error: "429",
          skipAfter: 2,
          transient,
        });
      expect(await fail("i-3", true)).toBe(false);
      expect(await fail("i-3", true)).toBe(false); // transient failures never skip
      expect((await store.couplings.getByBcId("ITEM-PRODUCT", "i-3"))?.failureCount).toBe(0);
      await fail("i-5");
      expect((await store.couplings.listFailed("ITEM-PRODUCT", "toDataverse")).map((c) => c.bcId)).toEqual([
        "i-3",
        "i-5",
      ]);
      expect(await store.couplings.listFailed("ITEM-PRODUCT", "fromDataverse")).toEqual([]);
    });

    it("finds failed, skipped and owing couplings through indexes that hold only those rows", async () => {
      // Each status index holds only the couplings in that state (migration 008), so the couplings a full sync
      // writes cost no insert into them; the queries must still be answered from them, not by a scan.
      await store.couplings.coupleMany(
        Array.from({ length: 300 }, (_, i) => ({ mappingName: "CUSTOMER", bcId: `c-${i}`, dataverseId: `a-${i}` })),
      );
      const job = await store.jobs.start({ mappingName: "CUSTOMER", direction: "fromDataverse" });
      await store.couplings.recordFailure("CUSTOMER", "c-7", {
        direction: "fromDataverse",
        jobId: job.id,
        error: "refused",
        skipAfter: 1,
        transient: false,
      });
      expect((await store.couplings.listSkipped("CUSTOMER")).map((c) => c.bcId)).toEqual(["c-7"]);
      expect(await store.couplings.count("CUSTOMER", { skipped: true })).toBe(1);
      expect(await store.couplings.count("CUSTOMER", { skipped: false })).toBe(299);
      expect(await store.couplings.listFailed("CUSTOMER", "fromDataverse")).toEqual([]); // skipped: not retried
      expect(await store.couplings.unskip("CUSTOMER")).toBe(1);
      expect((await store.couplings.listFailed("CUSTOMER", "fromDataverse")).map((c) => c.bcId)).toEqual(["c-7"]);

      const plans: Record<string, string> = {
        couplings_failed_from_dataverse: `select bc_id from couplings where mapping_name = 'CUSTOMER'
          and last_result_from_dataverse = 'failure' and skipped = 0 order by bc_id`,
        couplings_skipped: "select bc_id from couplings where mapping_name = 'CUSTOMER' and skipped = 1",
        couplings_pending_from_dataverse: `select dataverse_id from couplings where mapping_name = 'CUSTOMER'
          and pending_from_dataverse = 1 order by dataverse_id`,
      };
      for (const [index, query] of Object.entries(plans)) {
        let plan: string;
        if (dialect.name === "sqlite") {
          const rows = await sql<{ detail: string }>`explain query plan ${sql.raw(query)}`.execute(store.db);
          plan = rows.rows.map((r) => r.detail).join("; ");
        } else {
          // 300 rows: PostgreSQL would scan them all; asked not to, it shows which index can answer.
          plan = await store.db.connection().execute(async (db) => {
            await sql`set enable_seqscan = off`.execute(db);
            const rows = await sql<{ "QUERY PLAN": string }>`explain ${sql.raw(query)}`.execute(db);
            await sql`reset enable_seqscan`.execute(db);
            return rows.rows.map((r) => r["QUERY PLAN"]).join("; ");
          });
        }
        expect(plan, query).toContain(index);
      }
      const definitions =
        dialect.name === "sqlite"
          ? await sql<{ name: string; definition: string }>`select name, sql as definition from sqlite_master
              where type = 'index' and tbl_name = 'couplings'`.execute(store.db)
          : await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition
              from pg_indexes where tablename = 'couplings' and schemaname = current_schema()`.execute(store.db);
      const partial = definitions.rows.filter((r) => /\bwhere\b/i.test(r.definition ?? "")).map((r) => r.name);
      expect(partial.sort()).toEqual([...Object.keys(plans), "couplings_failed_to_dataverse"].sort());
    });

    it("keeps a sync log with counters and errors, and prunes old clean jobs only", async () => {
      const job = await store.jobs.start({ mappingName: "CUSTOMER", direction: "toDataverse" });
      await store.jobs.count(job.id, { inserted: 3, failed: 1 });
      await store.jobs.count(job.id, { inserted: 2, unchanged: 7 });
      await store.jobs.addError(job, {
        sourceId: "c-9",
        field: "name",
        message: "too long",
        code: "X",
        requestId: "r-1",
      });
      const done = await store.jobs.finish(job.id, { status: "succeeded" });
      expect(done).toMatchObject({ inserted: 5, unchanged: 7, failed: 1, status: "succeeded" });
      expect(done.finishedAt).not.toBeNull();
      expect((await store.jobs.errors({ jobId: job.id }))[0]).toMatchObject({
        sourceId: "c-9",
        field: "name",
        requestId: "r-1",
      });
      const clean = await store.jobs.start({ mappingName: "CUSTOMER", direction: "fromDataverse" });
      await store.jobs.finish(clean.id, { status: "succeeded" });
      const pruned = await store.jobs.prune(new Date(Date.now() + 60_000).toISOString());
      expect(pruned).toBe(2); // no skipped coupling refers to the failed job
      expect(await store.jobs.list()).toEqual([]);
    });

    it("raises watermarks only forward", async () => {
      await store.watermarks.advance("CUSTOMER", "toDataverse", { modifiedAt: "2026-01-02T00:00:00.000Z" });
      await store.watermarks.advance("CUSTOMER", "toDataverse", {
        modifiedAt: "2026-01-01T00:00:00.000Z",
        deltaLink: "d1",
      });
      expect(await store.watermarks.get("CUSTOMER", "toDataverse")).toEqual({
        modifiedAt: "2026-01-02T00:00:00.000Z",
        deltaLink: "d1",
      });
      await store.watermarks.reset("CUSTOMER");
      expect(await store.watermarks.get("CUSTOMER", "toDataverse")).toEqual({ modifiedAt: null, deltaLink: null });
    });

    it("lets only one worker claim a due queue entry, then schedules by outcome", async () => {
      const entry = await store.queue.create({
        kind: "mapping",
        mappingName: "CUSTOMER",
        description: "CUSTOMER sync",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 1440,
        nextRunAt: "2026-01-01T00:00:00.000Z",
      });
      const due = await store.queue.due(new Date("2026-01-01T00:00:01.000Z"));
      expect(due.map((e) => e.id)).toEqual([entry.id]);
      expect(await store.queue.claim(due[0], "w1")).toBe(true);
      expect(await store.queue.claim(due[0], "w2")).toBe(false);
      const now = new Date("2026-01-01T00:00:05.000Z");
      const after = await store.queue.complete(entry.id, { kind: "succeeded", idle: true }, now);
      expect(after).toMatchObject({
        status: "on_hold_inactivity",
        nextRunAt: "2026-01-02T00:00:05.000Z",
        lockedBy: null,
      });
      expect(await store.queue.reactivate("CUSTOMER", now)).toBe(1);
      expect((await store.queue.get(entry.id))?.nextRunAt).toBe("2026-01-01T00:00:35.000Z");
    });

    it("tells the queue's running and due entries apart from those that wait (busy)", async () => {
      const entry = (name: string, nextRunAt: string, status?: "on_hold") =>
        store.queue.create({
          kind: "mapping",
          mappingName: name,
          description: `${name} sync`,
          intervalMinutes: 30,
          inactivityTimeoutMinutes: 1440,
          nextRunAt,
          ...(status ? { status } : {}),
        });
      const due = await entry("DUE", "2026-01-01T00:00:00.000Z");
      const running = await entry("RUNNING", "2026-01-01T00:00:00.000Z");
      await entry("LATER", "2026-01-01T01:00:00.000Z");
      await entry("HELD", "2026-01-01T00:00:00.000Z", "on_hold");
      const now = new Date("2026-01-01T00:00:01.000Z");
      expect(await store.queue.claim(running, "w1")).toBe(true);
      const busy = await store.queue.busy(now);
      expect(busy.map((e) => e.mappingName).sort()).toEqual(["DUE", "RUNNING"]);
      expect(await store.queue.claim(due, "w1")).toBe(true);
      await store.queue.complete(due.id, { kind: "succeeded", idle: true }, now);
      await store.queue.complete(running.id, { kind: "succeeded", idle: true }, now);
      expect(await store.queue.busy(now)).toEqual([]);
    });

    it("keeps write intents once per source record and clears them", async () => {
      await store.pendingWrites.record([
        { mappingName: "CUSTOMER", direction: "toDataverse", sourceId: "c-1", targetKey: "guid-1", payloadHash: null },
      ]);
      const again = await store.pendingWrites.record([
        { mappingName: "CUSTOMER", direction: "toDataverse", sourceId: "c-1", targetKey: "guid-2", payloadHash: null },
      ]);
      expect(again[0].targetKey).toBe("guid-1");
      await store.pendingWrites.clear("CUSTOMER", "toDataverse", ["c-1"]);
      expect(await store.pendingWrites.list("CUSTOMER", "toDataverse")).toEqual([]);
    });

    it("records conflicts with the losing value, and held deletions", async () => {
      await store.conflicts.record({
        mappingName: "CUSTOMER",
        bcId: "c",
        dataverseId: "a",
        field: "name",
        baseValue: "A",
        bcValue: "B",
        dataverseValue: "C",
        jobId: null,
        resolution: "bcWins",
      });
      await store.conflicts.record({
        mappingName: "CUSTOMER",
        bcId: "c",
        dataverseId: "a",
        field: "phone",
        baseValue: 1,
        bcValue: 2,
        dataverseValue: 3,
        jobId: null,
      });
      expect((await store.conflicts.list({ status: "open" })).map((c) => c.field)).toEqual(["phone"]);
      const [resolved] = await store.conflicts.list({ status: "resolved" });
      expect(resolved).toMatchObject({ dataverseValue: "C", resolution: "bcWins" });
      expect(await store.conflicts.get(resolved.id)).toEqual(resolved);
      const held = await store.heldDeletions.hold({
        mappingName: "CUSTOMER",
        direction: "toDataverse",
        recordIds: ["x", "y"],
        tableCount: 3,
      });
      expect(held).toMatchObject({ recordCount: 2, status: "held" });
      await store.heldDeletions.decide(held.id, "approved");
      expect((await store.heldDeletions.get(held.id))?.status).toBe("approved");
    });
  });
}

describe("job queue transitions (pure)", () => {
  const base = {
    recurring: true,
    intervalMinutes: 30,
    inactivityTimeoutMinutes: 720,
    attempts: 0,
    maxAttempts: 2,
    rerunDelaySeconds: 30,
    wakeRequested: false,
  };
  const now = new Date("2026-01-01T00:00:00.000Z");
  it.each([
    [{ kind: "succeeded", idle: false } as const, base, "ready", "2026-01-01T00:30:00.000Z"],
    [{ kind: "succeeded", idle: true } as const, base, "on_hold_inactivity", "2026-01-01T12:00:00.000Z"],
    [{ kind: "failed", error: "x" } as const, base, "ready", "2026-01-01T00:00:30.000Z"],
    [{ kind: "failed", error: "x" } as const, { ...base, attempts: 1 }, "error", "2026-01-01T00:30:00.000Z"],
    [{ kind: "succeeded", idle: true } as const, { ...base, recurring: false }, "finished", null],
    // A change arrived during the run: run again now, busy or idle.
    [{ kind: "succeeded", idle: true } as const, { ...base, wakeRequested: true }, "ready", "2026-01-01T00:00:00.000Z"],
    [
      { kind: "succeeded", idle: false } as const,
      { ...base, wakeRequested: true },
      "ready",
      "2026-01-01T00:00:00.000Z",
    ],
  ])("%j from %j → %s", (outcome, entry, status, nextRunAt) => {
    expect(nextQueueState(entry, outcome, now)).toMatchObject({ status, nextRunAt });
  });
});
