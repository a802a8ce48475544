import { describe, expect, it } from "vitest";
import { bind, idFromEntityUrl, keySegment } from "./keys.ts";

describe("keys", () => {
  it("writes GUIDs unquoted without braces and alternate keys quoted with doubled quotes", () => {
    expect(keySegment("{0F7C6A4E-1111-4A5B-8C9D-0123456789AB}")).toBe("(0f7c6a4e-1111-4a5b-8c9d-0123456789ab)");
    expect(keySegment({ accountnumber: "O'Brien & Co" })).toBe("(accountnumber='O''Brien%20%26%20Co')");
    expect(keySegment({ k1: "a", k2: 5 })).toBe("(k1='a',k2=5)");
    expect(() => keySegment("not-a-guid")).toThrow();
  });

  it("reads the id from OData-EntityId and builds @odata.bind", () => {
    expect(idFromEntityUrl("https://x/api/data/v9.2/accounts(0f7c6a4e-1111-4a5b-8c9d-0123456789ab)")).toBe(
      "0f7c6a4e-1111-4a5b-8c9d-0123456789ab",
    );
    expect(bind("parentaccountid", "accounts", "0f7c6a4e-1111-4a5b-8c9d-0123456789ab")).toEqual({
      "parentaccountid@odata.bind": "/accounts(0f7c6a4e-1111-4a5b-8c9d-0123456789ab)",
    });
  });
});
