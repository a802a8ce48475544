// Service protection limits with a hand-moved clock: which limit refuses, an honest Retry-After, the BC queue.

import { describe, expect, it } from "vitest";
import {
  type Admission,
  type Admitted,
  BUSINESS_CENTRAL_LIMITS,
  DATAVERSE_LIMITS,
  resolveLimits,
  ServiceProtection,
} from "../../../emulators/runtime/limits.ts";
import { manualClock } from "./manual-clock.ts";

function expectAdmitted(admission: Admission): Admitted {
  if (!admission.ok) throw new Error(`expected admission, got ${admission.reason}`);
  return admission;
}

describe("ServiceProtection", () => {
  it("refuses the request past the window's limit with the seconds until the oldest request leaves it", async () => {
    const clock = manualClock();
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: 3 }, { clock });
    expectAdmitted(await limits.admit("app")).done(0); // t = 0
    clock.advance(10_000);
    expectAdmitted(await limits.admit("app")).done(0); // t = 10 s
    expectAdmitted(await limits.admit("app")).done(0); // t = 10 s
    clock.advance(500);

    const refused = await limits.admit("app");
    // The first request leaves the 300 s window at t = 300 s; now is t = 10.5 s.
    expect(refused).toEqual({ ok: false, reason: "requests", retryAfterSeconds: 290, limit: 3 });

    clock.advance(289_000); // t = 299.5 s: still inside
    expect(await limits.admit("app")).toMatchObject({ ok: false, reason: "requests", retryAfterSeconds: 1 });
    clock.advance(500); // t = 300 s: the first request left the window
    expectAdmitted(await limits.admit("app")).done(0);
    // Now the two requests of t = 10 s are the oldest.
    expect(await limits.admit("app")).toMatchObject({ ok: false, retryAfterSeconds: 10 });
  });

  it("counts each principal separately", async () => {
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: 1 }, { clock: manualClock() });
    expectAdmitted(await limits.admit("app-1")).done(0);
    expect(await limits.admit("app-1")).toMatchObject({ ok: false, reason: "requests" });
    expect(await limits.admit("app-2")).toMatchObject({ ok: true });
  });

  it("refuses on combined execution time once the window's budget is spent, until enough of it leaves", async () => {
    const clock = manualClock();
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxExecutionMsPerWindow: 10_000 }, { clock });
    // Execution time is evaluated lazily, as online: a request that starts under budget may overshoot it.
    const first = expectAdmitted(await limits.admit("app"));
    clock.advance(6_000);
    first.done(6_000); // finished at t = 6 s
    const second = expectAdmitted(await limits.admit("app"));
    clock.advance(7_000);
    second.done(7_000); // finished at t = 13 s: 13 s of the 10 s budget used

    expect(limits.snapshot("app")).toMatchObject({ executionMsInWindow: 13_000, remainingExecutionMs: 0 });
    const refused = await limits.admit("app");
    // Dropping the first 6 s brings the total to 7 s < 10 s: at t = 6 s + 300 s; now is 13 s.
    expect(refused).toEqual({ ok: false, reason: "execution_time", retryAfterSeconds: 293, limit: 10_000 });
    clock.advance(293_000);
    expect(await limits.admit("app")).toMatchObject({ ok: true });
  });

  it("refuses at once past the concurrency cap when nothing may queue (Dataverse)", async () => {
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxConcurrent: 2 }, { clock: manualClock() });
    const a = expectAdmitted(await limits.admit("app"));
    expectAdmitted(await limits.admit("app"));
    expect(await limits.admit("app")).toEqual({ ok: false, reason: "concurrency", retryAfterSeconds: 1, limit: 2 });
    a.done(5);
    expect(await limits.admit("app")).toMatchObject({ ok: true });
  });

  it("queues past the concurrency cap in arrival order and refuses past the queue (Business Central)", async () => {
    const clock = manualClock();
    const limits = new ServiceProtection({ ...BUSINESS_CENTRAL_LIMITS, maxConcurrent: 1, maxQueued: 2 }, { clock });
    const running = expectAdmitted(await limits.admit("app"));
    const order: string[] = [];
    const second = limits.admit("app").then((a) => {
      order.push("second");
      return a;
    });
    const third = limits.admit("app").then((a) => {
      order.push("third");
      return a;
    });
    expect(limits.snapshot("app")).toMatchObject({ active: 1, queued: 2 });
    expect(await limits.admit("app")).toMatchObject({ ok: false, reason: "concurrency", limit: 1 });

    clock.advance(1_500);
    running.done(1_500);
    const secondAdmitted = expectAdmitted(await second);
    expect(secondAdmitted.queuedMs).toBe(1_500);
    expect(order).toEqual(["second"]);
    expect(limits.snapshot("app")).toMatchObject({ active: 1, queued: 1 });

    secondAdmitted.done(10);
    expectAdmitted(await third).done(10);
    expect(order).toEqual(["second", "third"]);
    expect(limits.snapshot("app")).toMatchObject({ active: 0, queued: 0, requestsInWindow: 3 });
  });

  it("fails a request that waited in the queue longer than maxQueueWaitMs (BC: 8 minutes)", async () => {
    const clock = manualClock();
    const limits = new ServiceProtection({ ...BUSINESS_CENTRAL_LIMITS, maxConcurrent: 1 }, { clock, timers: clock });
    const running = expectAdmitted(await limits.admit("app"));
    const early = limits.admit("app");
    clock.advance(60_000);
    const late = limits.admit("app");
    clock.advance(BUSINESS_CENTRAL_LIMITS.maxQueueWaitMs! - 60_000);
    // The first waiter reached 8 minutes; the second has waited 7.
    expect(await early).toEqual({ ok: false, reason: "queue_timeout", retryAfterSeconds: 1, limit: 480_000 });
    expect(limits.snapshot("app").queued).toBe(1);
    running.done(0);
    expect(expectAdmitted(await late).queuedMs).toBe(420_000);
    clock.advance(600_000); // the admitted request's timer was cleared: nothing fires
    expect(limits.snapshot("app")).toMatchObject({ active: 1, queued: 0 });
  });

  it("takes an aborted request out of the queue", async () => {
    const limits = new ServiceProtection({ ...BUSINESS_CENTRAL_LIMITS, maxConcurrent: 1 }, { clock: manualClock() });
    const running = expectAdmitted(await limits.admit("app"));
    const controller = new AbortController();
    const waiting = limits.admit("app", { signal: controller.signal });
    const after = limits.admit("app");
    controller.abort();
    expect(await waiting).toMatchObject({ ok: false, reason: "concurrency" });
    running.done(0);
    expect(await after).toMatchObject({ ok: true });
    expect(limits.snapshot("app").queued).toBe(0);
  });

  it("ignores a second done() so a slot is freed once", async () => {
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxConcurrent: 1 }, { clock: manualClock() });
    const a = expectAdmitted(await limits.admit("app"));
    a.done(1);
    const b = expectAdmitted(await limits.admit("app"));
    a.done(1);
    expect(limits.snapshot("app")).toMatchObject({ active: 1, executionMsInWindow: 1 });
    expect(await limits.admit("app")).toMatchObject({ ok: false, reason: "concurrency" });
    b.done(1);
  });

  it("resolves presets: realistic by default, off, and partial overrides", () => {
    expect(resolveLimits(undefined, DATAVERSE_LIMITS)).toEqual(DATAVERSE_LIMITS);
    expect(resolveLimits("off", BUSINESS_CENTRAL_LIMITS).maxRequestsPerWindow).toBe(Number.POSITIVE_INFINITY);
    expect(resolveLimits({ maxConcurrent: 2 }, BUSINESS_CENTRAL_LIMITS)).toEqual({
      ...BUSINESS_CENTRAL_LIMITS,
      maxConcurrent: 2,
    });
  });

  it("keeps counting correctly across many windows (the series compacts itself)", async () => {
    const clock = manualClock(0);
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: 100 }, { clock });
    const admittedAt: number[] = [];
    for (let second = 0; second < 10_000; second++) {
      const a = await limits.admit("app");
      if (a.ok) {
        a.done(1);
        admittedAt.push(second);
      }
      clock.advance(1_000);
    }
    // One request a second against 100 per 300 s: the first 100 seconds of every 300 are admitted.
    expect(admittedAt.every((second) => second % 300 < 100)).toBe(true);
    expect(admittedAt.length).toBe(new Set(admittedAt.map((s) => Math.floor(s / 300))).size * 100);
    expect(limits.snapshot("app").requestsInWindow).toBe(100);
  });
});
