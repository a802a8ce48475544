// dynamics_companyinformation_get.md and dynamics_companyinformation_update.md replayed: one record per company
// whose currencyCode is the LCY code the v2.0 pages show for blank (local) currencies, with the documented
// `picture@odata.mediaReadLink` of the resource's `picture` stream, updated with the documented PATCH body.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { expectCollectionReply, expectEntityReply, expectNoContent, withEtag } from "./docs-helpers.ts";
import { call, companyUrl, expectError, startBc } from "./helpers.ts";

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

  it("links the picture stream as picture@odata.mediaReadLink, between industry and experience", async () => {
    const base = companyUrl(bc);
    const info = (await call(`${base}/companyInformation`)).body.value[0];
    const link = `${base}/companyInformation(${info.id})/picture`;
    expect(info["picture@odata.mediaReadLink"]).toBe(link);
    const names = Object.keys(info);
    expect(names.indexOf("picture@odata.mediaReadLink")).toBe(names.indexOf("industry") + 1);
    expect(names.indexOf("experience")).toBe(names.indexOf("industry") + 2);
    // No picture is stored: the link answers without content.
    expectNoContent(await call(link));
    const selected = await call(`${base}/companyInformation?$select=displayName,picture`);
    expect(Object.keys(selected.body.value[0])).toEqual(["@odata.etag", "displayName", "picture@odata.mediaReadLink"]);
    const without = await call(`${base}/companyInformation?$select=displayName`);
    expect(Object.keys(without.body.value[0])).toEqual(["@odata.etag", "displayName"]);
  });

  it("PATCH companyInformation({id}) with the documented body answers 200 and keeps the change", async () => {
    const name = "CRONUS Canada";
    const cid = bc.companyId(name);
    const base = companyUrl(bc, false, name);
    const info = (await call(`${base}/companyInformation`)).body.value[0];
    const url = `${base}/companyInformation(${info.id})`;
    const missing = await call(url, { method: "PATCH", body: { website: "www.cronuscorp.net" } });
    expectError(missing, 400, "BadRequest_InvalidToken");
    const { etag } = await withEtag(url);
    const reply = await call(url, {
      method: "PATCH",
      body: { displayName: "CRONUS Canada", website: "www.cronuscorp.net" },
      headers: { "If-Match": etag },
    });
    expectEntityReply(bc, reply, 200, `companies(${cid})/companyInformation`, "companyInformation");
    expect(reply.body.website).toBe("www.cronuscorp.net");
    expect(reply.body.displayName).toBe("CRONUS Canada");
    expect(reply.body.currencyCode).toBe("CAD");
    expect(reply.body["@odata.etag"]).not.toBe(etag);
    expect((await call(url)).body.website).toBe("www.cronuscorp.net");
    // The documented "won't be updated" with the old ETag.
    const stale = await call(url, { method: "PATCH", body: { website: "x" }, headers: { "If-Match": etag } });
    expectError(stale, 409, "Request_EntityChanged");
    // Read-only properties (currentFiscalYearStartDate; the LCY code comes from the general ledger setup).
    expectError(
      await call(url, { method: "PATCH", body: { currencyCode: "EUR" }, headers: { "If-Match": "*" } }),
      400,
      "BadRequest_InvalidOperation",
    );
    // The other company's record is untouched.
    const usa = (await call(`${companyUrl(bc)}/companyInformation`)).body.value[0];
    expect(usa.website).toBe("");
  });

  it("cannot be created or deleted (405)", async () => {
    const base = companyUrl(bc);
    const info = (await call(`${base}/companyInformation`)).body.value[0];
    expectError(
      await call(`${base}/companyInformation`, { method: "POST", body: { displayName: "X" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
    expectError(
      await call(`${base}/companyInformation(${info.id})`, { method: "DELETE", headers: { "If-Match": "*" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
  });
});
