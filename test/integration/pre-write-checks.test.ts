// Issue 14.6 (and 14.5): a value the other side would refuse as too long went out unchecked; the service refused the
// request and the error named a URL, not the record or the field. Now each text is checked against the target's
// metadata (Dataverse EntityDefinitions MaxLength, Business Central $metadata MaxLength) before writing: the record
// fails with its name, the field and the fix, and the rest of the run goes through. Nothing is ever cut short.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { maxLengthsOf } from "../../src/connectors/businesscentral/client.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncMappings(h.ctx, {
    names: ["CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT", "CUSTOMER"],
    full: true,
  });
}, 120_000);
afterAll(async () => h?.close());

describe("values the other side would refuse are reported before writing", () => {
  it("a Sales account name longer than BC's 100 characters fails that customer, named, while another goes through", async () => {
    const pairs: { bcId: string; accountId: string }[] = [];
    for await (const c of h.ctx.store.couplings.iterate("CUSTOMER"))
      pairs.push({ bcId: c.bcId, accountId: c.dataverseId });
    const [long, ok] = pairs;
    const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };
    const longName = `Trey Research ${"and Partners ".repeat(10)}`.trim(); // 143 characters: Sales takes 160
    expect(longName.length).toBeGreaterThan(100);
    const a = await h.ctx.dataverse.update("accounts", long.accountId, { name: longName }, asUser);
    const b = await h.ctx.dataverse.update("accounts", ok.accountId, { telephone1: "555-0177" }, asUser);
    if (!a.ok) throw a.error;
    if (!b.ok) throw b.error;

    const [run] = await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    expect(total(run, "failed")).toBe(1);
    const errors = await h.ctx.store.jobs.errors({ mappingName: "CUSTOMER" });
    const error = errors.find((e) => e.sourceId === long.accountId);
    expect(error?.code).toBe("BCSYNC_E_ENGINE_VALUE_TOO_LONG");
    expect(error?.field).toBe("displayName|name");
    expect(error?.message).toContain("takes at most 100");
    // The other account's change went through in the same run; the long name was not cut short anywhere.
    const other = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", ok.bcId);
    expect(other.ok && other.value?.phoneNumber).toBe("555-0177");
    const unchanged = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", long.bcId);
    expect(unchanged.ok && String(unchanged.value?.displayName).length).toBeLessThanOrEqual(100);
    expect(unchanged.ok && unchanged.value?.displayName).not.toBe(longName.slice(0, 100));
  });

  it("reads MaxLength of an entity set's string properties from CSDL", () => {
    const csdl = `<EntityType Name="customer"><Key/><Property Name="id" Type="Edm.Guid" />
      <Property Name="displayName" Type="Edm.String" MaxLength="100" /><Property Name="balance" Type="Edm.Decimal" />
      </EntityType><EntityContainer><EntitySet Name="customers" EntityType="Microsoft.NAV.customer" /></EntityContainer>`;
    expect([...maxLengthsOf(csdl, "customers")]).toEqual([["displayName", 100]]);
    expect(maxLengthsOf(csdl, "vendors").size).toBe(0);
  });
});
