// The local currency from a companion page to Sales (bc-reference §2.3 rule 4: a blank BC currency code means the
// LCY → the transactioncurrency of the LCY code). A contact's currency code is read from BC's companion contacts
// page, which returns it as stored: blank for the LCY. Before, the blank went to Sales as a null currency: a contact
// created in Sales took the organization's base currency (USD), not CRONUS Canada's LCY (CAD), and a contact whose
// BC currency went back to the LCY had its Sales currency cleared. CRONUS Canada, where the LCY is not Sales' base
// currency, tells the two apart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPANION_API, type Row } from "../../src/connectors/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { type MappingSyncResult, syncMappings, total } from "../../src/integration/sync.ts";
import { dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration({}, { company: "CRONUS Canada" });
  await coupleDemoSalespeople(h.ctx);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const companion = () => h.ctx.businessCentral.company(h.ctx.companyId, COMPANION_API);

async function companionContacts(): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of companion().pages("contacts", {})) {
    if (!page.ok) throw page.error;
    rows.push(...page.value.rows);
  }
  return rows;
}

async function salesCurrencyId(iso: string): Promise<string> {
  const [row] = await dvRows(h.ctx, "transactioncurrencies", `isocurrencycode eq '${iso}'`, ["transactioncurrencyid"]);
  expect(row, iso).toBeDefined();
  return String(row.transactioncurrencyid).toLowerCase();
}

/** The Sales currency of the Sales contact coupled to a BC contact. */
async function salesCurrencyOf(bcContactId: string): Promise<string | null> {
  const coupling = await h.ctx.store.couplings.getByBcId("CONTACT", bcContactId.toLowerCase());
  expect(coupling, `coupling of BC contact ${bcContactId}`).toBeDefined();
  const read = await h.ctx.dataverse.retrieve("contacts", String(coupling?.dataverseId), {
    select: ["_transactioncurrencyid_value"],
  });
  if (!read.ok) throw read.error;
  const value = read.value?._transactioncurrencyid_value;
  return typeof value === "string" ? value.toLowerCase() : null;
}

const wroteAnything = (results: readonly MappingSyncResult[]) =>
  results.filter((r) => total(r, "inserted") + total(r, "modified") + total(r, "coupled") > 0).map((r) => r.mapping);

describe("a blank companion-page currency code to Sales (CRONUS Canada: LCY CAD, Sales base USD)", () => {
  it("a BC contact with a blank currency code gets the LCY's Sales currency, and a second full sync writes nothing", async () => {
    const blankBefore = (await companionContacts()).filter((c) => c.type === "Person" && c.currencyCode === "");
    const first = await syncMappings(h.ctx, { full: true });
    expect(first.filter((r) => r.error).map((r) => `${r.mapping}: ${r.error}`)).toEqual([]);
    const cad = await salesCurrencyId("CAD");

    // The contacts just created in Sales come back unchanged (before: Sales' USD was written into BC's blank).
    const [contact] = first.filter((r) => r.mapping === "CONTACT");
    expect(contact.passes[0].direction).toBe("toDataverse");
    expect(contact.passes[0].counters.inserted).toBeGreaterThan(0);
    expect(contact.passes[1].direction).toBe("fromDataverse");
    expect(contact.passes[1].counters.modified).toBe(0);

    const after = new Map((await companionContacts()).map((c) => [String(c.id), c]));
    const synced: Row[] = [];
    for (const c of blankBefore) {
      if (await h.ctx.store.couplings.getByBcId("CONTACT", String(c.id).toLowerCase())) synced.push(c);
    }
    expect(synced.length).toBeGreaterThan(0);
    for (const c of synced) {
      expect(after.get(String(c.id))?.currencyCode, `BC contact ${c.number}`).toBe("");
      expect(await salesCurrencyOf(String(c.id)), `Sales contact of ${c.number}`).toBe(cad);
    }

    const second = await syncMappings(h.ctx, { full: true });
    expect(second.filter((r) => r.error).map((r) => `${r.mapping}: ${r.error}`)).toEqual([]);
    const [again] = second.filter((r) => r.mapping === "CONTACT");
    for (const pass of again.passes) expect(pass.counters.modified, pass.direction).toBe(0);
    expect(wroteAnything(second)).toEqual([]);
  }, 300_000);

  it("a BC contact whose currency goes back to the LCY (blank) gets the LCY's Sales currency, not none", async () => {
    let contact: Row | undefined;
    for (const c of await companionContacts()) {
      if (contact) break;
      if (await h.ctx.store.couplings.getByBcId("CONTACT", String(c.id).toLowerCase())) contact = c;
    }
    expect(contact).toBeDefined();
    const id = String(contact?.id);
    const eur = await salesCurrencyId("EUR");
    const cad = await salesCurrencyId("CAD");

    const toEur = await companion().update("contacts", id, { currencyCode: "EUR" }, "*");
    expect(toEur.ok).toBe(true);
    await syncMappings(h.ctx, { names: ["CONTACT"] });
    expect(await salesCurrencyOf(id)).toBe(eur);

    const toLocal = await companion().update("contacts", id, { currencyCode: "" }, "*");
    expect(toLocal.ok).toBe(true);
    const [back] = await syncMappings(h.ctx, { names: ["CONTACT"] });
    expect(back.error).toBeUndefined();
    expect(await salesCurrencyOf(id)).toBe(cad);
    // The blank stays blank in BC (the reverse maps CAD back to blank), and nothing moves on the next full sync.
    expect((await companionContacts()).find((c) => String(c.id) === id)?.currencyCode).toBe("");
    const [again] = await syncMappings(h.ctx, { names: ["CONTACT"], full: true });
    for (const pass of again.passes) expect(pass.counters.modified, pass.direction).toBe(0);
  }, 120_000);
});
