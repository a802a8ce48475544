import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORE_DIALECTS } from "../../test/helpers/store-dialects.ts";
import type { Store } from "../store/index.ts";
import { Scheduler } from "./scheduler.ts";

for (const dialect of STORE_DIALECTS) {
  describe.skipIf(dialect.skipReason)(`job queue scheduler on ${dialect.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await dialect.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("runs due entries in due order and schedules the next run by outcome", async () => {
      const ran: string[] = [];
      const past = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
      await store.queue.create({
        kind: "mapping",
        mappingName: "ITEM-PRODUCT",
        description: "items",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 1440,
        nextRunAt: past(1),
      });
      await store.queue.create({
        kind: "mapping",
        mappingName: "UNIT OF MEASURE",
        description: "units",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 720,
        nextRunAt: past(2),
      });
      await store.queue.create({
        kind: "statistics",
        description: "stats",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 30,
        nextRunAt: past(0.5),
      });
      await store.queue.create({
        kind: "mapping",
        mappingName: "LATER",
        description: "not due",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 30,
        nextRunAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      const scheduler = new Scheduler({
        store,
        handlers: {
          mapping: async (entry) => {
            ran.push(entry.mappingName!);
            return { idle: entry.mappingName === "UNIT OF MEASURE" };
          },
          statistics: async () => {
            throw new Error("companion API unreachable");
          },
        },
      });
      expect(await scheduler.tick()).toBe(3);
      expect(ran).toEqual(["UNIT OF MEASURE", "ITEM-PRODUCT"]);
      const byName = Object.fromEntries((await store.queue.list()).map((e) => [e.mappingName ?? e.kind, e]));
      expect(byName["UNIT OF MEASURE"].status).toBe("on_hold_inactivity");
      expect(byName["ITEM-PRODUCT"].status).toBe("ready");
      expect(byName.statistics).toMatchObject({ status: "ready", attempts: 1, lastError: "companion API unreachable" });
      expect(byName.LATER.lastRunAt).toBeNull();
    });

    it("never runs one entry twice when two schedulers race for it", async () => {
      let runs = 0;
      await store.queue.create({
        kind: "mapping",
        mappingName: "CUSTOMER",
        description: "c",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 1440,
        nextRunAt: new Date(Date.now() - 1000).toISOString(),
      });
      const handlers = { mapping: async () => ({ idle: false, n: runs++ }) };
      const a = new Scheduler({ store, handlers, workerId: "a" });
      const b = new Scheduler({ store, handlers, workerId: "b" });
      const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
      expect(ra + rb).toBe(1);
      expect(runs).toBe(1);
    });

    it("polls until stopped, reporting completions as events", async () => {
      await store.queue.create({
        kind: "mapping",
        mappingName: "CUSTOMER",
        description: "c",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 1440,
        recurring: false,
        nextRunAt: new Date(Date.now() - 1000).toISOString(),
      });
      const scheduler = new Scheduler({ store, handlers: { mapping: async () => ({ idle: false }) }, pollMs: 10 });
      const completed = once(scheduler, "completed");
      scheduler.start();
      const [entry] = await completed;
      await scheduler.stop();
      expect(entry.status).toBe("finished");
    });
  });
}
