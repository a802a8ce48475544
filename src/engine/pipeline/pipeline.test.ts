import { describe, expect, it } from "vitest";
import { readAhead } from "./read.ts";
import { PageWindow } from "./record.ts";
import { BatchWriter, batchSize, guidedBatchSize, inParallel } from "./write.ts";

/** A promise resolved by hand, so a test decides when each step finishes (no timers). */
function gate<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("readAhead", () => {
  it("yields every item in order and reads the next one while the consumer works", async () => {
    const requested: number[] = [];
    async function* source() {
      for (let i = 0; i < 4; i++) {
        requested.push(i);
        yield i;
      }
    }
    const seen: { item: number; requestedBefore: number }[] = [];
    for await (const item of readAhead(source(), 1)) {
      // Let the read-ahead run: a microtask turn, not a timer.
      await Promise.resolve();
      await Promise.resolve();
      seen.push({ item, requestedBefore: requested.length });
    }
    expect(seen.map((s) => s.item)).toEqual([0, 1, 2, 3]);
    // While item 0 was processed, item 1 had been requested already.
    expect(seen[0].requestedBefore).toBeGreaterThanOrEqual(2);
  });

  it("never reads more than depth ahead", async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        produced++;
        yield i;
      }
    }
    const it = readAhead(source(), 2)[Symbol.asyncIterator]();
    await it.next();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(produced).toBeLessThanOrEqual(4);
    await it.return?.(undefined);
  });

  it("says when the source is read to its end, before the consumer has taken the last item", async () => {
    async function* source() {
      yield 1;
      yield 2;
    }
    let ended = false;
    const seen: { item: number; ended: boolean }[] = [];
    for await (const item of readAhead(source(), 2, () => {
      ended = true;
    })) {
      await Promise.resolve();
      await Promise.resolve();
      await Promise.resolve();
      seen.push({ item, ended });
    }
    expect(seen.map((s) => s.item)).toEqual([1, 2]);
    expect(seen[1].ended).toBe(true);
  });

  it("closes the source when the consumer stops early", async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const item of readAhead(source(), 1)) if (item === 2) break;
    expect(closed).toBe(true);
  });
});

describe("PageWindow", () => {
  it("records pages in read order, even when a later page finishes first", async () => {
    const window = new PageWindow(3);
    const order: number[] = [];
    const gates = [gate(), gate(), gate()];
    for (const [i, g] of gates.entries())
      await window.push({ done: g.promise, recorded: async () => void order.push(i) });
    gates[2].resolve();
    gates[1].resolve();
    await Promise.resolve();
    expect(order).toEqual([]);
    gates[0].resolve();
    await window.drain();
    expect(order).toEqual([0, 1, 2]);
  });

  it("holds at most depth pages: the next push waits for the oldest", async () => {
    const window = new PageWindow(1);
    const first = gate();
    const recorded: number[] = [];
    await window.push({ done: first.promise, recorded: async () => void recorded.push(0) });
    let pushed = false;
    const second = window.push({ done: Promise.resolve(), recorded: async () => void recorded.push(1) }).then(() => {
      pushed = true;
    });
    await Promise.resolve();
    expect(pushed).toBe(false);
    first.resolve();
    await second;
    expect(recorded).toEqual([0]);
    await window.drain();
    expect(recorded).toEqual([0, 1]);
  });

  it("does not record past a failed page, and waits for the pages in flight before throwing", async () => {
    const window = new PageWindow(3);
    const recorded: number[] = [];
    const failing = gate();
    const later = gate();
    let laterSettled = false;
    await window.push({ done: Promise.resolve(), recorded: async () => void recorded.push(0) });
    await window.push({ done: failing.promise, recorded: async () => void recorded.push(1) });
    await window.push({
      done: later.promise.then(() => {
        laterSettled = true;
      }),
      recorded: async () => void recorded.push(2),
    });
    failing.reject(new Error("store down"));
    const drained = window.drain();
    later.resolve();
    await expect(drained).rejects.toThrow("store down");
    expect(laterSettled).toBe(true);
    expect(recorded).toEqual([0]);
  });
});

describe("write budget", () => {
  it("spreads a page over the concurrency budget, within the bulk limits", () => {
    expect(batchSize(1000, { concurrency: 52, maxBatch: 1000 })).toBe(20);
    expect(batchSize(1000, { concurrency: 5, maxBatch: 100 })).toBe(100);
    // Small pages are not cut below the size where a request's fixed cost dominates.
    expect(batchSize(30, { concurrency: 52, maxBatch: 1000 })).toBe(10);
    expect(batchSize(3, undefined)).toBe(3);
    expect(batchSize(5000, undefined)).toBe(1000);
    // Three pages written at once share the budget: each uses about a third of it.
    expect(batchSize(1000, { concurrency: 52, maxBatch: 1000 }, 3)).toBe(59);
  });

  it("runs at most limit tasks at once and all of them", async () => {
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await Promise.resolve();
      done.push(n);
      active--;
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("rethrows the first failure after the tasks in flight settle", async () => {
    const finished: number[] = [];
    await expect(
      inParallel([1, 2, 3], 3, async (n) => {
        await Promise.resolve();
        if (n === 1) throw new Error("boom");
        finished.push(n);
      }),
    ).rejects.toThrow("boom");
    expect(finished.sort()).toEqual([2, 3]);
  });
});

describe("BatchWriter", () => {
  const budget = { concurrency: 4, maxBatch: 1000 };

  it("sizes requests by guided self-scheduling: the waiting records spread over the slots, within the bounds", () => {
    expect(guidedBatchSize(1000, { concurrency: 52, maxBatch: 1000 })).toBe(39);
    expect(guidedBatchSize(30_000, { concurrency: 52, maxBatch: 1000 })).toBe(1000);
    expect(guidedBatchSize(100, { concurrency: 52, maxBatch: 1000 })).toBe(10);
    expect(guidedBatchSize(4, { concurrency: 52, maxBatch: 1000 })).toBe(4);
    expect(guidedBatchSize(500, { concurrency: 5, maxBatch: 100 })).toBe(100);
  });

  it("fills idle slots at once, never runs more requests than the budget, and sends every record once in order", async () => {
    const requests: { items: number[]; gate: ReturnType<typeof gate<void>> }[] = [];
    let active = 0;
    let peak = 0;
    const writer = new BatchWriter<number>(
      () => budget,
      async (items) => {
        const g = gate();
        requests.push({ items, gate: g });
        active++;
        peak = Math.max(peak, active);
        await g.promise;
        active--;
      },
    );
    const page = Array.from({ length: 400 }, (_, i) => i);
    const done = writer.write(page);
    // Four slots, all idle: guided requests until half the slots are busy, then full ones (100) for the rest.
    expect(requests.map((r) => r.items.length)).toEqual([200, 100, 100]);
    writer.finish();
    for (const r of requests) r.gate.resolve();
    await done;
    expect(peak).toBeLessThanOrEqual(budget.concurrency);
    expect(requests.flatMap((r) => r.items)).toEqual(page);
  });

  it("resolves a page only when every request carrying its records has settled, a request spanning two pages included", async () => {
    const gates: ReturnType<typeof gate<void>>[] = [];
    const sent: number[] = [];
    const writer = new BatchWriter<string>(
      () => ({ concurrency: 1, maxBatch: 1000 }),
      async (items) => {
        sent.push(items.length);
        const g = gate();
        gates.push(g);
        await g.promise;
      },
    );
    const settled: string[] = [];
    const first = writer.write(["a1", "a2", "a3"]).then(() => settled.push("a"));
    const second = writer.write(["b1", "b2"]).then(() => settled.push("b"));
    writer.finish();
    // One slot: the first request took page a whole; b waits for the slot.
    expect(sent).toEqual([3]);
    gates[0].resolve();
    await first;
    expect(settled).toEqual(["a"]);
    await Promise.resolve();
    expect(sent).toEqual([3, 2]);
    gates[1].resolve();
    await second;
    expect(settled).toEqual(["a", "b"]);

    // A request that takes the end of one page and the start of the next settles both.
    const mixed = new BatchWriter<string>(
      () => ({ concurrency: 1, maxBatch: 4 }),
      async (items) => void sent.push(items.length),
    );
    mixed.finish();
    await Promise.all([mixed.write(["c1", "c2", "c3"]), mixed.write(["d1", "d2", "d3"])]);
    expect(sent.slice(2)).toEqual([3, 3]);
  });

  it("while records keep coming and slots are busy, waits for a full request instead of sending a small one", async () => {
    const sent: number[] = [];
    const gates: ReturnType<typeof gate<void>>[] = [];
    const writer = new BatchWriter<number>(
      () => ({ concurrency: 2, maxBatch: 1000 }),
      async (items) => {
        sent.push(items.length);
        const g = gate();
        gates.push(g);
        await g.promise;
      },
    );
    const first = writer.write(Array.from({ length: 300 }, (_, i) => i));
    // Both slots idle: filled at once.
    expect(sent).toEqual([300]);
    const small = writer.write([1, 2, 3]);
    // One slot busy of two (half): the 3 records wait for more, or for the end.
    expect(sent).toEqual([300]);
    writer.finish();
    expect(sent).toEqual([300, 3]);
    for (const g of gates) g.resolve();
    await Promise.all([first, small]);
  });

  it("rejects the pages a failed request carried, after their other requests settle; other pages go on", async () => {
    const writer = new BatchWriter<string>(
      () => ({ concurrency: 1, maxBatch: 2 }),
      async (items) => {
        if (items.includes("a2")) throw new Error("store down");
      },
    );
    writer.finish();
    const a = writer.write(["a1", "a2", "a3"]);
    const b = writer.write(["b1"]);
    await expect(a).rejects.toThrow("store down");
    await expect(b).resolves.toBeUndefined();
  });
});
