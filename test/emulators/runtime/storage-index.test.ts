// The storage's sorted key list and ordered indexes (emulators/runtime/storage.ts, sorted.ts) against the plain
// answer: after every random insert, update, delete and rolled-back transaction, scan order, index order, tag
// counts and binary searches are those of sorting every row from scratch.
import { describe, expect, it } from "vitest";
import { orderValues } from "../../../emulators/odata/evaluate.ts";
import { seededRandom as random } from "../../../emulators/runtime/faults.ts";
import { SortedList } from "../../../emulators/runtime/sorted.ts";
import { type IndexSpec, openStore, type StoredRow } from "../../../emulators/runtime/storage.ts";

/** mulberry32: a small seeded generator, so a failure replays. */
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("SortedList", () => {
  it("stays sorted through inserts and removals across chunk splits and merges", () => {
    const next = random(11);
    const list = new SortedList<number>((a, b) => a - b);
    const plain: number[] = [];
    for (let step = 0; step < 6000; step++) {
      const remove = plain.length > 0 && next() < (step < 4000 ? 0.3 : 0.8);
      if (remove) {
        const value = plain[Math.floor(next() * plain.length)];
        expect(list.remove(value)).toBe(true);
        plain.splice(plain.indexOf(value), 1);
      } else {
        const value = Math.floor(next() * 1_000_000) + step / 10_000;
        list.insert(value);
        plain.push(value);
      }
      if (step % 500 === 0 || step === 5999) {
        plain.sort((a, b) => a - b);
        expect(list.toArray()).toEqual(plain);
        expect(list.size).toBe(plain.length);
        const probe = next() * 1_000_000;
        const expected = plain.findIndex((v) => v >= probe);
        expect(list.search((v) => v >= probe)).toBe(expected < 0 ? plain.length : expected);
        const from = Math.floor(next() * (plain.length + 1));
        expect([...list.from(from)]).toEqual(plain.slice(from));
        expect(list.at(from)).toBe(plain[from]);
      }
    }
    expect(list.remove(-1)).toBe(false);
  });

  it("merges a bulk of inserts (a seed, a load) into the sorted chunks in one pass", () => {
    const next = random(12);
    const list = new SortedList<number>((a, b) => a - b);
    const plain: number[] = [];
    for (const bulk of [3000, 40, 2500, 700, 1]) {
      for (let i = 0; i < bulk; i++) {
        const value = next();
        list.insert(value);
        plain.push(value);
      }
      plain.sort((a, b) => a - b);
      expect(list.size).toBe(plain.length);
      expect(list.toArray()).toEqual(plain);
      const victim = plain.splice(Math.floor(next() * plain.length), 1)[0];
      expect(list.remove(victim)).toBe(true);
      expect([...list.from(100)]).toEqual(plain.slice(100));
    }
  });
});

describe("ordered indexes", () => {
  // Keys of mixed kinds (numbers, text in two cases, nulls), descending: what the services' indexes hold.
  const spec: IndexSpec = {
    key: (row) => [row.v === undefined ? null : typeof row.v === "string" ? row.v.toLowerCase() : row.v],
    compare: (a, b) => -orderValues(a[0], b[0], false),
    tag: (key) => (key[0] === null ? "null" : typeof key[0]),
  };
  const values: unknown[] = [null, undefined, 1, 2, 2, 3.5, -7, "a", "B", "b", "c", "Zed"];

  function expectMatches(table: ReturnType<ReturnType<typeof openStore>["table"]>): void {
    const rows = [...table.scan()];
    const ids = rows.map(([id]) => id);
    expect(ids).toEqual([...ids].sort(byString));
    expect(table.values()).toEqual(rows.map(([, r]) => r));
    const index = table.index("v desc", spec);
    const plain = rows
      .map(([id, row]) => ({ key: spec.key(row), id }))
      .sort((a, b) => spec.compare(a.key, b.key) || byString(a.id, b.id));
    expect([...index.entries()]).toEqual(plain);
    expect(index.size).toBe(plain.length);
    for (const tag of ["null", "number", "string"]) {
      expect(index.tagCount(tag)).toBe(plain.filter((e) => spec.tag?.(e.key) === tag).length);
    }
    // Descending: nulls last.
    const firstNull = plain.findIndex((e) => e.key[0] === null);
    expect(index.search((e) => e.key[0] === null)).toBe(firstNull < 0 ? plain.length : firstNull);
  }

  for (const durable of [false, true]) {
    it(`follow every write, rollback and reload (${durable ? "SQLite" : "memory"})`, async () => {
      const { mkdtempSync, rmSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const dir = durable ? mkdtempSync(join(tmpdir(), "bcsync-index-")) : undefined;
      try {
        const next = random(durable ? 5 : 3);
        let store = openStore({ dataDir: dir });
        let table = store.table("rows");
        // The index exists before some writes and is built over existing rows for others.
        for (let i = 0; i < 50; i++) table.put(`id${Math.floor(next() * 400)}`, { v: values[i % values.length] });
        table.index("v desc", spec);
        const write = () => {
          const id = `id${Math.floor(next() * 400)}`;
          if (next() < 0.25) table.delete(id);
          else {
            const v = values[Math.floor(next() * values.length)];
            table.put(id, v === undefined ? {} : { v, n: next() });
          }
        };
        for (let round = 0; round < 60; round++) {
          if (next() < 0.3) {
            expect(() =>
              store.transaction(() => {
                for (let i = 0; i < 20; i++) write();
                throw new Error("rolled back");
              }),
            ).toThrow("rolled back");
          } else if (next() < 0.5)
            store.transaction(() => {
              for (let i = 0; i < 20; i++) write();
            });
          else for (let i = 0; i < 20; i++) write();
          expectMatches(table);
        }
        if (dir) {
          const before = [...table.scan()];
          store.close();
          store = openStore({ dataDir: dir });
          table = store.table("rows");
          expect([...table.scan()]).toEqual(before);
          expectMatches(table);
        }
        store.close();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("keeps the most recently used indexes of a group, and any other index", () => {
    const table = openStore().table("rows");
    for (let i = 0; i < 20; i++) table.put(`id${i}`, { v: i % 7 });
    const grouped = (name: string) => table.index(name, { ...spec, group: { name: "order", keep: 3 } });
    const other = table.index("v desc", spec);
    const a = grouped("a");
    const b = grouped("b");
    grouped("c");
    expect(grouped("a")).toBe(a);
    grouped("d"); // drops b, the least recently used of the group
    expect(grouped("a")).toBe(a);
    expect(table.index("v desc", spec)).toBe(other);
    const again = grouped("b");
    expect(again).not.toBe(b);
    // A rebuilt index is the same order as the one it replaces.
    expect([...again.entries()]).toEqual([...other.entries()]);
    table.put("id3", { v: 100 });
    expect([...grouped("b").entries()]).toEqual([...table.index("v desc", spec).entries()]);
  });

  it("keeps an index keyed on rows changed in place by a later put of the same object", () => {
    const table = openStore().table<StoredRow>("rows");
    const index = table.index("v desc", spec);
    const row: StoredRow = { v: 1 };
    table.put("a", row);
    table.put("b", { v: 2 });
    row.v = 3;
    table.put("a", row);
    expect([...index.entries()].map((e) => e.id)).toEqual(["a", "b"]);
    expectMatches(table);
  });
});
