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
const key = fc.constantFrom("a", "B", "b", "Z", "_x", "10", "9", "é", "e", "dataverse", "bc", "@odata.etag", "");
const leaf = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean());
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
    );
  });

  it("hashes the same record the same whatever its key order", () => {
    const a = { name: { bc: "Adatum", dataverse: "Adatum" }, Phone: { dataverse: "1", bc: "1" } };
    const b = { Phone: { bc: "1", dataverse: "1" }, name: { dataverse: "Adatum", bc: "Adatum" } };
    expect(hashOf(a)).toBe(hashOf(b));
    expect(stableJson(a)).toBe('{"Phone":{"bc":"1","dataverse":"1"},"name":{"bc":"Adatum","dataverse":"Adatum"}}');
  });
});
