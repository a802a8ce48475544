// dynamics_opportunity_{get,create,update,delete}.md replayed against the emulator; the example's contact and salesperson are swapped for the seed's.

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

  it("shows the documented stage values: none while Not Started, the first stage in progress, closed at 100 %", async () => {
    const created = await call(`${company}/opportunities`, {
      method: "POST",
      body: { contactNumber: "CT000101", salespersonCode: "BC", description: "Stages", estimatedValue: 200000 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // dynamics_opportunity_create.md / _update.md: a Not Started opportunity shows 0, 0 and 0.
    expect(created.body).toMatchObject({
      status: "Not_x0020_Started",
      closed: false,
      dateClosed: "0001-01-01",
      chancesOfSuccessPrc: 0,
      completedPrc: 0,
      calculatedCurrentValue: 0,
    });
    const url = `${company}/opportunities(${created.body.id})`;
    const started = await call(url, {
      method: "PATCH",
      body: { status: "In Progress" },
      headers: { "If-Match": created.body["@odata.etag"] },
    });
    // dynamics_opportunity_get.md: In_x0020_Progress, 15 % chances, 2 % completed, 200,000 → 600.
    expect(started.body).toMatchObject({
      status: "In_x0020_Progress",
      chancesOfSuccessPrc: 15,
      completedPrc: 2,
      calculatedCurrentValue: 600,
    });
    const won = await call(url, {
      method: "PATCH",
      body: { status: "Won" },
      headers: { "If-Match": started.body["@odata.etag"] },
    });
    expect(won.body).toMatchObject({ closed: true, chancesOfSuccessPrc: 100, completedPrc: 100 });
    expect(won.body.calculatedCurrentValue).toBe(200000);
  });
});
