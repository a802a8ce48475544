// dynamics_vendor_{get,create,update,delete}.md replayed against the emulator; the example's number and ids are swapped for unused/seed ones.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { type DocsContext, first, replayDocumentedCrud } from "./docs-helpers.ts";
import { companyUrl, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
beforeAll(async () => {
  bc = await startBc();
  company = companyUrl(bc);
});
afterAll(async () => {
  await bc.close();
});
const ctx = (): DocsContext => ({ bc, company });

describe("vendors, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "vendors",
      existing: "number eq '10000'",
      async create({ company }) {
        const terms = await first(`${company}/paymentTerms`, "code eq '30 DAYS'");
        return {
          id: "f7a5738a-44e3-ea11-bb43-000d3a2feca1",
          number: "V10000",
          displayName: "Fabrikam, Inc.",
          addressLine1: "10 North Lake Avenue",
          addressLine2: "",
          city: "Atlanta",
          state: "GA",
          country: "US",
          postalCode: "31772",
          phoneNumber: "4255550101",
          email: "krystal.york@contoso.com",
          website: "www.royalmail.co.uk",
          taxRegistrationNumber: "",
          currencyId: "00000000-0000-0000-0000-000000000000",
          currencyCode: "USD",
          irs1099Code: "",
          paymentTermsId: terms.id,
          taxLiable: true,
          blocked: " ",
        };
      },
      createdDiffers: { blocked: "_x0020_" },
      update: { displayName: "Wide World Importers Inc.", blocked: "Payment" },
    },
    it,
  );

  it("keeps the documented balance at 0 for a new vendor", async () => {
    const created = await first(`${company}/vendors`, "number eq 'V10000'").catch(() => undefined);
    if (created) expect(created.balance).toBe(0);
    const seeded = await first(`${company}/vendors`, "number eq '10000'");
    expect(typeof seeded.balance).toBe("number");
  });
});
