import { afterEach, describe, expect, it, vi } from "vitest";
import { Coalescer, SlotGate } from "./request-batches.ts";

describe("Coalescer: the same step of the orders in flight as one request", () => {
  afterEach(() => vi.useRealTimers());

  it("sends what is waiting as one call once it is full, and gives each submission its own answers", async () => {
    const calls: number[][] = [];
    const doubling = new Coalescer<number, number>(async (items) => {
      calls.push(items);
      return items.map((n) => n * 2);
    }, 5);
    const [a, b] = await Promise.all([doubling.submit([1, 2]), doubling.submit([3, 4, 5])]);
    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
    expect(a).toEqual([2, 4]);
    expect(b).toEqual([6, 8, 10]);
  });

  it("never splits a submission: one that would overflow the call goes into the next", async () => {
    vi.useFakeTimers();
    const calls: string[][] = [];
    const echo = new Coalescer<string, string>(async (items) => {
      calls.push(items);
      return items;
    }, 4);
    const first = echo.submit(["a1", "a2", "a3"]);
    const second = echo.submit(["b1", "b2"]);
    await vi.runAllTimersAsync();
    expect(await first).toEqual(["a1", "a2", "a3"]);
    expect(await second).toEqual(["b1", "b2"]);
    expect(calls).toEqual([
      ["a1", "a2", "a3"],
      ["b1", "b2"],
    ]);
  });

  it("a call that fails as a whole fails every submission in it, and the next call still goes out", async () => {
    let fail = true;
    const flaky = new Coalescer<number, number>(async (items) => {
      if (fail) throw new Error("the service did not answer");
      return items;
    }, 2);
    const both = [flaky.submit([1]), flaky.submit([2])];
    for (const p of both) await expect(p).rejects.toThrow("the service did not answer");
    fail = false;
    expect(await Promise.all([flaky.submit([3]), flaky.submit([4])])).toEqual([[3], [4]]);
  });

  it("an empty submission answers at once without a call", async () => {
    const send = vi.fn(async (items: number[]) => items);
    expect(await new Coalescer(send, 3).submit([])).toEqual([]);
    expect(send).not.toHaveBeenCalled();
  });
});

/** A send whose calls stay open until the test answers them, recording what each call carried. */
function heldCalls() {
  const calls: { items: number[]; answer(): void }[] = [];
  let open = 0;
  let mostOpen = 0;
  const send = (items: number[]) =>
    new Promise<number[]>((resolve) => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      calls.push({
        items,
        answer: () => {
          open--;
          resolve(items);
        },
      });
    });
  return { calls, send, mostOpen: () => mostOpen };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Coalescer with a SlotGate: calls cut when the service has a free slot", () => {
  it("what arrives while every slot is busy gathers into the next call, up to maxItems, submissions whole", async () => {
    const held = heldCalls();
    const gate = new SlotGate(() => 1);
    const c = new Coalescer<number, number>(held.send, 6, 1, gate);
    const first = c.submit([1, 2]);
    await vi.waitFor(() => expect(held.calls).toHaveLength(1));
    const later = [c.submit([3, 4]), c.submit([5, 6, 7]), c.submit([8, 9]), c.submit([10])];
    await settle();
    expect(held.calls).toHaveLength(1); // the only slot is busy: nothing is cut yet
    held.calls[0].answer();
    expect(await first).toEqual([1, 2]);
    await vi.waitFor(() => expect(held.calls).toHaveLength(2));
    // Guided: 8 items wait for 1 slot, so the call takes whole submissions up to maxItems (6): [3,4] and [5,6,7].
    expect(held.calls[1].items).toEqual([3, 4, 5, 6, 7]);
    held.calls[1].answer();
    await vi.waitFor(() => expect(held.calls).toHaveLength(3));
    expect(held.calls[2].items).toEqual([8, 9, 10]);
    held.calls[2].answer();
    expect(await Promise.all(later)).toEqual([[3, 4], [5, 6, 7], [8, 9], [10]]);
  });

  it("as the backlog drains, calls shrink to a share per slot instead of one full call", async () => {
    const held = heldCalls();
    const gate = new SlotGate(() => 4);
    const c = new Coalescer<number, number>(held.send, 100, 1, gate);
    const submissions = Array.from({ length: 80 }, (_, i) => c.submit([i]));
    await vi.waitFor(() => expect(held.calls.length).toBeGreaterThan(0));
    await settle();
    // Each call takes what waits divided by the slots (80/4, 60/4, 45/4, then the least, 10), not one call of 80
    // while three slots idle; the remaining 23 wait for a slot.
    expect(held.calls.map((call) => call.items.length)).toEqual([20, 15, 12, 10]);
    // Answering frees the slots; the 23 left go out in calls of at least 10 (or what is left).
    for (let i = 0; i < held.calls.length; i++) {
      held.calls[i].answer();
      await settle();
    }
    expect(held.calls.slice(4).every((call) => call.items.length <= 10)).toBe(true);
    expect((await Promise.all(submissions)).flat()).toEqual(Array.from({ length: 80 }, (_, i) => i));
  });

  it("coalescers sharing a gate never have more calls open than its slots", async () => {
    const held = heldCalls();
    const gate = new SlotGate(() => 2);
    const a = new Coalescer<number, number>(held.send, 3, 1, gate);
    const b = new Coalescer<number, number>(held.send, 3, 1, gate);
    const all = [...Array.from({ length: 12 }, (_, i) => a.submit([i])), b.submit([100]), b.submit([101])];
    for (let answered = 0; answered < 20; answered++) {
      await settle();
      const next = held.calls.find((call) => !(call as { done?: boolean }).done);
      if (!next) break;
      (next as { done?: boolean }).done = true;
      next.answer();
    }
    expect((await Promise.all(all)).flat().sort((x, y) => x - y)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => i),
      100,
      101,
    ]);
    expect(held.mostOpen()).toBe(2);
  });
});
