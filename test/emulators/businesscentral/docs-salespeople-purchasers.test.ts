// dynamics_salespersonpurchaser_{get,create,update,delete}.md replayed against the emulator.

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

describe("salespeoplePurchasers, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "salespeoplePurchasers",
      existing: "code eq 'JO'",
      create: () => ({
        code: "JS",
        displayName: "Jennifer Smith",
        email: "jennifer.smith@contoso.com",
        email2: "js@contoso.onmicrosoft.com",
        phoneNo: "+1 425-555-0187",
        jobTitle: "Senior Sales Representative",
        commisionPercent: 7.5,
        privacyBlocked: false,
        blocked: false,
      }),
      update: { jobTitle: "Sales Manager", commisionPercent: 8.5, phoneNo: "+1 425-555-0198" },
    },
    it,
  );
});
