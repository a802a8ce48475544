import { afterEach, describe, expect, it, vi } from "vitest";
import { Coalescer } from "./request-batches.ts";

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
