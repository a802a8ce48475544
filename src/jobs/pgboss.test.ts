import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { STORE_DIALECTS } from "../../test/helpers/store-dialects.ts";
import type { Store } from "../store/index.ts";
import { PgBossWorkers } from "./pgboss.ts";

const postgres = STORE_DIALECTS.find((d) => d.name === "postgres")!;

describe.skipIf(postgres.skipReason)("pg-boss scale-out workers (PostgreSQL)", () => {
  let store: Store;
  const workers: PgBossWorkers[] = [];
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await store?.close();
  });

  it("runs each due entry exactly once across two worker processes' worth of workers", async () => {
    store = await postgres.open();
    const count = 8;
    for (let i = 0; i < count; i++) {
      await store.queue.create({
        kind: "mapping",
        mappingName: `M${i}`,
        description: `m${i}`,
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 1440,
        nextRunAt: new Date(Date.now() - 1000).toISOString(),
      });
    }
    const runs: string[] = [];
    const handlers = {
      mapping: async (entry: { mappingName: string | null }) => {
        runs.push(entry.mappingName!);
        return { idle: false };
      },
    };
    const schema = `pgboss_${randomBytes(4).toString("hex")}`;
    let completed = 0;
    const allDone = new Promise<void>((resolve) => {
      for (let w = 0; w < 2; w++) {
        const worker = new PgBossWorkers({
          store,
          databaseUrl: process.env.DATABASE_URL!,
          schema,
          handlers,
          concurrency: 2,
        });
        worker.on("completed", () => {
          if (++completed === count) resolve();
        });
        workers.push(worker);
      }
    });
    for (const w of workers) await w.start();
    await allDone;
    expect(runs.sort()).toEqual(Array.from({ length: count }, (_, i) => `M${i}`).sort());
    const entries = await store.queue.list();
    expect(entries.every((e) => e.status === "ready" && e.lockedBy === null)).toBe(true);
  });
});
