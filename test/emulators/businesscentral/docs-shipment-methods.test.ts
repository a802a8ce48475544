// dynamics_shipmentmethod_{get,create,update,delete}.md replayed against the emulator.

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

describe("shipmentMethods, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "shipmentMethods",
      existing: "code eq 'PICKUP'",
      create: () => ({ id: "87a5738a-44e3-ea11-bb43-000d3a2feca1", code: "CFR", displayName: "Cost and Freight" }),
      update: { displayName: "Pickup at Store Location" },
    },
    it,
  );
});
