// Issue 10 points 17 and 18: default mappings that differed from Business Central's, tried on the demo data after
// the full synchronization review's "sync all". Each test failed on the landed tree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { bcRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
}, 180_000);
afterAll(async () => h?.close());

const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };

describe("issue 10 point 17: OPPORTUNITY's parent account", () => {
  it("an opportunity of a customer's person reaches Sales with the account coupled to that customer", async () => {
    const people = (await bcRows(h.ctx, "contacts", true)).filter(
      (c) => c.type === "Person" && c.contactBusinessRelation === "Customer" && c.customerNumber,
    );
    const customers = new Map((await bcRows(h.ctx, "customers")).map((c) => [c.number, String(c.id).toLowerCase()]));
    let person: Record<string, unknown> | undefined;
    let accountId: string | undefined;
    for (const p of people) {
      if (!(await h.ctx.store.couplings.getByBcId("CONTACT", String(p.id).toLowerCase()))) continue;
      const customerId = customers.get(p.customerNumber);
      const coupling = customerId ? await h.ctx.store.couplings.getByBcId("CUSTOMER", customerId) : undefined;
      if (coupling) {
        person = p;
        accountId = coupling.dataverseId;
        break;
      }
    }
    if (!person || !accountId) throw new Error("the demo data has no person of a coupled customer");
    const created = await h.ctx.businessCentral.company(h.ctx.companyId).create("opportunities", {
      contactNumber: person.number,
      description: "Bikes for the fleet",
      estimatedValue: 9000,
    });
    if (!created.ok) throw created.error;
    const [report] = await syncMappings(h.ctx, { names: ["OPPORTUNITY"] });
    expect(report.error).toBeUndefined();
    const coupling = await h.ctx.store.couplings.getByBcId("OPPORTUNITY", String(created.value.id).toLowerCase());
    if (!coupling) throw new Error("the opportunity was not created in Sales");
    const sales = await h.ctx.dataverse.retrieve("opportunities", coupling.dataverseId);
    if (!sales.ok || !sales.value) throw new Error("Sales opportunity unreadable");
    expect(String(sales.value._parentaccountid_value).toLowerCase()).toBe(accountId);
    const [again] = await syncMappings(h.ctx, { names: ["OPPORTUNITY"], full: true });
    expect(total(again, "modified")).toBe(0);
  });
});

describe("issue 10 point 18: CONTACT takes only Sales contacts whose parent customer is an account", () => {
  it("a Sales contact under another contact stays out of BC; one under an account arrives", async () => {
    const accounts = await (async () => {
      for await (const c of h.ctx.store.couplings.iterate("CUSTOMER")) return c;
      return undefined;
    })();
    if (!accounts) throw new Error("no coupled customer");
    const boss = await h.ctx.dataverse.create(
      "contacts",
      {
        firstname: "Ada",
        lastname: "Parent",
        "parentcustomerid_account@odata.bind": `/accounts(${accounts.dataverseId})`,
      },
      asUser,
    );
    if (!boss.ok) throw boss.error;
    const underContact = await h.ctx.dataverse.create(
      "contacts",
      { firstname: "Bo", lastname: "Child", "parentcustomerid_contact@odata.bind": `/contacts(${boss.value.id})` },
      asUser,
    );
    if (!underContact.ok) throw underContact.error;
    // A full sync: CONTACT only takes coupled records on its scheduled runs (BC's default).
    const [report] = await syncMappings(h.ctx, { names: ["CONTACT"], full: true });
    expect(total(report, "failed")).toBe(0);
    expect(await h.ctx.store.couplings.getByDataverseId("CONTACT", String(boss.value.id).toLowerCase())).toBeDefined();
    expect(
      await h.ctx.store.couplings.getByDataverseId("CONTACT", String(underContact.value.id).toLowerCase()),
    ).toBeUndefined();
  });
});
