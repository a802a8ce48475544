// The local currency on a companion page (bc-reference §2.3 rule 4, docs/companion-api.md): Business Central
// stores the LCY as a blank currency code. v2.0 pages show and take the LCY code; the companion pages hold the
// field as stored. Before, the demo's first full CONTACT sync wrote the LCY code (`USD`) into the companion
// currencyCode of the 5 contacts it had just created in Sales (5 "modified" that changed nothing a user sees, and a
// currency code no Currencies row has), and into every contact it created from Sales.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANION_API, type Row } from "../../src/connectors/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

async function companionContacts(): Promise<Map<string, Row>> {
  const rows: Row[] = [];
  for await (const page of h.ctx.businessCentral.company(h.ctx.companyId, COMPANION_API).pages("contacts", {})) {
    if (!page.ok) throw page.error;
    rows.push(...page.value.rows);
  }
  return new Map(rows.map((r) => [String(r.id).toLowerCase(), r]));
}

describe("the local currency on a companion page", () => {
  it("a first full CONTACT sync leaves the LCY blank in BC and rewrites none of the contacts it created", async () => {
    const before = await syncMappings(h.ctx, {
      full: true,
      names: ["SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT", "CUSTOMER", "VENDOR"],
    });
    expect(before.every((r) => !r.error)).toBe(true);
    const existing = await companionContacts();

    const [contact] = await syncMappings(h.ctx, { full: true, names: ["CONTACT"] });
    expect(contact.error).toBeUndefined();
    const [toDataverse, fromDataverse] = contact.passes;
    expect(toDataverse.counters.inserted).toBeGreaterThan(0);
    expect(fromDataverse.counters.inserted).toBeGreaterThan(0);
    // The contacts just created in Sales come back unchanged: nothing of theirs differs from BC.
    expect(fromDataverse.counters.modified).toBe(0);
    expect(fromDataverse.counters.failed).toBe(0);

    const after = await companionContacts();
    const created = [...after.keys()].filter((id) => !existing.has(id));
    expect(created.length).toBe(fromDataverse.counters.inserted);
    // Contacts created from Sales in the LCY, and the ones that were there: currency code blank, as BC keeps it.
    for (const id of after.keys()) {
      const was = existing.get(id)?.currencyCode ?? "";
      expect(after.get(id)?.currencyCode, `contact ${after.get(id)?.number}`).toBe(created.includes(id) ? "" : was);
    }
  });
});
