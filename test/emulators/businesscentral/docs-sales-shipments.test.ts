// dynamics_salesshipment_get.md and dynamics_salesshipmentline_get.md replayed: posted shipments are read-only
// (POST/PATCH/DELETE: 405) and list their lines.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { expectCollectionReply, expectDocumentedRecord, expectEntityReply, first } from "./docs-helpers.ts";
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

describe("salesShipments, as documented", () => {
  it("GET salesShipments({id}) and its lines answer the documented shape", async () => {
    const cid = bc.companyId();
    const shipment = await first(`${company}/salesShipments`);
    const one = await call(`${company}/salesShipments(${shipment.id})`);
    expectEntityReply(bc, one, 200, `companies(${cid})/salesShipments`, "salesShipments");
    expectCollectionReply(
      bc,
      await call(`${company}/salesShipments`),
      `companies(${cid})/salesShipments`,
      "salesShipments",
    );
    const linesUrl = `${company}/salesShipments(${shipment.id})/salesShipmentLines`;
    const lines = await call(linesUrl);
    expectCollectionReply(
      bc,
      lines,
      `companies(${cid})/salesShipments(${shipment.id})/salesShipmentLines`,
      "salesShipmentLines",
    );
    expect(lines.body.value.length).toBeGreaterThan(0);
    const line = lines.body.value[0];
    expect(line.documentId).toBe(shipment.id);
    expect(line.documentNo).toBe(shipment.number);
    const oneLine = await call(`${linesUrl}(${line.id})`);
    expectEntityReply(
      bc,
      oneLine,
      200,
      `companies(${cid})/salesShipments(${shipment.id})/salesShipmentLines`,
      "salesShipmentLines",
    );
    const expanded = await call(`${company}/salesShipments(${shipment.id})?$expand=salesShipmentLines,customer`);
    expectDocumentedRecord("salesShipments", expanded.body, ["salesShipmentLines", "customer"]);
    expect(expanded.body.customer.number).toBe(shipment.customerNumber);
  });

  it("is read-only: POST, PATCH and DELETE answer 405 BadRequest_MethodNotAllowed", async () => {
    const shipment = await first(`${company}/salesShipments`);
    const url = `${company}/salesShipments(${shipment.id})`;
    for (const reply of [
      await call(`${company}/salesShipments`, { method: "POST", body: { externalDocumentNumber: "X" } }),
      await call(url, { method: "PATCH", body: { externalDocumentNumber: "X" }, headers: { "If-Match": "*" } }),
      await call(url, { method: "DELETE", headers: { "If-Match": "*" } }),
    ]) {
      expect(reply.status).toBe(405);
      expect(reply.body.error.code).toBe("BadRequest_MethodNotAllowed");
    }
  });
});
