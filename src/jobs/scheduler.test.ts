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

// A change that arrives while its mapping runs in another process (pg-boss workers, or a second `serve`): the wake
// is kept in the store, so whichever process completes the run runs it again at once — before, it was remembered
// only in the memory of the process whose scheduler ran the entry, and an idle run put the entry on hold for a day.
for (const dialect of STORE_DIALECTS) {
  describe.skipIf(dialect.skipReason)(`a wake during a run elsewhere, on ${dialect.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await dialect.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("runs the entry again as soon as the run in flight completes, even when that run was idle", async () => {
      await store.queue.create({
        kind: "mapping",
        mappingName: "CUSTOMER",
        description: "customers",
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 1440,
        nextRunAt: new Date(Date.now() - 1000).toISOString(),
      });
      let release: () => void = () => undefined;
      const inFlight = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started: () => void = () => undefined;
      const hasStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      let runs = 0;
      const scheduler = new Scheduler({
        store,
        pollMs: 3_600_000, // no polling: only the completion itself may bring the second run
        handlers: {
          mapping: async () => {
            runs++;
            if (runs === 1) {
              started();
              await inFlight;
            }
            return { idle: true };
          },
        },
      });
      const second = new Promise<void>((resolve) => {
        scheduler.on("completed", () => {
          if (runs === 2) resolve();
        });
      });
      scheduler.start();
      await hasStarted;
      // Another process's waker: the entry is in process, so nothing is woken now …
      expect(await store.queue.wake("CUSTOMER")).toBe(0);
      release();
      // … but the completion of the idle run schedules it now instead of putting it on hold for a day.
      await second;
      await scheduler.stop();
      expect(runs).toBe(2);
      const entry = (await store.queue.list())[0];
      expect(entry.status).toBe("on_hold_inactivity");
    });
  });
}
