// dynamics_paymentterm_{get,create,update,delete}.md replayed against the emulator.

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

describe("paymentTerms, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "paymentTerms",
      existing: "code eq '14 DAYS'",
      create: () => ({
        code: "10 DAYS",
        displayName: "Net 10 days",
        dueDateCalculation: "10D",
        discountDateCalculation: "",
        discountPercent: 0,
        calculateDiscountOnCreditMemos: false,
      }),
      update: { displayName: "Net 7 days with Discount", discountPercent: 10 },
    },
    it,
  );
});
