// Issue 10 point 1 (seed S11 Lead ⇄ Lead, S18 full synchronization): the LEAD mapping must never rewrite a name.
// Before the fix a fault-free full sync overwrote the Sales topic with the person's name, sent the full name out as
// the lead's last name and brought it back as the BC surname ("Lee Oliver" → "Lee Lee Oliver" on every run), and
// Sales contacts synchronized to BC came back to Sales as leads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
let leadsBefore: Record<string, unknown>[];
let bcContactsBefore: Record<string, unknown>[];

beforeAll(async () => {
  h = await startIntegration();
  leadsBefore = await dvRows(h.ctx, "leads");
  bcContactsBefore = await bcContacts();
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
}, 180_000);
afterAll(async () => h?.close());

/** A BC contact as both pages show it: the v2.0 page (display name, type) and the companion page (name parts). */
async function bcContacts(): Promise<Record<string, unknown>[]> {
  const parts = new Map((await bcRows(h.ctx, "contacts", true)).map((r) => [String(r.id), r]));
  return (await bcRows(h.ctx, "contacts")).map((r) => ({ ...parts.get(String(r.id)), ...r }));
}

const byId = (rows: Record<string, unknown>[], key: string) => new Map(rows.map((r) => [String(r[key]), r]));

describe("LEAD keeps every name as it is (issue 10.1)", () => {
  it("a second full LEAD sync modifies nothing, on either side", async () => {
    const [first] = await syncMappings(h.ctx, { names: ["LEAD"], full: true });
    const [second] = await syncMappings(h.ctx, { names: ["LEAD"], full: true });
    expect(first.error).toBeUndefined();
    expect(total(first, "failed")).toBe(0);
    expect(total(second, "modified")).toBe(0);
    expect(total(second, "inserted")).toBe(0);
  });

  it("the Sales leads keep their topic, first name and last name", async () => {
    const after = byId(await dvRows(h.ctx, "leads"), "leadid");
    for (const lead of leadsBefore) {
      const now = after.get(String(lead.leadid));
      expect(now, `lead ${String(lead.subject)}`).toBeDefined();
      expect(now?.subject).toBe(lead.subject);
      expect(now?.firstname).toBe(lead.firstname);
      expect(now?.lastname).toBe(lead.lastname);
    }
  });

  it("the BC contacts keep their display name, first name and surname", async () => {
    const after = byId(await bcContacts(), "id");
    expect(bcContactsBefore.some((c) => c.displayName && c.surname)).toBe(true);
    for (const contact of bcContactsBefore) {
      const now = after.get(String(contact.id));
      expect(now?.displayName, `contact ${String(contact.number)}`).toBe(contact.displayName);
      expect(now?.firstName, `contact ${String(contact.number)}`).toBe(contact.firstName);
      expect(now?.surname, `contact ${String(contact.number)}`).toBe(contact.surname);
    }
  });

  it("a Sales lead arrives in BC as a person contact with its first name and surname", async () => {
    const lee = leadsBefore.find((l) => l.firstname === "Lee");
    const coupling = await h.ctx.store.couplings.getByDataverseId("LEAD", String(lee?.leadid).toLowerCase());
    expect(coupling).toBeDefined();
    const contact = (await bcContacts()).find((c) => String(c.id).toLowerCase() === coupling?.bcId.toLowerCase());
    expect(contact).toMatchObject({ type: "Person", firstName: "Lee", surname: "Oliver", displayName: "Lee Oliver" });
  });

  it("every Sales contact with a coupled parent account is in BC as a person of that customer's company", async () => {
    const [again] = await syncMappings(h.ctx, { names: ["CONTACT"], full: true });
    expect(total(again, "failed")).toBe(0);
    expect(total(again, "modified")).toBe(0);
    const bc = new Map((await bcContacts()).map((c) => [String(c.id).toLowerCase(), c]));
    const salesContacts = await dvRows(h.ctx, "contacts", "_parentcustomerid_value ne null");
    expect(salesContacts.length).toBeGreaterThan(0);
    for (const sales of salesContacts) {
      const coupling = await h.ctx.store.couplings.getByDataverseId("CONTACT", String(sales.contactid).toLowerCase());
      expect(coupling, `Sales contact ${String(sales.fullname)}`).toBeDefined();
      const account = await h.ctx.store.couplings.getByDataverseId(
        "CUSTOMER",
        String(sales._parentcustomerid_value).toLowerCase(),
      );
      const customer = (await bcRows(h.ctx, "customers")).find((c) => String(c.id).toLowerCase() === account?.bcId);
      const person = bc.get(String(coupling?.bcId));
      expect(person, `BC contact of ${String(sales.fullname)}`).toMatchObject({
        type: "Person",
        contactBusinessRelation: "Customer",
        customerNumber: customer?.number,
      });
      expect(person?.companyNumber).not.toBe("");
    }
  });

  it("no Sales contact comes back to Sales as a lead", async () => {
    const contacts = await dvRows(h.ctx, "contacts");
    const leads = await dvRows(h.ctx, "leads");
    const contactNames = new Set(contacts.map((c) => `${String(c.firstname)} ${String(c.lastname)}`));
    const echoed = leads.filter((l) => contactNames.has(`${String(l.firstname)} ${String(l.lastname)}`));
    expect(echoed.map((l) => l.subject)).toEqual([]);
  });
});
