// dynamics_opportunity_{get,create,update,delete}.md replayed against the emulator; the example's contact and salesperson are swapped for the seed's.

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

describe("opportunities, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "opportunities",
      existing: "number eq 'OP1001'",
      create: () => ({
        number: "OP100101",
        contactNumber: "CT000101",
        salespersonCode: "BC",
        description: "Description",
      }),
      update: { salespersonCode: "JO", description: "New Description" },
    },
    it,
  );
});
