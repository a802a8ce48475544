// The integration's job queue entries run through the scheduler (seed S16, S17): every entry is due after setup;
// a run that writes something comes back after the 30-minute interval, an idle run waits out the inactivity
// timeout (720 or 1,440 minutes) — time is the scheduler's injected clock, nobody sleeps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { integrationJobHandlers } from "../../src/integration/job-handlers.ts";
import { Scheduler } from "../../src/jobs/scheduler.ts";
import { type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
}, 120_000);
afterAll(async () => h?.close());

async function drain(scheduler: Scheduler): Promise<number> {
  let total = 0;
  for (;;) {
    const ran = await scheduler.tick();
    total += ran;
    if (ran === 0) return total;
  }
}

describe("job queue entries of the integration (S16, S17)", () => {
  it("runs every due entry, then schedules by outcome: interval when busy, inactivity timeout when idle", async () => {
    let now = new Date();
    const scheduler = new Scheduler({ store: h.ctx.store, handlers: integrationJobHandlers(h.ctx), now: () => now });
    const entries = await h.ctx.store.queue.list();
    expect(await drain(scheduler)).toBe(entries.length);
    const after = new Map((await h.ctx.store.queue.list()).map((e) => [e.mappingName ?? e.kind, e]));
    const minutesUntil = (key: string) => (Date.parse(after.get(key)?.nextRunAt ?? "") - now.getTime()) / 60_000;
    // Scheduled runs only touch coupled records and nothing is coupled yet: UNIT GROUP is idle → 720 minutes.
    expect(after.get("UNIT GROUP")?.status).toBe("on_hold_inactivity");
    expect(Math.round(minutesUntil("UNIT GROUP"))).toBe(720);
    expect(Math.round(minutesUntil("ITEM-PRODUCT"))).toBe(1440);
    // Customer statistics had nothing to do either (no coupled customers).
    expect(after.get("customer-statistics")?.status).toBe("on_hold_inactivity");

    // Half an hour later only what is due runs: busy or failed entries (interval) and the 30-minute jobs whose
    // inactivity timeout is their interval (BC creates them so); the idle mapping entries wait.
    now = new Date(now.getTime() + 31 * 60_000);
    const due = [...after.values()].filter((e) => Date.parse(e.nextRunAt ?? "") <= now.getTime()).length;
    expect(await drain(scheduler)).toBe(due);
    expect(due).toBeLessThan(entries.length);
    // After the longest inactivity timeout the idle ones run again too.
    now = new Date(now.getTime() + 1441 * 60_000);
    expect(await drain(scheduler)).toBeGreaterThan(0);
  }, 120_000);
});
