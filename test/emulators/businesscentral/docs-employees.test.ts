// dynamics_employee_{get,create,update,delete}.md replayed against the emulator.

import { afterAll, beforeAll, describe, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { type DocsContext, replayDocumentedCrud } from "./docs-helpers.ts";
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

describe("employees, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "employees",
      existing: "number eq 'EH'",
      create: () => ({
        id: "258bb9c0-44e3-ea11-bb43-000d3a2feca1",
        number: "AH",
        givenName: "Annette",
        middleName: "",
        surname: "Hill",
        jobTitle: "Secretary",
        addressLine1: "677 Fifth Avenue",
        addressLine2: "",
        city: "",
        state: "",
        country: "",
        postalCode: "",
        phoneNumber: "4465-4899-4643",
        mobilePhone: "4564-4564-7831",
        email: "",
        personalEmail: "ah@contoso.com",
        employmentDate: "2001-06-01",
        terminationDate: "0001-01-01",
        status: "Active",
        birthDate: "1973-12-12",
        statisticsGroupCode: "",
      }),
      update: { givenName: "Anthony", phoneNumber: "0678-8712-3455" },
    },
    it,
  );
});
