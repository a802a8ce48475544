// Stored snapshot hashes must never change between versions (a changed hash would rewrite every record on the next
// run), so stableJson is checked against the plain definition: keys sorted by sort() at every level.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonical, hashOf, stableJson } from "./values.ts";

/** The definition: canonical values, every object's keys through Array.prototype.sort. */
function reference(value: unknown): string {
  const sortDeep = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(sortDeep);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) out[key] = sortDeep((v as Record<string, unknown>)[key]);
    return out;
  };
  return JSON.stringify(sortDeep(canonical(value)));
}

// Keys that sort differently by code unit than by locale: upper before lower case, digits, accents, symbols.
// Keys V8 orders first as array indices ("0", "9", "10", "4294967294") and keys that only look like them.
const key = fc.constantFrom(
  "a",
  "B",
  "b",
  "Z",
  "_x",
  "10",
  "9",
  "0",
  "01",
  "4294967294",
  "4294967295",
  "-1",
  "1.5",
  "é",
  "e",
  "dataverse",
  "bc",
  "@odata.etag",
  "",
);
// Values canonical() rewrites: blanks, GUIDs in either case, timestamps and dates, numbers JSON cannot hold.
const special = fc.constantFrom(
  undefined,
  "",
  "00000000-0000-0000-0000-000000000000",
  "0001-01-01",
  "0001-01-01T00:00:00Z",
  "A1B2C3D4-0000-4000-8000-00000000ABCD",
  "2026-12-07T01:02:03.456Z",
  "2026-12-07",
  "2026-12-07T01:02:03+01:00",
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -0,
  1e21,
  0.1,
  'line\nbreak "quoted" \u2028',
);
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.boolean(), special);
const tree = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("object"), fc.array(tie("value"), { maxLength: 3 })),
  object: fc.dictionary(key, tie("value"), { maxKeys: 6 }),
})).object;

describe("stableJson", () => {
  it("orders every object's keys as sort() does, whatever order they came in", () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(stableJson(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });

  it("hashes the same record the same whatever its key order", () => {
    const a = { name: { bc: "Adatum", dataverse: "Adatum" }, Phone: { dataverse: "1", bc: "1" } };
    const b = { Phone: { bc: "1", dataverse: "1" }, name: { dataverse: "Adatum", bc: "Adatum" } };
    expect(hashOf(a)).toBe(hashOf(b));
    expect(stableJson(a)).toBe('{"Phone":{"bc":"1","dataverse":"1"},"name":{"bc":"Adatum","dataverse":"Adatum"}}');
  });
});
