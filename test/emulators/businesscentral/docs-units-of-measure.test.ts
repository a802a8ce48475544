// dynamics_unitofmeasure_{get,create,update,delete}.md replayed against the emulator; the example's code BOX exists in the seed, so the replay creates CRATE.

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

describe("unitsOfMeasure, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "unitsOfMeasure",
      existing: "code eq 'BOX'",
      create: () => ({ code: "CRATE", displayName: "Crate", internationalStandardCode: "BX", symbol: "" }),
      update: { displayName: "Box" },
    },
    it,
  );
});
