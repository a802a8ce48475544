import { randomBytes } from "node:crypto";
import { Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStore, type Store } from "../index.ts";
import { migrationProvider } from "./index.ts";

const databaseUrl = process.env.DATABASE_URL;
const dialects: { name: string; skip?: string; open: () => Promise<Store> }[] = [
  { name: "sqlite", open: () => openStore({ dataDir: ":memory:", migrate: false }) },
  {
    name: "postgres",
    skip: databaseUrl ? undefined : "DATABASE_URL is not set",
    // A schema of its own, dropped by the global setup after the run (bcsync_test_*).
    open: () =>
      openStore({ url: databaseUrl, schema: `bcsync_test_${randomBytes(6).toString("hex")}`, migrate: false }),
  },
];

for (const dialect of dialects) {
  describe.skipIf(dialect.skip)(`store upgrades on ${dialect.name}`, () => {
    it("keeps the write intents pending across 009 (a run killed mid-create before the upgrade)", async () => {
      const store = await dialect.open();
      try {
        const migrator = new Migrator({
          db: store.db,
          provider: migrationProvider,
          migrationTableSchema: store.schema,
        });
        const before = await migrator.migrateTo("008_partial_coupling_indexes");
        expect(before.error).toBeUndefined();
        await sql`insert into pending_writes (id, mapping_name, direction, source_id, target_key, payload_hash,
          created_at) values ('a1', 'CUSTOMER', 'toDataverse', 'c-1', 'guid-1', null, '2026-12-01T00:00:00.000Z'),
          ('a2', 'CUSTOMER', 'toDataverse', 'c-2', 'guid-2', 'h', '2026-12-01T00:00:01.000Z')`.execute(store.db);

        expect(await store.migrate()).toEqual(["009_pending_writes_keyed_by_source"]);
        expect(await store.pendingWrites.list("CUSTOMER", "toDataverse")).toEqual([
          {
            mappingName: "CUSTOMER",
            direction: "toDataverse",
            sourceId: "c-1",
            targetKey: "guid-1",
            payloadHash: null,
            createdAt: "2026-12-01T00:00:00.000Z",
          },
          {
            mappingName: "CUSTOMER",
            direction: "toDataverse",
            sourceId: "c-2",
            targetKey: "guid-2",
            payloadHash: "h",
            createdAt: "2026-12-01T00:00:01.000Z",
          },
        ]);
        // Still once per source: the key a create may already carry wins over a new one.
        const again = await store.pendingWrites.record([
          {
            mappingName: "CUSTOMER",
            direction: "toDataverse",
            sourceId: "c-1",
            targetKey: "guid-9",
            payloadHash: null,
          },
        ]);
        expect(again[0].targetKey).toBe("guid-1");
      } finally {
        await store.close();
      }
    });
  });
}
