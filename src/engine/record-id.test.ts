import { describe, expect, it } from "vitest";
import { newRecordId } from "./record-id.ts";

describe("newRecordId", () => {
  it("makes distinct version 7 GUIDs whose text grows with time (past the random pool's refills)", () => {
    const ids = Array.from({ length: 5000 }, newRecordId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The first 48 bits are the millisecond: never smaller than an earlier id's.
    const stamps = ids.map((id) => id.slice(0, 13));
    expect(stamps).toEqual([...stamps].sort());
    const ms = Number.parseInt(stamps.at(-1)!.replace("-", ""), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });
});
