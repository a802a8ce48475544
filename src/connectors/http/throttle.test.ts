import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Release, Throttle } from "./throttle.ts";

describe("Throttle", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function track(throttle: Throttle, count: number) {
    const granted: Release[] = [];
    for (let i = 0; i < count; i++) void throttle.acquire().then((release) => granted.push(release));
    return granted;
  }

  it("never lets more than maxConcurrent run at once", async () => {
    const throttle = new Throttle({ maxConcurrent: 3, maxRequestsPerWindow: 1000, windowMs: 1000 });
    const granted = track(throttle, 10);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(3);
    granted[0]();
    granted[0](); // releasing twice frees one slot only
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(4);
    expect(throttle.state().active).toBe(3);
  });

  it("starts urgent requests (reads) before waiting ones, in the order each kind asked", async () => {
    const throttle = new Throttle({ maxConcurrent: 1, maxRequestsPerWindow: 1000, windowMs: 1000 });
    const order: string[] = [];
    const ask = (name: string, urgent: boolean) =>
      void throttle.acquire(urgent).then((release) => {
        order.push(name);
        release();
      });
    const first = await throttle.acquire();
    ask("write 1", false);
    ask("write 2", false);
    ask("read 1", true);
    ask("write 3", false);
    ask("read 2", true);
    expect(throttle.state().queued).toBe(5);
    first();
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(["read 1", "read 2", "write 1", "write 2", "write 3"]);
    expect(throttle.state()).toMatchObject({ active: 0, queued: 0 });
  });

  it("starts at most maxRequestsPerWindow in any sliding window", async () => {
    const waited: number[] = [];
    const throttle = new Throttle({ maxConcurrent: 100, maxRequestsPerWindow: 5, windowMs: 1000, marginMs: 0 }, (ms) =>
      waited.push(ms),
    );
    const granted = track(throttle, 12);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(5);
    for (const r of granted) r();
    await vi.advanceTimersByTimeAsync(999);
    expect(granted).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(2);
    expect(granted).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1001);
    expect(granted).toHaveLength(12);
    expect(waited.length).toBe(7);
  });

  it("holds everything while paused by Retry-After", async () => {
    const throttle = new Throttle({ maxConcurrent: 10, maxRequestsPerWindow: 100, windowMs: 1000 });
    throttle.pause(500);
    const granted = track(throttle, 2);
    await vi.advanceTimersByTimeAsync(499);
    expect(granted).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toHaveLength(2);
  });

  it("follows the recommended degree of parallelism, never above the configured limit", async () => {
    const throttle = new Throttle({ maxConcurrent: 4, maxRequestsPerWindow: 100, windowMs: 1000 });
    throttle.setDegreeOfParallelism(2);
    const granted = track(throttle, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(2);
    throttle.setDegreeOfParallelism(50);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(4);
    expect(throttle.effectiveConcurrency()).toBe(4);
  });
});

describe("Throttle learning from the service", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lowers its request budget when the service says the request limit was hit", async () => {
    const throttle = new Throttle({ maxConcurrent: 100, maxRequestsPerWindow: 100, windowMs: 1000, marginMs: 0 });
    const granted: Release[] = [];
    for (let i = 0; i < 20; i++) void throttle.acquire().then((r) => granted.push(r));
    await vi.advanceTimersByTimeAsync(0);
    throttle.learnLimit("requests"); // 20 started, 1 refused: the service admitted 19
    expect(throttle.effectiveRequestsPerWindow()).toBe(18);
    throttle.learnLimit(undefined); // a 429 for another reason still counts as refused
    throttle.learnLimit("requests"); // 17 admitted now
    expect(throttle.effectiveRequestsPerWindow()).toBe(16);
    await vi.advanceTimersByTimeAsync(1001); // a new window: nothing started in it
    void throttle.acquire();
    await vi.advanceTimersByTimeAsync(0);
    throttle.learnLimit("requests"); // measured ~0 right after a quiet spell: halve at most
    expect(throttle.effectiveRequestsPerWindow()).toBe(8);
  });

  it("lowers its concurrency when the service says too many requests ran at once", async () => {
    const throttle = new Throttle({ maxConcurrent: 10, maxRequestsPerWindow: 100, windowMs: 1000 });
    for (let i = 0; i < 5; i++) void throttle.acquire();
    await vi.advanceTimersByTimeAsync(0);
    throttle.learnLimit("concurrency");
    expect(throttle.effectiveConcurrency()).toBe(4);
  });

  it("probes a learned limit upward after three quiet windows, back to the configured one", async () => {
    const throttle = new Throttle({ maxConcurrent: 10, maxRequestsPerWindow: 100, windowMs: 1000, marginMs: 0 });
    for (let i = 0; i < 5; i++) void throttle.acquire().then((release) => release());
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 3; i++) void throttle.acquire();
    await vi.advanceTimersByTimeAsync(0);
    throttle.learnLimit("concurrency");
    expect(throttle.effectiveConcurrency()).toBe(2);
    await vi.advanceTimersByTimeAsync(2999);
    void throttle.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(throttle.effectiveConcurrency()).toBe(2);
    await vi.advanceTimersByTimeAsync(2);
    void throttle.acquire();
    await vi.advanceTimersByTimeAsync(0);
    expect(throttle.effectiveConcurrency()).toBe(3);
  });
});
