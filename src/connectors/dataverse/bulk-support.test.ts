import { describe, expect, it } from "vitest";
import { isBulkUnsupported } from "./bulk.ts";

describe("isBulkUnsupported", () => {
  it("recognises a table without the bulk message", () => {
    expect(
      isBulkUnsupported(
        404,
        "0x8006088a",
        "Resource not found for the segment 'Microsoft.Dynamics.CRM.CreateMultiple'.",
        "CreateMultiple",
      ),
    ).toBe(true);
    expect(
      isBulkUnsupported(
        400,
        "0x80040800",
        "The 'CreateMultiple' method does not support entities of type 'account'.",
        "CreateMultiple",
      ),
    ).toBe(true);
    expect(isBulkUnsupported(501, "", "", "UpsertMultiple")).toBe(true);
  });

  it("does not mistake a data error for missing support", () => {
    expect(isBulkUnsupported(404, "0x80040217", "account With Id = 1 Does Not Exist", "UpdateMultiple")).toBe(false);
    expect(
      isBulkUnsupported(
        400,
        "0x80048d19",
        "Error identified in Payload provided by the user for Entity :'accounts'",
        "CreateMultiple",
      ),
    ).toBe(false);
  });
});
