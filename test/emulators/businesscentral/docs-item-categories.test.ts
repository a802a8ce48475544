// dynamics_itemcategory_{get,create,update,delete}.md replayed against the emulator; the example's code CHAIR exists in the seed, so the replay creates OFFICE.

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

describe("itemCategories, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "itemCategories",
      existing: "code eq 'CHAIR'",
      create: () => ({ code: "OFFICE", displayName: "Office Chair" }),
      update: { displayName: "Office Chair - swivel" },
    },
    it,
  );
});
