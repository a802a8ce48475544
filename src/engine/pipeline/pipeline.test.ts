import { describe, expect, it } from "vitest";
import { HeadStart, readAhead } from "./read.ts";
import { PageWindow } from "./record.ts";
import {
  BatchWriter,
  batchSize,
  inParallel,
  lastRequestSize,
  nextBatchSize,
  RequestTimes,
  TARGET_BATCH,
} from "./write.ts";

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

describe("HeadStart", () => {
  /** A source that records what was asked of it and closes when told. */
  function tracked(items: number[]) {
    const log: string[] = [];
    async function* source() {
      try {
        for (const item of items) {
          log.push(`read ${item}`);
          yield item;
        }
      } finally {
        log.push("closed");
      }
    }
    return { log, source: source() };
  }

  it("asks for the first item at once, and hands the whole read over once", async () => {
    const { log, source } = tracked([1, 2, 3]);
    const early = new HeadStart(source);
    await Promise.resolve();
    expect(log).toEqual(["read 1"]);
    const read = early.take();
    expect(early.take()).toBeUndefined();
    const got: number[] = [];
    for await (const item of read ?? []) got.push(item);
    expect(got).toEqual([1, 2, 3]);
    expect(log).toEqual(["read 1", "read 2", "read 3", "closed"]);
    // A read already taken is not closed under its taker.
    await early.cancel();
    expect(log.filter((l) => l === "closed")).toHaveLength(1);
  });

  it("closes a read nobody took, after its first item settled, and hands it to nobody after", async () => {
    const { log, source } = tracked([1, 2]);
    const early = new HeadStart(source);
    await early.cancel();
    expect(log).toEqual(["read 1", "closed"]);
    expect(early.take()).toBeUndefined();
  });

  it("closes the source when the taker stops early", async () => {
    const { log, source } = tracked([1, 2, 3]);
    for await (const item of new HeadStart(source).take() ?? []) if (item === 2) break;
    expect(log).toEqual(["read 1", "read 2", "closed"]);
  });

  it("gives the taker the first read's failure", async () => {
    async function* failing(): AsyncGenerator<number> {
      yield* [];
      throw new Error("refused");
    }
    const early = new HeadStart(failing());
    const read = early.take() ?? [];
    await expect(
      (async () => {
        for await (const _ of read) {
        }
      })(),
    ).rejects.toThrow("refused");
  });
});

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

  it("holds at most depth pages being written: the next push waits until any of them is done", async () => {
    const window = new PageWindow(1);
    const first = gate();
    const second = gate();
    const recorded: number[] = [];
    await window.push({ done: first.promise, recorded: async () => void recorded.push(0) });
    let pushed = false;
    const pushing = window.push({ done: second.promise, recorded: async () => void recorded.push(1) }).then(() => {
      pushed = true;
    });
    await Promise.resolve();
    expect(pushed).toBe(false);
    // The later page is done first: room for the next one, though nothing can be recorded past the first.
    second.resolve();
    await pushing;
    expect(recorded).toEqual([]);
    first.resolve();
    await window.drain();
    expect(recorded).toEqual([0, 1]);
  });

  it("bounds the done pages that wait for an older one: the next push then waits for the oldest", async () => {
    const window = new PageWindow(1);
    const oldest = gate();
    const recorded: number[] = [];
    await window.push({ done: oldest.promise, recorded: async () => void recorded.push(0) });
    // Three done pages wait behind the oldest (four times the depth in all) ...
    for (let i = 1; i <= 3; i++)
      await window.push({ done: Promise.resolve(), recorded: async () => void recorded.push(i) });
    let pushed = false;
    const fifth = window.push({ done: Promise.resolve(), recorded: async () => void recorded.push(4) }).then(() => {
      pushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // ... so a fifth waits for the oldest to be done; then the done pages are recorded, in order.
    expect(pushed).toBe(false);
    oldest.resolve();
    await fifth;
    expect(recorded).toEqual([0, 1, 2, 3]);
    await window.drain();
    expect(recorded).toEqual([0, 1, 2, 3, 4]);
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

  it("sizes a request by the share of what the pass holds, at most the share of the work left", () => {
    const dv = { concurrency: 52, maxBatch: 1000 };
    // The first page of a run, slots idle, nothing known of what comes: small requests fill every slot.
    expect(nextBatchSize({ waiting: 1000, inFlight: 0 }, dv)).toBe(20);
    // A backlog with every slot busy: requests grow with it, up to TARGET_BATCH while the work left is unknown ...
    expect(nextBatchSize({ waiting: 4000, inFlight: 8000 }, dv)).toBe(TARGET_BATCH);
    // ... and beyond it when the source's size and the target's times say the end is far (the records in flight
    // count a fifth more while the source keeps coming: (4,000 + 9,600) / 52).
    expect(nextBatchSize({ waiting: 4000, inFlight: 8000, upcoming: 20_000, inFlightWork: 6000 }, dv)).toBe(262);
    // Near the end the work left shrinks them, so the slots finish together.
    expect(nextBatchSize({ waiting: 600, inFlight: 8000, upcoming: 0, inFlightWork: 1000 }, dv)).toBe(31);
    // Within the bounds: never below MIN_BATCH unless fewer wait, never above the request's maximum.
    expect(nextBatchSize({ waiting: 100, inFlight: 0 }, dv)).toBe(10);
    expect(nextBatchSize({ waiting: 4, inFlight: 0 }, dv)).toBe(4);
    expect(
      nextBatchSize(
        { waiting: 500, inFlight: 500, upcoming: 10_000, inFlightWork: 0 },
        { concurrency: 5, maxBatch: 100 },
      ),
    ).toBe(100);
    // A budget's own floor (the product creates while price list lines wait for slots) replaces MIN_BATCH.
    expect(nextBatchSize({ waiting: 1000, inFlight: 0 }, { ...dv, minBatch: 100 })).toBe(100);
    expect(nextBatchSize({ waiting: 60, inFlight: 0 }, { ...dv, minBatch: 100 })).toBe(60);
  });

  it("once the source is read, sizes a request so that it ends with the slots that free up after it", () => {
    const time = { fixedMs: 10, perRecordMs: 1 };
    // Three slots: this one free now, the others' requests end in 100 and 300 ms. 500 records wait: this slot takes
    // 300 (ends at 10 + 300 ms), the one free at 100 ms the other 200 (ends at 100 + 10 + 200): all end at 310 ms.
    expect(lastRequestSize(500, 3, [100, 300], time)).toBe(300);
    // Few records: the slots freeing later get none, this one takes them all.
    expect(lastRequestSize(50, 3, [100, 300], time)).toBe(50);
    // Every slot free now: an equal share.
    expect(lastRequestSize(600, 3, [], time)).toBe(200);
    // nextBatchSize pours what waits so only once the source is read, and within the request's bounds.
    const dv = { concurrency: 3, maxBatch: 1000 };
    const ends = { inFlightEnds: [100, 300], requestTime: time, inFlight: 400, inFlightWork: 400 };
    expect(nextBatchSize({ waiting: 500, upcoming: 0, ...ends }, dv)).toBe(300);
    expect(nextBatchSize({ waiting: 500, upcoming: 0, ...ends }, { ...dv, maxBatch: 250 })).toBe(250);
    // While records keep coming, a share of what the pass holds: (500 + 1.2 × 400) / 3.
    expect(nextBatchSize({ waiting: 500, upcoming: 5000, ...ends }, dv)).toBe(327);
  });

  it("learns a request's time as a fixed part and a part per record from the requests that settled", () => {
    const times = new RequestTimes();
    expect(times.model()).toBeUndefined();
    times.observe(10, 181);
    // One size seen: the mean time a record took, no fixed part yet.
    expect(times.model()).toEqual({ fixedMs: 0, perRecordMs: 18.1 });
    times.observe(100, 991);
    times.observe(50, 541);
    const model = times.model()!;
    expect(model.fixedMs).toBeCloseTo(91, 6);
    expect(model.perRecordMs).toBeCloseTo(9, 6);
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
    // Four slots, all idle: each takes a share of what the pass holds (400 over 4 slots).
    expect(requests.map((r) => r.items.length)).toEqual([100, 100, 100, 100]);
    writer.finish();
    for (const r of requests) r.gate.resolve();
    await done;
    expect(peak).toBeLessThanOrEqual(budget.concurrency);
    expect(requests.flatMap((r) => r.items)).toEqual(page);
  });

  it("holds back a request below the budget's floor while most slots are busy and more records may come", async () => {
    const sent: number[] = [];
    const gates: ReturnType<typeof gate<void>>[] = [];
    const writer = new BatchWriter<number>(
      () => ({ concurrency: 4, maxBatch: 1000, minBatch: 50 }),
      async (items) => {
        sent.push(items.length);
        const g = gate();
        gates.push(g);
        await g.promise;
      },
    );
    const pages = [writer.write(Array.from({ length: 200 }, (_, i) => i))];
    // A share of what the pass holds, at least the floor; the records in flight count a fifth more while the source
    // keeps coming, so the requests grow: (150 + 1.2 × 50) / 4 = 53, then (97 + 1.2 × 103) / 4 = 56.
    expect(sent).toEqual([50, 53, 56]);
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    // A slot is free, but 41 records are under the floor and most slots are busy: they wait for the next page.
    gates[0].resolve();
    await tick();
    expect(sent).toHaveLength(3);
    pages.push(writer.write(Array.from({ length: 30 }, (_, i) => 200 + i)));
    // 71 wait: (71 + 1.2 × 109) / 4 = 51, at least the floor; the other 20 wait again.
    expect(sent).toEqual([50, 53, 56, 51]);
    // The source is read to its end: the last 20 go in the free slot at once, below the floor.
    writer.finish();
    expect(sent).toEqual([50, 53, 56, 51, 20]);
    for (const g of gates) g.resolve();
    await Promise.all(pages);
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

  it("while records keep coming and most slots are busy, holds fewer than MIN_BATCH records for the next page", async () => {
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
    const first = writer.write(Array.from({ length: 150 }, (_, i) => i));
    // Both slots idle: a share each.
    expect(sent).toEqual([75, 75]);
    gates[0].resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const small = writer.write([1, 2, 3]);
    // One slot busy of two (half): the 3 records wait for more, or for the end.
    expect(sent).toEqual([75, 75]);
    writer.finish();
    expect(sent).toEqual([75, 75, 3]);
    for (const g of gates) g.resolve();
    await Promise.all([first, small]);
  });

  it("sizes the last requests of a pass from the target's learned times, so the slots finish together", async () => {
    // Two slots; the target takes 1 ms a record; a hand-driven clock; the source says how many records are left.
    let clock = 0;
    let left = 1010;
    const sent: { records: number; at: number }[] = [];
    const gates: ReturnType<typeof gate<void>>[] = [];
    const writer = new BatchWriter<number>(
      () => ({ concurrency: 2, maxBatch: 1000 }),
      async (items) => {
        sent.push({ records: items.length, at: clock });
        const g = gate();
        gates.push(g);
        await g.promise;
      },
      { upcoming: () => left, now: () => clock },
    );
    const pages: Promise<void>[] = [];
    const page = (n: number) => {
      left -= n;
      pages.push(writer.write(Array.from({ length: n }, (_, i) => i)));
    };
    const settleAt = async (request: number, at: number) => {
      clock = at;
      gates[request].resolve();
      await new Promise((resolve) => setImmediate(resolve));
    };
    page(10);
    page(400);
    // No time learned yet: at most TARGET_BATCH.
    expect(sent).toEqual([
      { records: 10, at: 0 },
      { records: 100, at: 0 },
    ]);
    // The first request took 10 ms: 1 ms a record. The end is far (600 more to come): a share of what the pass holds
    // (300 waiting, the 100 in flight counted a fifth more while the source keeps coming).
    await settleAt(0, 10);
    expect(sent[2]).toEqual({ records: 210, at: 10 });
    page(600);
    writer.finish();
    // The source is read: 690 records wait, the request sent at 10 ms has 120 ms of work left. The free slot takes
    // (690 + 120) / 2 = 405 records (a share of what the pass holds would be 450): it ends at 100 + 405 = 505 ms.
    await settleAt(1, 100);
    expect(sent[3]).toEqual({ records: 405, at: 100 });
    // The 285 left go when the next slot frees, at 220 ms: they end at 505 ms too.
    await settleAt(2, 220);
    expect(sent[4]).toEqual({ records: 285, at: 220 });
    await settleAt(3, 505);
    await settleAt(4, 505);
    await Promise.all(pages);
    expect(sent.reduce((n, r) => n + r.records, 0)).toBe(1010);
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
