import { describe, expect, it } from "vitest";
import { bcEtag, decodeEnum, encodeEnum, matchEnum } from "./encoding.ts";

describe("enum encoding", () => {
  it("encodes spaces, hyphens and other characters as OData identifier escapes and decodes them back", () => {
    expect(encodeEnum("Non-Inventory")).toBe("Non_x002D_Inventory");
    expect(encodeEnum("In Review")).toBe("In_x0020_Review");
    expect(encodeEnum(" ")).toBe("_x0020_");
    expect(encodeEnum("Expired ")).toBe("Expired_x0020_");
    expect(encodeEnum("G/L Account")).toBe("G_x002F_L_x0020_Account");
    for (const v of ["Non-Inventory", "Charge (Item)", " ", "Customer Price Group"])
      expect(decodeEnum(encodeEnum(v))).toBe(v);
  });

  it("matches members sent encoded, plain or in another case", () => {
    const values = [" ", "Ship", "Invoice", "All"];
    expect(matchEnum("_x0020_", values)).toBe(" ");
    expect(matchEnum("", values)).toBe(" ");
    expect(matchEnum("invoice", values)).toBe("Invoice");
    expect(matchEnum("Nope", values)).toBeUndefined();
  });
});

describe("ETag", () => {
  it("is opaque, BC-shaped and changes with the version", () => {
    const a = bcEtag("id-1", 1);
    expect(a).toMatch(/^W\/"[A-Za-z0-9+/]+=*"$/);
    const inner = Buffer.from(a.slice(3, -1), "base64").toString("utf8");
    expect(inner).toMatch(/^'44;[A-Za-z0-9+/]{43}=1;00;'$/);
    expect(bcEtag("id-1", 2)).not.toBe(a);
    expect(bcEtag("id-1", 1)).toBe(a);
  });
});
