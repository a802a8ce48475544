// dynamics_currency_{get,create,update,delete}.md replayed against the emulator; the example's code CAD exists in the seed, so the replay creates DKK.

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

describe("currencies, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "currencies",
      existing: "code eq 'CAD'",
      create: () => ({
        id: "0ca5738a-44e3-ea11-bb43-000d3a2feca1",
        code: "DKK",
        displayName: "Danish krone",
        symbol: "kr",
        amountDecimalPlaces: "2:2",
        amountRoundingPrecision: 0.01,
      }),
      update: { displayName: "Canadian dollar" },
    },
    it,
  );
});
