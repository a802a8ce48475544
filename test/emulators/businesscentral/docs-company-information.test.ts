// dynamics_companyinformation_get.md replayed: one record per company whose currencyCode is the LCY code the
// v2.0 pages show for blank (local) currencies. (The `picture` stream of the resource is not served.)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { expectCollectionReply, expectEntityReply } from "./docs-helpers.ts";
import { call, companyUrl, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
beforeAll(async () => {
  bc = await startBc();
});
afterAll(async () => {
  await bc.close();
});

describe("companyInformation, as documented", () => {
  it("GET companyInformation answers one documented record with the LCY code", async () => {
    for (const [name, lcy] of [
      ["CRONUS USA, Inc.", "USD"],
      ["CRONUS Canada", "CAD"],
    ]) {
      const cid = bc.companyId(name);
      const url = `${companyUrl(bc, false, name)}/companyInformation`;
      const list = await call(url);
      expectCollectionReply(bc, list, `companies(${cid})/companyInformation`, "companyInformation");
      expect(list.body.value).toHaveLength(1);
      const info = list.body.value[0];
      expect(info.displayName).toBe(name);
      expect(info.currencyCode).toBe(lcy);
      const one = await call(`${url}(${info.id})`);
      expectEntityReply(bc, one, 200, `companies(${cid})/companyInformation`, "companyInformation");
      const { "@odata.context": _context, ...record } = one.body;
      expect(record).toEqual(info);
    }
  });

  it("shows customers without a currency in that LCY code", async () => {
    const base = companyUrl(bc);
    const info = (await call(`${base}/companyInformation`)).body.value[0];
    const local = await call(`${base}/customers?$filter=currencyId eq 00000000-0000-0000-0000-000000000000&$top=1`);
    expect(local.body.value[0].currencyCode).toBe(info.currencyCode);
  });

  it("is read-only here: PATCH answers 405", async () => {
    const base = companyUrl(bc);
    const info = (await call(`${base}/companyInformation`)).body.value[0];
    const reply = await call(`${base}/companyInformation(${info.id})`, {
      method: "PATCH",
      body: { phoneNumber: "1" },
      headers: { "If-Match": "*" },
    });
    expect(reply.status).toBe(405);
  });
});
