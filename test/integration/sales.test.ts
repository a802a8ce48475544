// The Sales integration against the emulators' demo data over real HTTP (issue 7 "done when"): after setup and
// one synchronization (the full synchronization review's "sync all", S18), Business Central's catalogue, prices
// and posted invoices are in Sales as the seed describes (S11, S14), leads flow both ways, and an edit made by the
// integration user in Sales is not synchronized back (S15).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { DEFAULT_PRICE_LIST_NAME } from "../../src/integration/price-list.ts";
import { orderedLines, syncAll } from "../../src/integration/review.ts";
import { runCustomerStatistics, runItemAvailability } from "../../src/integration/statistics.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
  // Invoices depend on OPPORTUNITY, whose Sales → BC creations fail on the demo data; sync them as a user would.
  await syncMappings(h.ctx, { names: ["POSTEDSALESINV-INV"], full: true });
}, 120_000);
afterAll(async () => h?.close());

const productOf = async (number: unknown) =>
  (await dvRows(h.ctx, "products", `productnumber eq '${String(number)}'`))[0] as Record<string, unknown> | undefined;

describe("after setup and one sync (S11, S14)", () => {
  it("every BC item of type Inventory is a Sales Inventory product with its unit group and a price list line", async () => {
    const items = (await bcRows(h.ctx, "items")).filter((i) => i.type === "Inventory" && i.blocked !== true);
    const companion = new Map((await bcRows(h.ctx, "items", true)).map((i) => [i.id, i]));
    expect(items.length).toBeGreaterThan(0);
    const [priceList] = await dvRows(h.ctx, "pricelevels", `name eq '${DEFAULT_PRICE_LIST_NAME}'`);
    expect(priceList).toBeDefined();
    for (const item of items) {
      const product = await productOf(item.number);
      expect(product, `product for item ${item.number}`).toBeDefined();
      expect(product?.producttypecode).toBe(1);
      expect(product?.name).toBe(item.displayName);
      const [group] = await dvRows(h.ctx, "uomschedules", `uomscheduleid eq ${product?._defaultuomscheduleid_value}`);
      expect(group?.name).toBe(companion.get(item.id)?.unitGroupCode);
      const lines = await dvRows(
        h.ctx,
        "productpricelevels",
        `_productid_value eq ${product?.productid} and _pricelevelid_value eq ${priceList.pricelevelid}`,
      );
      expect(lines.length, `price list line of ${item.number}`).toBeGreaterThan(0);
      expect(product?._pricelevelid_value).toBe(priceList.pricelevelid);
    }
  });

  it("resources are Service products", async () => {
    const resources = (await bcRows(h.ctx, "resources", true)).filter((r) => r.blocked !== true);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect((await productOf(r.number))?.producttypecode).toBe(3);
  });

  it("customer price groups are price lists", async () => {
    const groups = await bcRows(h.ctx, "customerPriceGroups", true);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(await dvRows(h.ctx, "pricelevels", `name eq '${g.code}'`)).toHaveLength(1);
  });

  it("posted invoices are invoices with their lines and their salesperson's user as owner", async () => {
    const posted = await bcRows(h.ctx, "postedSalesInvoices", true);
    expect(posted.length).toBeGreaterThan(0);
    const salespeople = new Map((await bcRows(h.ctx, "salespeoplePurchasers")).map((s) => [s.code, String(s.id)]));
    for (const inv of posted) {
      const [invoice] = await dvRows(h.ctx, "invoices", `invoicenumber eq '${inv.number}'`);
      expect(invoice, `invoice ${inv.number}`).toBeDefined();
      const bcLines = (await bcRows(h.ctx, "salesInvoiceLines")).filter(
        (l) => l.documentId === inv.id && ["Item", "Resource"].includes(String(l.lineType)),
      );
      const details = await dvRows(h.ctx, "invoicedetails", `_invoiceid_value eq ${invoice.invoiceid}`);
      expect(details.length).toBe(bcLines.length);
      const coupled = await h.ctx.store.couplings.getByBcId("SALESPEOPLE", salespeople.get(inv.salespersonCode) ?? "");
      expect(invoice._ownerid_value).toBe(coupled?.dataverseId);
    }
  });

  it("a second run finds the invoice lines unchanged and writes nothing", async () => {
    const results = await syncMappings(h.ctx, { names: ["POSTEDSALESINV-INV"] });
    const lines = results.find((r) => r.mapping === "POSTEDSALESLINE-INV")!;
    expect(total(lines, "modified") + total(lines, "inserted")).toBe(0);
    expect(total(lines, "unchanged")).toBeGreaterThan(0);
  });
});

describe("engine gaps closed for the integration (issue 6 → 7)", () => {
  it("customers in the local currency get the Sales base currency (LCY coupled by ISO code)", async () => {
    const [org] = await dvRows(h.ctx, "organizations", undefined, ["_basecurrencyid_value"]);
    const lcy = (await bcRows(h.ctx, "customers")).filter((c) => !c.currencyId || /^0{8}-/.test(String(c.currencyId)));
    expect(lcy.length).toBeGreaterThan(0);
    for (const c of lcy) {
      const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(c.id).toLowerCase());
      expect(coupling, `customer ${c.number} coupled`).toBeDefined();
      const [account] = await dvRows(h.ctx, "accounts", `accountid eq ${coupling?.dataverseId}`);
      expect(account._transactioncurrencyid_value).toBe(org._basecurrencyid_value);
    }
  });

  it("the review's sync all runs the option-set mappings before customers; a code without an option gets one", async () => {
    // Option-set lines are in the review, in dependency order before CUSTOMER and VENDOR, and finished.
    const lines = await orderedLines(h.ctx);
    const at = (name: string) => lines.findIndex((l) => l.mappingName === name);
    for (const name of ["PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT"]) {
      expect(at(name), name).toBeGreaterThanOrEqual(0);
      expect(at(name), name).toBeLessThan(at("CUSTOMER"));
      expect(at(name), name).toBeLessThan(at("VENDOR"));
      expect(lines[at(name)].queueStatus, name).toBe("Finished");
    }
    expect(lines[at("CUSTOMER")].queueStatus).toBe("Finished");

    const agents = await bcRows(h.ctx, "shippingAgents", true);
    const ups = agents.find((a) => a.code === "UPS");
    const coupled = await h.ctx.store.couplings.getByBcId("SHIPPING AGENT", String(ups?.id).toLowerCase());
    expect(coupled?.dataverseId).toBe("account.address1_shippingmethodcode=4");
    // A code with no option of that label (OWN LOG.) was inserted into the option set, as BC does, and coupled.
    const own = agents.find((a) => a.code === "OWN LOG.");
    const ownCoupling = await h.ctx.store.couplings.getByBcId("SHIPPING AGENT", String(own?.id).toLowerCase());
    const ownValue = Number(ownCoupling?.dataverseId.split("=")[1]);
    const options = await h.ctx.engine.ports.optionSet("account", "address1_shippingmethodcode");
    if (!options.ok) throw new Error(options.error.message);
    expect(options.value?.find((o) => o.value === ownValue)?.label).toBe("OWN LOG.");
    // The Sales documents' own shipping method columns got the same option (invoices and orders carry it).
    for (const table of ["quote", "salesorder", "invoice"]) {
      const copy = await h.ctx.engine.ports.optionSet(table, "shippingmethodcode");
      if (!copy.ok) throw new Error(copy.error.message);
      expect(copy.value?.find((o) => o.value === ownValue)?.label, table).toBe("OWN LOG.");
    }
    expect(await h.ctx.store.jobs.errors({ mappingName: "SHIPPING AGENT" })).toEqual([]);
    // A second run finds every code coupled.
    const [agentsRun] = await syncMappings(h.ctx, { names: ["SHIPPING AGENT"] });
    expect(agentsRun.passes[0].counters).toMatchObject({ inserted: 0, failed: 0, unchanged: agents.length });

    // Customers were synchronized after the option sets: their shipping agents are already set.
    const companion = await bcRows(h.ctx, "customers", true);
    const withUps = companion.find((c) => c.shippingAgentCode === "UPS");
    const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(withUps?.id).toLowerCase());
    const [account] = await dvRows(h.ctx, "accounts", `accountid eq ${coupling?.dataverseId}`);
    expect(account.address1_shippingmethodcode).toBe(4);

    // A companion-only field (fax number) edited in BC reaches Sales through the customer's second page.
    const { COMPANION_API } = await import("../../src/connectors/index.ts");
    const edited = await h.ctx.businessCentral
      .company(h.ctx.companyId, COMPANION_API)
      .update("customers", String(withUps?.id), { faxNumber: "555-0177" }, "*");
    expect(edited.ok).toBe(true);
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const [after] = await dvRows(h.ctx, "accounts", `accountid eq ${coupling?.dataverseId}`);
    expect(after.fax).toBe("555-0177");
  });

  it("posted invoices carry the v2.0-only ship-to address (read from the second page)", async () => {
    const v2 = new Map((await bcRows(h.ctx, "salesInvoices")).map((i) => [String(i.id).toLowerCase(), i]));
    for (const inv of await bcRows(h.ctx, "postedSalesInvoices", true)) {
      const [invoice] = await dvRows(h.ctx, "invoices", `invoicenumber eq '${inv.number}'`);
      const source = v2.get(String(inv.id).toLowerCase());
      expect(invoice.shipto_city ?? "").toBe(source?.shipToCity ?? "");
      expect(invoice.shipto_name ?? "").toBe(source?.shipToName ?? "");
    }
  });
});

describe("document lines are read for many headers at once", () => {
  it("a lines run with nothing changed reads Business Central once per 50 coupled invoices, Dataverse once", async () => {
    let headers = 0;
    for await (const _ of h.ctx.store.couplings.iterate("POSTEDSALESINV-INV")) headers++;
    expect(headers).toBeGreaterThan(1);
    const before = h.emulators.businessCentral.tally.requests;
    const dataverseBefore = h.emulators.dataverse.tally.requests;
    const [run] = await syncMappings(h.ctx, { names: ["POSTEDSALESLINE-INV"] });
    expect(run.error).toBeUndefined();
    expect(total(run, "inserted") + total(run, "modified") + total(run, "failed")).toBe(0);
    expect(total(run, "unchanged")).toBeGreaterThan(headers);
    expect(h.emulators.businessCentral.tally.requests - before).toBe(Math.ceil(headers / 50));
    // The base units of the lines' products in one Dataverse read (it was one read a product, one after another).
    expect(h.emulators.dataverse.tally.requests - dataverseBefore).toBe(1);
  });

  it("writes changed lines, and creates a changed line deleted in Sales again under its coupled id", async () => {
    const couplings = (await couplingsOf("POSTEDSALESLINE-INV")).slice(0, 4);
    expect(couplings).toHaveLength(4);
    // Four lines whose last written values differ from BC's (as after a change in BC); one of them deleted in Sales.
    const job = await h.ctx.store.jobs.start({ mappingName: "POSTEDSALESLINE-INV", direction: "toDataverse" });
    for (const c of couplings) {
      await h.ctx.store.couplings.recordSuccess("POSTEDSALESLINE-INV", c.bcId, {
        direction: "toDataverse",
        jobId: job.id,
        snapshot: {},
        snapshotHash: "written before a change in Business Central",
      });
    }
    const deleted = await h.ctx.dataverse.delete("invoicedetails", couplings[0].dataverseId);
    if (!deleted.ok) throw deleted.error;

    const [run] = await syncMappings(h.ctx, { names: ["POSTEDSALESLINE-INV"] });
    expect(run.error).toBeUndefined();
    expect(total(run, "failed")).toBe(0);
    expect(total(run, "modified")).toBe(3);
    expect(total(run, "inserted")).toBe(1);
    const [again] = await dvRows(h.ctx, "invoicedetails", `invoicedetailid eq ${couplings[0].dataverseId}`);
    expect(again).toBeDefined();
    const [idle] = await syncMappings(h.ctx, { names: ["POSTEDSALESLINE-INV"] });
    expect(total(idle, "inserted") + total(idle, "modified") + total(idle, "failed")).toBe(0);
  });
});

describe("sales prices (S14)", () => {
  it("sales prices of type Customer Price Group with a code are lines of that group's price list", async () => {
    const prices = (await bcRows(h.ctx, "salesPrices", true)).filter(
      (p) => p.salesCode && p.salesType === "Customer_x0020_Price_x0020_Group",
    );
    expect(prices.length).toBeGreaterThan(0);
    for (const p of prices) {
      const [list] = await dvRows(h.ctx, "pricelevels", `name eq '${p.salesCode}'`);
      const product = await productOf(p.itemNumber);
      const lines = await dvRows(
        h.ctx,
        "productpricelevels",
        `_pricelevelid_value eq ${list.pricelevelid} and _productid_value eq ${product?.productid}`,
      );
      expect(lines.map((l) => Number(l.amount))).toContain(Number(p.unitPrice));
    }
  });

  it("a line a stopped run coupled but never created is created under its coupled id, once", async () => {
    // A new line's coupling is recorded before the line is created (sales-prices.ts writeLines). Stand for a run
    // stopped between the two: the line is gone, its coupling holds a new id and no snapshot.
    const [coupling] = await couplingsOf("SALESPRC-PRODPRICE");
    const [line] = await dvRows(h.ctx, "productpricelevels", `productpricelevelid eq ${coupling.dataverseId}`);
    const deleted = await h.ctx.dataverse.delete("productpricelevels", coupling.dataverseId);
    if (!deleted.ok) throw deleted.error;
    await h.ctx.store.couplings.uncoupleByBcId("SALESPRC-PRODPRICE", coupling.bcId);
    const intended = "0f0e0d0c-0b0a-4909-8807-060504030201";
    await h.ctx.store.couplings.coupleMany([
      { mappingName: "SALESPRC-PRODPRICE", bcId: coupling.bcId, dataverseId: intended, snapshotHash: null },
    ]);

    const [run] = await syncMappings(h.ctx, { names: ["SALESPRC-PRODPRICE"] });
    expect(run.error).toBeUndefined();
    expect(total(run, "inserted")).toBe(1);
    expect(total(run, "failed")).toBe(0);
    const again = await dvRows(
      h.ctx,
      "productpricelevels",
      `_pricelevelid_value eq ${line._pricelevelid_value} and _productid_value eq ${line._productid_value} and _uomid_value eq ${line._uomid_value}`,
    );
    expect(again.map((l) => l.productpricelevelid)).toEqual([intended]);
    expect(Number(again[0].amount)).toBe(Number(line.amount));
    // The next run finds it in sync and writes nothing.
    const [idle] = await syncMappings(h.ctx, { names: ["SALESPRC-PRODPRICE"] });
    expect(total(idle, "inserted") + total(idle, "modified") + total(idle, "failed")).toBe(0);
  });
});

async function couplingsOf(mapping: string) {
  const out: { bcId: string; dataverseId: string }[] = [];
  for await (const c of h.ctx.store.couplings.iterate(mapping)) out.push(c);
  return out;
}

describe("leads flow both ways (S11: Lead ⇄ Lead)", () => {
  it("a BC prospect person becomes an open Sales lead", async () => {
    const prospects = (await bcRows(h.ctx, "contacts")).filter(
      (c) => c.contactBusinessRelation === "None" && c.type === "Person",
    );
    expect(prospects.length).toBeGreaterThan(0);
    const c = await h.ctx.store.couplings.getByBcId("LEAD", String(prospects[0].id));
    expect(c).toBeDefined();
    const [lead] = await dvRows(h.ctx, "leads", `leadid eq ${c?.dataverseId}`);
    expect(lead.subject).toBe(prospects[0].displayName);
  });

  it("a lead a Sales user creates becomes a BC prospect contact", async () => {
    const created = await h.ctx.dataverse.create(
      "leads",
      {
        subject: "Adatum Rentals",
        lastname: "Adatum Rentals",
        companyname: "Adatum",
        emailaddress1: "buy@adatum.example",
      },
      { impersonate: { callerId: DEMO_SALES_USER_ID } },
    );
    if (!created.ok) throw created.error;
    const [result] = await syncMappings(h.ctx, { names: ["LEAD"], full: true });
    expect(total(result, "inserted")).toBeGreaterThanOrEqual(1);
    const coupling = await h.ctx.store.couplings.getByDataverseId("LEAD", String(created.value.id).toLowerCase());
    expect(coupling).toBeDefined();
    const contact = (await bcRows(h.ctx, "contacts")).find((c) => String(c.id).toLowerCase() === coupling?.bcId);
    expect(contact?.displayName).toBe("Adatum Rentals");
    expect(contact?.email).toBe("buy@adatum.example");
  });

  it("an edit by the integration user in Sales is not synced back; a Sales user's edit is (S15)", async () => {
    const prospects = (await bcRows(h.ctx, "contacts")).filter(
      (c) => c.contactBusinessRelation === "None" && c.type === "Person",
    );
    const target = prospects[0];
    const c = (await h.ctx.store.couplings.getByBcId("LEAD", String(target.id)))!;
    const byIntegration = await h.ctx.dataverse.update("leads", c.dataverseId, {
      jobtitle: "Set by the integration user",
    });
    if (!byIntegration.ok) throw byIntegration.error;
    await syncMappings(h.ctx, { names: ["LEAD"] });
    let contact = (await bcRows(h.ctx, "contacts")).find((x) => x.id === target.id);
    expect(contact?.jobTitle).not.toBe("Set by the integration user");

    const byUser = await h.ctx.dataverse.update(
      "leads",
      c.dataverseId,
      { jobtitle: "Buyer" },
      { impersonate: { callerId: DEMO_SALES_USER_ID } },
    );
    if (!byUser.ok) throw byUser.error;
    // A full run: Dataverse stamps modifiedon in whole seconds, and the engine's scheduled run takes an edit in the
    // same second as its last write for "not modified" (reported to the engine; the row version differs).
    await syncMappings(h.ctx, { names: ["LEAD"], full: true });
    contact = (await bcRows(h.ctx, "contacts")).find((x) => x.id === target.id);
    expect(contact?.jobTitle).toBe("Buyer");
  });
});

describe("customer statistics and item availability jobs (S17, S19)", () => {
  it("puts each coupled customer's statistics on its Sales account", async () => {
    const requests = h.emulators.dataverse.tally.requests;
    const first = await runCustomerStatistics(h.ctx);
    expect(first.failed).toBe(0);
    // Set-based: the accounts read by id (100 a request), the statistics rows in a page, then CreateMultiples and
    // $batches of links of at least 10 rows each, spread over the slots (customer by customer it was three requests
    // each: a read, a create and a link).
    expect(first.inserted).toBeGreaterThan(4);
    const bulk = Math.ceil(first.inserted / 10);
    expect(h.emulators.dataverse.tally.requests - requests).toBeLessThanOrEqual(2 + 2 * bulk);
    const stats = await bcRows(h.ctx, "customerStatistics", true);
    let checked = 0;
    for await (const c of h.ctx.store.couplings.iterate("CUSTOMER")) {
      const [account] = await dvRows(h.ctx, "accounts", `accountid eq ${c.dataverseId}`, [
        "_nav_accountstatisticsid_value",
      ]);
      const [row] = await dvRows(
        h.ctx,
        "nav_accountstatisticses",
        `nav_accountstatisticsid eq ${account._nav_accountstatisticsid_value}`,
      );
      const bc = stats.find((s) => String(s.customerId).toLowerCase() === c.bcId);
      expect(row.nav_customerno).toBe(bc?.customerNumber);
      expect(Number(row.nav_balancelcy)).toBe(Number(bc?.balance));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    // A second run finds nothing changed: the job goes idle (and on hold for its inactivity timeout).
    const second = await runCustomerStatistics(h.ctx);
    expect(second.inserted + second.modified).toBe(0);
  });

  it("writes the available quantity of coupled items to their products", async () => {
    const requests = h.emulators.dataverse.tally.requests;
    const r = await runItemAvailability(h.ctx);
    expect(r.failed).toBe(0);
    // The products read by id (100 a request), the changed ones written in UpdateMultiples of at least 10.
    expect(r.modified).toBeGreaterThan(2);
    expect(h.emulators.dataverse.tally.requests - requests).toBeLessThanOrEqual(1 + Math.ceil(r.modified / 10));
    const availability = await bcRows(h.ctx, "itemAvailability", true);
    for await (const c of h.ctx.store.couplings.iterate("ITEM-PRODUCT")) {
      const a = availability.find((x) => String(x.itemId).toLowerCase() === c.bcId);
      const [p] = await dvRows(h.ctx, "products", `productid eq ${c.dataverseId}`, ["quantityonhand"]);
      expect(Number(p.quantityonhand)).toBe(Math.max(0, Number(a?.availableQuantity ?? 0)));
    }
  });
});

describe("price list rules after product syncs (S14)", () => {
  it("are left out of a product sync that wrote no product, and follow a price changed in Business Central", async () => {
    // The first scheduled run reads back the rules' own product writes (their echo); the next has nothing to do.
    await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    const products = (await dvRows(h.ctx, "products")).length;
    const before = h.emulators.dataverse.tally.rowsRead;
    const [idle] = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    expect(idle.error).toBeUndefined();
    // The rules read every product, unit and price list line: fewer rows than the products were read.
    expect(h.emulators.dataverse.tally.rowsRead - before).toBeLessThan(products);

    const item = (await bcRows(h.ctx, "items")).find((i) => i.type === "Inventory" && i.blocked !== true);
    const price = Number(item?.unitPrice ?? 0) + 7;
    const updated = await h.ctx.businessCentral
      .company(h.ctx.companyId)
      .update("items", String(item?.id), { unitPrice: price }, "*");
    expect(updated.ok).toBe(true);
    const [changed] = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    expect(changed.error).toBeUndefined();
    const product = await productOf(item?.number);
    const lines = await dvRows(h.ctx, "productpricelevels", `_productid_value eq ${product?.productid}`);
    expect(lines.map((l) => Number(l.amount))).toContain(price);
  });

  it("owed after they failed: the next product sync applies them, even one that writes nothing", async () => {
    const item = (await bcRows(h.ctx, "items")).find((i) => i.type === "Inventory" && i.blocked !== true);
    const price = Number(item?.unitPrice ?? 0) + 3;
    await h.ctx.businessCentral.company(h.ctx.companyId).update("items", String(item?.id), { unitPrice: price }, "*");
    // Sales refuses the rules' read of price list lines for one run (an outage).
    const pages = h.ctx.dataverse.pages.bind(h.ctx.dataverse);
    h.ctx.dataverse.pages = ((set: string, options: never) =>
      set === "productpricelevels"
        ? (async function* () {
            yield { ok: false as const, error: new Error("Sales is unavailable") };
          })()
        : pages(set, options)) as typeof h.ctx.dataverse.pages;
    const [failed] = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] }).finally(() => {
      h.ctx.dataverse.pages = pages;
    });
    expect(failed.error).toContain("price list rules");
    // The product was written; its line waits for the rules. The next run writes no product, and still applies them.
    const [next] = await syncMappings(h.ctx, { names: ["ITEM-PRODUCT"] });
    expect(next.error).toBeUndefined();
    expect(next.passes.find((p) => p.direction === "toDataverse")?.counters.modified).toBe(0);
    const product = await productOf(item?.number);
    const lines = await dvRows(h.ctx, "productpricelevels", `_productid_value eq ${product?.productid}`);
    expect(lines.map((l) => Number(l.amount))).toContain(price);
  });
});
