// The fix shown beside a record error: the catalogue's fix with its placeholders filled from the stored message.
import { describe, expect, it } from "vitest";
import { fixFor, paramsFromMessage } from "./admin.ts";

describe("paramsFromMessage", () => {
  it("reads each placeholder back from a message made from the template", () => {
    expect(
      paramsFromMessage(
        "{mapping}: record {record}, field {field}: value {value} must be coupled to a record through mapping {lookup}.",
        "CUSTOMER: record 10000, field salespersonCode|ownerid: value ZZ must be coupled to a record through mapping SALESPEOPLE.",
      ),
    ).toEqual({
      mapping: "CUSTOMER",
      record: "10000",
      field: "salespersonCode|ownerid",
      value: "ZZ",
      lookup: "SALESPEOPLE",
    });
  });

  it("treats the template's other characters literally and a repeated placeholder as the same value", () => {
    expect(paramsFromMessage("{a} (x+y) {a} then {b}?", "1 (x+y) 1 then 2?")).toEqual({ a: "1", b: "2" });
    expect(paramsFromMessage("{a} (x+y) {a} then {b}?", "1 (x+y) 3 then 2?")).toBeUndefined();
  });

  it("answers undefined for a message the template did not make", () => {
    expect(paramsFromMessage("Value {value} is too long.", "Something else happened.")).toBeUndefined();
  });
});

describe("fixFor", () => {
  const base = { mappingName: "CUSTOMER", field: "salespersonCode|ownerid", sourceId: "abc" };

  it("fills the catalogue's fix from the message", () => {
    expect(
      fixFor({
        ...base,
        code: "BCSYNC_E_ENGINE_LOOKUP_NOT_COUPLED",
        message:
          "CUSTOMER: record 10000, field salespersonCode|ownerid: value ZZ must be coupled to a record through mapping SALESPEOPLE.",
      }),
    ).toMatch(/^Couple the referenced record first: `npx bcsync sync SALESPEOPLE --full`/);
  });

  it("explains a service's own refusal (a code the catalogue does not know) in general words", () => {
    expect(fixFor({ ...base, code: "0x80040217", message: "account With Id = x Does Not Exist" })).toMatch(
      /Correct the record .* then retry; if this record should not synchronize, skip it\./,
    );
  });
});
