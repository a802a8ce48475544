// dynamics_contact_{get,create,update,delete}.md replayed against the emulator; derived read-only values of the create example (company name, search name, last interaction) are left out, as BC refuses writing them.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { type DocsContext, replayDocumentedCrud } from "./docs-helpers.ts";
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

describe("contacts, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "contacts",
      existing: "number eq 'CT200001'",
      create: () => ({
        number: "108001",
        type: "Company",
        displayName: "CRONUS USA, Inc.",
        addressLine1: "7122 South Ashford Street",
        addressLine2: "Westminster",
        city: "Atlanta",
        state: "GA",
        country: "US",
        postalCode: "31772",
        phoneNumber: "+1 425 555 0100",
        mobilePhoneNumber: "",
        email: "ah@contoso.com",
        website: "",
        searchName: "CRONUS USA, INC.",
        privacyBlocked: true,
      }),
      update: { number: "108002" },
    },
    it,
  );

  it("accepts read-only fields echoed with the values the record shows, refuses others", async () => {
    const ok = await call(`${company}/contacts`, {
      method: "POST",
      body: { displayName: "Echo Ltd", type: "Company", companyName: "Echo Ltd", lastModifiedDateTime: "2021-06-01" },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const refused = await call(`${company}/contacts`, {
      method: "POST",
      body: { displayName: "Other Ltd", type: "Company", companyName: "Something else" },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("BadRequest_InvalidOperation");
    expect(refused.body.error.message).toMatch(/^Control 'Company Name' is read-only\./);
    const after = await call(`${company}/contacts?$filter=displayName eq 'Other Ltd'`);
    expect(after.body.value).toEqual([]);
  });
});
