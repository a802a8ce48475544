// dynamics_customer_{get,create,update,delete}.md replayed; the example's payment terms id is the seed's.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { type DocsContext, expectDocumentedRecord, first, replayDocumentedCrud } from "./docs-helpers.ts";
import { call, companyUrl, startBc } from "./helpers.ts";

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

describe("customers, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "customers",
      existing: "number eq '10000'",
      async create({ company }) {
        const terms = await first(`${company}/paymentTerms`, "code eq '14 DAYS'");
        return {
          displayName: "Adatum Corporation",
          type: "Company",
          addressLine1: "192 Market Square",
          addressLine2: "",
          city: "Atlanta",
          state: "GA",
          country: "US",
          postalCode: "31772",
          phoneNumber: "",
          email: "robert.townes@contoso.com",
          website: "",
          taxLiable: true,
          taxRegistrationNumber: "",
          currencyId: "00000000-0000-0000-0000-000000000000",
          currencyCode: "USD",
          paymentTermsId: terms.id,
          shipmentMethodId: "00000000-0000-0000-0000-000000000000",
          blocked: " ",
        };
      },
      // Blank is sent as " " and shown as the OData identifier.
      createdDiffers: { blocked: "_x0020_" },
      update: { displayName: "Coho Winery Inc.", phoneNumber: "(555) 555-1234" },
    },
    it,
  );

  it("shows the local currency as the LCY code with an empty currencyId, like the documented GET", async () => {
    const adatum = await first(`${company}/customers`, "number eq '10000'");
    expect(adatum.currencyCode).toBe("USD");
    expect(adatum.currencyId).toBe("00000000-0000-0000-0000-000000000000");
    const byCode = await call(`${company}/customers?$filter=currencyCode eq 'USD'&$select=number`);
    expect(byCode.body.value.map((c: { number: string }) => c.number)).toContain("10000");
  });

  it("expands the documented navigation properties it serves (currency, paymentTerm, shipmentMethod)", async () => {
    const adatum = await first(`${company}/customers`, "number eq '10000'");
    const reply = await call(`${company}/customers(${adatum.id})?$expand=currency,paymentTerm,shipmentMethod`);
    expect(reply.status).toBe(200);
    expectDocumentedRecord("customers", reply.body, ["currency", "paymentTerm", "shipmentMethod"]);
    if (reply.body.paymentTerm) expectDocumentedRecord("paymentTerms", reply.body.paymentTerm);
  });

  it("filters on enum values with the _x0020_ encoding", async () => {
    const all = await call(`${company}/customers?$select=number`);
    const blank = await call(`${company}/customers?$filter=blocked eq '_x0020_'&$select=number`);
    expect(blank.status).toBe(200);
    expect(blank.body.value.length).toBeGreaterThan(0);
    expect(blank.body.value.length).toBeLessThanOrEqual(all.body.value.length);
    // The member's plain name selects the same records as its OData identifier.
    const plain = await call(`${company}/customers?$filter=blocked eq ' '&$select=number`);
    expect(plain.body.value).toEqual(blank.body.value);
    const companies = await call(`${company}/customers?$filter=type eq 'Company'&$select=type`);
    expect(companies.body.value.every((c: { type: string }) => c.type === "Company")).toBe(true);
  });
});
