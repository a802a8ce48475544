import { describe, expect, it } from "vitest";
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from "./heap.ts";

describe("boundHeapGrowth", () => {
  it("leaves the flag to a person who set it on node's command line", () => {
    expect(boundHeapGrowth(["--heap-growing-percent=300"])).toBe(false);
    expect(boundHeapGrowth(["--max-old-space-size=512", "--heap-growing-percent", "300"])).toBe(false);
  });

  it("bounds V8's growing factor at 1 + HEAP_GROWING_PERCENT / 100 otherwise", () => {
    expect(HEAP_GROWING_PERCENT).toBe(100);
    expect(boundHeapGrowth(["--enable-source-maps"])).toBe(true);
  });
});
