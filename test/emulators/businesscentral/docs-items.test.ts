// dynamics_item_{get,create,update,delete}.md replayed against the emulator; the example's category and unit ids are the seed's, its number an unused one.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { type DocsContext, expectDocumentedRecord, first, replayDocumentedCrud } from "./docs-helpers.ts";
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

describe("items, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "items",
      existing: "number eq '1896-S'",
      async create({ company }) {
        const table = await first(`${company}/itemCategories`, "code eq 'TABLE'");
        const pcs = await first(`${company}/unitsOfMeasure`, "code eq 'PCS'");
        return {
          number: "1896-T",
          displayName: "ATHENS Desk",
          type: "Inventory",
          itemCategoryId: table.id,
          itemCategoryCode: "TABLE",
          blocked: false,
          gtin: "",
          unitPrice: 1000.8,
          priceIncludesTax: false,
          unitCost: 780.7,
          baseUnitOfMeasureId: pcs.id,
          baseUnitOfMeasureCode: "PCS",
        };
      },
      update: { displayName: "ATHENS Desk - blocked", blocked: true },
    },
    it,
  );

  it("answers the documented inventory 0 for a new item and expands itemCategory and unitOfMeasure", async () => {
    const created = await first(`${company}/items`, "number eq '1896-S'");
    const reply = await call(`${company}/items(${created.id})?$expand=itemCategory,unitOfMeasure`);
    expect(reply.status).toBe(200);
    expectDocumentedRecord("items", reply.body, ["itemCategory", "unitOfMeasure"]);
    expect(reply.body.itemCategory.code).toBe(created.itemCategoryCode);
    expect(reply.body.unitOfMeasure.code).toBe(created.baseUnitOfMeasureCode);
  });

  it("encodes Non-Inventory as Non_x002D_Inventory and filters on the encoded value", async () => {
    const reply = await call(`${company}/items?$filter=type eq 'Non_x002D_Inventory'&$select=type`);
    expect(reply.status).toBe(200);
    expect(reply.body.value.length).toBeGreaterThan(0);
    expect(reply.body.value.every((i: { type: string }) => i.type === "Non_x002D_Inventory")).toBe(true);
  });
});
