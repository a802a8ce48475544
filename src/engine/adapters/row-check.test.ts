import { describe, expect, it } from "vitest";
import { checkRow, type RowRules, rowError } from "./row-check.ts";

const ID = "1B2C3D4E-0000-4000-8000-000000000001";
const good = {
  "@odata.etag": 'W/"42"',
  id: ID,
  lastModifiedDateTime: "2026-12-05T10:00:00.123Z",
  displayName: "Adatum",
  balance: 12.5,
  blocked: false,
  phoneNumber: null,
};
const read: RowRules = {
  key: "id",
  modified: "lastModifiedDateTime",
  values: ["displayName", "balance", "blocked", "phoneNumber"],
  requireVersion: true,
};

describe("checkRow", () => {
  it("passes a row the engine can use", () => {
    expect(checkRow(good, read, 0)).toBeUndefined();
  });

  it("names a row without a usable id by its place in the answer", () => {
    expect(checkRow({ ...good, id: 12345 }, read, 2)).toEqual({
      record: "#3 of the page",
      field: "id",
      reason: "the id is the number 12345, not a GUID",
    });
    expect(checkRow({ ...good, id: undefined }, read, 0)).toMatchObject({
      field: "id",
      reason: "the id is missing, not a GUID",
    });
    expect(checkRow("text", read, 0)).toEqual({
      record: "#1 of the page",
      field: "(row)",
      reason: 'the row is the text "text", not a JSON object',
    });
    expect(checkRow([good], read, 0)).toMatchObject({
      field: "(row)",
      reason: "the row is an array, not a JSON object",
    });
  });

  it("names the record by its id (lower case) and the field for a value that is an object or an array", () => {
    expect(checkRow({ ...good, displayName: { value: "x" } }, read, 0)).toEqual({
      record: ID.toLowerCase(),
      id: ID.toLowerCase(),
      field: "displayName",
      reason: "an object where a value (text, number, true/false or null) is expected",
    });
    expect(checkRow({ ...good, balance: [1] }, read, 0)).toMatchObject({ field: "balance" });
    // Properties the mapping does not read are not the engine's business.
    expect(checkRow({ ...good, address: { city: "x" } }, read, 0)).toBeUndefined();
  });

  it("refuses a change stamp that is not a date, and a read without an ETag", () => {
    expect(checkRow({ ...good, lastModifiedDateTime: "yesterday" }, read, 0)).toMatchObject({
      field: "lastModifiedDateTime",
      reason: 'the change stamp is the text "yesterday", not a date and time',
    });
    const { "@odata.etag": _, ...noEtag } = good;
    expect(checkRow(noEtag, read, 0)).toMatchObject({ field: "@odata.etag" });
    expect(checkRow({ ...good, "@odata.etag": "" }, read, 0)).toMatchObject({ field: "@odata.etag" });
  });

  it("lets a write's answer go without an ETag (the next update reads first), but not with one that is not text", () => {
    const answer = { ...read, requireVersion: false };
    const { "@odata.etag": _, ...noEtag } = good;
    expect(checkRow(noEtag, answer, 0)).toBeUndefined();
    expect(checkRow({ ...good, "@odata.etag": 7 }, answer, 0)).toMatchObject({ field: "@odata.etag" });
  });

  it("checks text-only properties and skips the stamp where the read has none", () => {
    const rules: RowRules = { key: "accountid", values: [], texts: ["_modifiedby_value"], requireVersion: false };
    expect(checkRow({ accountid: ID, _modifiedby_value: null }, rules, 0)).toBeUndefined();
    expect(checkRow({ accountid: ID, _modifiedby_value: 3 }, rules, 0)).toMatchObject({
      field: "_modifiedby_value",
      reason: "the number 3 where text is expected",
    });
  });
});

describe("rowError", () => {
  it("is the catalogued error with service, path, record and field, as the sync log stores it", () => {
    const error = rowError("Dataverse", "accounts", { record: "r1", id: "r1", field: "name", reason: "an array" });
    expect(error).toMatchObject({
      code: "BCSYNC_E_CONNECTOR_RECORD_MALFORMED",
      field: "name",
      transient: false,
      message: "Dataverse answered accounts with record r1 whose name is not usable: an array.",
    });
    expect(error.fix).toContain("the next run reads it again");
  });
});
