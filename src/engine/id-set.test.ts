import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IdSet } from "./id-set.ts";

/** GUIDs that differ only in their last digits, as seeded test data and some generators make them. */
const sequential = (n: number) => `00000000-0000-0000-0000-${n.toString(16).padStart(12, "0")}`;

describe("IdSet", () => {
  it("holds GUIDs case-insensitively, as both services compare them", () => {
    const ids = new IdSet();
    ids.add("A1B2C3D4-0000-4000-8000-00000000ABCD");
    expect(ids.has("a1b2c3d4-0000-4000-8000-00000000abcd")).toBe(true);
    expect(ids.has("A1B2C3D4-0000-4000-8000-00000000ABCD")).toBe(true);
    expect(ids.has("a1b2c3d4-0000-4000-8000-00000000abce")).toBe(false);
    ids.add("a1b2c3d4-0000-4000-8000-00000000abcd");
    expect(ids.size).toBe(1);
  });

  it("holds ids that are not GUIDs, and the nil GUID, beside the packed ones", () => {
    const ids = new IdSet();
    for (const id of [
      "CUST-10000",
      "",
      "00000000-0000-0000-0000-000000000000",
      "g1b2c3d4-0000-4000-8000-00000000abcd",
    ]) {
      expect(ids.has(id)).toBe(false);
      ids.add(id);
      expect(ids.has(id)).toBe(true);
    }
    expect(ids.has("cust-10000")).toBe(true);
    // A GUID-shaped id with a non-hex digit is an ordinary id, not a packed GUID that happens to collide.
    expect(ids.has("01b2c3d4-0000-4000-8000-00000000abcd")).toBe(false);
    expect(ids.size).toBe(4);
  });

  it("agrees with a Set of lowercased strings over 50,000 random and sequential GUIDs, through every growth", () => {
    const ids = new IdSet();
    const reference = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const id = i % 2 === 0 ? randomUUID().toUpperCase() : sequential(i);
      ids.add(id);
      reference.add(id.toLowerCase());
    }
    expect(ids.size).toBe(reference.size);
    for (const id of reference) expect(ids.has(id)).toBe(true);
    let absentFound = 0;
    for (let i = 0; i < 50_000; i++) {
      const id = i % 2 === 0 ? randomUUID() : sequential(100_000 + i);
      if (ids.has(id) !== reference.has(id)) absentFound++;
    }
    expect(absentFound).toBe(0);
  });
});
