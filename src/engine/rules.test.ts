import { describe, expect, it } from "vitest";
import { couplingsWithMissingRecord, massDeleteDecision } from "./deletions.ts";
import { afterFailure, afterSuccess } from "./failures.ts";
import { transforms } from "./transforms.ts";
import { sameValue } from "./values.ts";

describe("skip after repeated failures", () => {
  const err = { code: "BCSYNC_E_X", message: "boom" };
  it.each<[string, Parameters<typeof afterFailure>[0], Parameters<typeof afterFailure>[1], number, number, boolean]>([
    ["first failure", undefined, err, 2, 1, false],
    ["same failure twice (BC rule)", { count: 1, ...err }, err, 2, 2, true],
    ["different message restarts the streak", { count: 1, ...err }, { ...err, message: "other" }, 2, 1, false],
    ["configurable count", { count: 2, ...err }, err, 5, 3, false],
    ["0 never skips", { count: 9, ...err }, err, 0, 10, false],
    ["transient errors never count", { count: 1, ...err }, { ...err, transient: true }, 2, 1, false],
  ])("%s", (_n, prev, error, n, count, skipped) => {
    const out = afterFailure(prev, error, n);
    expect(out.failure.count).toBe(count);
    expect(out.skipped).toBe(skipped);
  });
  it("a success clears the streak", () => {
    expect(afterSuccess()).toEqual({ failure: { count: 0 }, skipped: false });
  });
});

describe("deletions", () => {
  it.each<[number, number, boolean]>([
    [0, 0, true],
    [3, 5, true],
    [5, 5, true],
    [6, 5, false],
    [1, 0, false],
  ])("%i deletions with threshold %i → execute %s", (count, threshold, execute) => {
    expect(massDeleteDecision(count, threshold).execute).toBe(execute);
  });
  it("finds couplings whose record is gone", () => {
    const cs = [
      { bcId: "A", dataverseId: "a" },
      { bcId: "B", dataverseId: "b" },
    ];
    expect(couplingsWithMissingRecord(cs, "dataverse", new Set(["a"])).map((c) => c.bcId)).toEqual(["B"]);
    // Ids compare case-insensitively (GUIDs arrive in either case).
    expect(couplingsWithMissingRecord(cs, "bc", new Set(["b"])).map((c) => c.bcId)).toEqual(["A"]);
  });
});

describe("transforms", () => {
  it.each<[string, unknown, Record<string, unknown>, "toDataverse" | "fromDataverse", unknown]>([
    ["trim", "  a ", {}, "toDataverse", "a"],
    ["uppercase", " net30 ", {}, "fromDataverse", "NET30"],
    ["truncate", "abcdef", { maxLength: 3 }, "toDataverse", "abc"],
    ["default", "", { value: "x" }, "toDataverse", "x"],
    ["round", "1.005", { decimals: 1 }, "toDataverse", 1],
    ["clampMin", -4, {}, "toDataverse", 0],
    ["dateOnly", "2026-03-04T23:00:00Z", {}, "toDataverse", "2026-03-04"],
    ["decimalPlaces", "2:5", {}, "toDataverse", 5],
    ["decimalPlaces", "0", {}, "toDataverse", 0],
    ["prefix", "C001", { value: "BC-" }, "toDataverse", "BC-C001"],
    ["prefix", "BC-C001", { value: "BC-" }, "fromDataverse", "C001"],
    ["map", "A", { values: { A: 1 } }, "toDataverse", 1],
    ["map", 1, { values: { A: 1 } }, "fromDataverse", "A"],
    ["boolean", true, { true: 2, false: 0 }, "toDataverse", 2],
    ["boolean", 0, { true: 2, false: 0 }, "fromDataverse", false],
  ])("%s(%j, %j) %s → %j", (name, value, args, pass, expected) => {
    expect(transforms[name](value, args, pass)).toEqual({ ok: true, value: expected });
  });
  it("fails as a value", () => {
    expect(transforms.round("abc", {}, "toDataverse").ok).toBe(false);
    expect(transforms.truncate("abc", {}, "toDataverse").ok).toBe(false);
    expect(transforms.decimalPlaces("two", {}, "toDataverse").ok).toBe(false);
  });
});

describe("value comparison", () => {
  it.each<[unknown, unknown, boolean]>([
    ["", null, true],
    [undefined, null, true],
    ["00000000-0000-0000-0000-000000000000", null, true],
    ["12.50", 12.5, true],
    ["2026-01-01T10:00:00Z", "2026-01-01T10:00:00.000Z", true],
    ["AAAAAAAA-1111-1111-1111-111111111111", "aaaaaaaa-1111-1111-1111-111111111111", true],
    ["a", "A", false],
    [1, 2, false],
  ])("%j ~ %j → %s", (a, b, same) => {
    expect(sameValue(a, b)).toBe(same);
  });
});
