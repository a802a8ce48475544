import { describe, expect, it } from "vitest";
import { compileFilter } from "./filter.ts";

const ACCOUNT = { statecode: 0, customertypecode: 3, _parentcustomerid_value: null, name: "O'Neil & Co" };
const USER = { isdisabled: false, islicensed: null, isintegrationuser: false, applicationid: null };

describe("client-side filters (change tracking with a mapping filter)", () => {
  it.each<[string, string, Record<string, unknown>, boolean]>([
    ["numbers, and", "statecode eq 0 and customertypecode eq 3", ACCOUNT, true],
    ["numbers, one term false", "statecode eq 0 and customertypecode eq 11", ACCOUNT, false],
    ["or and parentheses", "(customertypecode eq 11 or customertypecode eq 3) and statecode eq 0", ACCOUNT, true],
    ["ne null on a null lookup", "_parentcustomerid_value ne null and statecode eq 0", ACCOUNT, false],
    ["eq null on a missing property", "applicationid eq null", USER, true],
    [
      "ne true / ne false hold for null (the SALESPEOPLE filter)",
      "isdisabled ne true and islicensed ne false and isintegrationuser ne true and applicationid eq null",
      USER,
      true,
    ],
    ["not", "not (statecode eq 1)", ACCOUNT, true],
    ["strings ignore case; quotes doubled", "name eq 'o''neil & co'", ACCOUNT, true],
    ["ordering comparisons", "customertypecode ge 3 and customertypecode lt 4", ACCOUNT, true],
    [
      "GUIDs ignore case",
      "ownerid eq 0A1B2C3D-0000-4000-8000-00000000000A or ownerid eq a1b2c3d4-0001-4000-8000-000000000001",
      { ownerid: "0a1b2c3d-0000-4000-8000-00000000000a" },
      true,
    ],
  ])("%s", (_n, filter, row, expected) => {
    const compiled = compileFilter(filter);
    expect(compiled.ok).toBe(true);
    if (compiled.ok) expect(compiled.test(row)).toBe(expected);
  });

  it("names the properties it reads (they join the delta read's $select)", () => {
    const compiled = compileFilter("statecode eq 0 and (customertypecode eq 3 or _parentcustomerid_value ne null)");
    expect(compiled.ok && compiled.properties.sort()).toEqual([
      "_parentcustomerid_value",
      "customertypecode",
      "statecode",
    ]);
  });

  it.each([
    "contains(name,'x')",
    "statecode add 1 eq 2",
    "Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=3)",
    "statecode eq",
    "(statecode eq 0",
  ])("refuses %s (the mapping keeps the watermark)", (filter) => {
    expect(compileFilter(filter).ok).toBe(false);
  });
});
