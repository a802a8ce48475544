// Seeds and persistence: the demo company looks like a small real one, `scale:N` adds N customers and items,
// and data written through the API survives a restart on the same data directory.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { call, companyUrl, type Json, startBc } from "./helpers.ts";

describe("demo seed", () => {
  it("has every item type with inventory from ledger entries, prospects, documents in several states", async () => {
    const bc = await startBc();
    try {
      const base = companyUrl(bc);
      const items = (await call(`${base}/items?$select=number,type,inventory`)).body.value as Json[];
      expect(new Set(items.map((i) => i.type))).toEqual(new Set(["Inventory", "Non_x002D_Inventory", "Service"]));
      const ledger = bc.company(bc.companyId()).rows("itemLedgerEntry");
      for (const item of items) {
        const sum = ledger.filter((e) => e.itemNumber === item.number).reduce((s, e) => s + Number(e.quantity), 0);
        expect(item.inventory).toBe(sum);
      }
      expect(items.some((i) => i.type === "Inventory" && i.inventory > 0)).toBe(true);
      const invoices = (await call(`${base}/salesInvoices?$select=status`)).body.value as Json[];
      expect(new Set(invoices.map((i) => i.status))).toEqual(new Set(["Draft", "Open"]));
      const orders = (await call(`${companyUrl(bc, true)}/salesOrders?$select=status`)).body.value as Json[];
      expect(new Set(orders.map((o) => o.status))).toEqual(new Set(["Open", "Released"]));
      expect((await call(`${base}/salesQuotes`)).body.value.length).toBe(1);
      const canada = companyUrl(bc, false, "CRONUS Canada");
      expect((await call(`${canada}/customers`)).body.value.length).toBe(5);
    } finally {
      await bc.close();
    }
  });

  it("gives stable ids for the same random seed", async () => {
    const a = await startBc({ randomSeed: 7 });
    const b = await startBc({ randomSeed: 7 });
    try {
      expect(a.companyId()).toBe(b.companyId());
      const ca = (await call(`${companyUrl(a)}/customers?$select=id`)).body.value;
      const cb = (await call(`${companyUrl(b)}/customers?$select=id`)).body.value;
      expect(ca.map((x: Json) => x.id)).toEqual(cb.map((x: Json) => x.id));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("scale seed", () => {
  it("adds N customers and N items with inventory", async () => {
    const bc = await startBc({ seed: "scale:2000" });
    try {
      const base = companyUrl(bc);
      const customers = await call(`${base}/customers?$count=true&$top=1&$filter=startswith(number,'SC')`);
      expect(customers.body["@odata.count"]).toBe(2000);
      const item = await call(`${base}/items?$filter=number eq 'SI002000'`);
      expect(item.body.value[0].inventory).toBe(100);
      const page = await call(`${base}/items?$select=number`, { headers: { Prefer: "odata.maxpagesize=1000" } });
      expect(page.body.value.length).toBe(1000);
      expect(page.body["@odata.nextLink"]).toBeDefined();
    } finally {
      await bc.close();
    }
  });
});

describe("persistence", () => {
  it("keeps records, numbers and ledgers across a restart on the same data directory", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "bc-emu-"));
    try {
      const first = await startBc({ dataDir });
      const base = companyUrl(first);
      const created = await call(`${base}/customers`, { method: "POST", body: { displayName: "Persistent Customer" } });
      const order = await call(`${base}/salesOrders`, { method: "POST", body: { customerId: created.body.id } });
      await call(`${base}/salesOrders(${order.body.id})/salesOrderLines`, {
        method: "POST",
        body: { lineType: "Item", lineObjectNumber: "1896-S", quantity: 1 },
      });
      await call(`${base}/salesOrders(${order.body.id})/Microsoft.NAV.shipAndInvoice`, { method: "POST" });
      const balance = (await call(`${base}/customers(${created.body.id})`)).body.balanceDue;
      const page = await call(`${base}/items?$select=number`, { headers: { Prefer: "odata.maxpagesize=3" } });
      const nextLink = String(page.body["@odata.nextLink"]).replace(first.url, "");
      const companyId = first.companyId();
      await first.close();

      const second = await startBc({ dataDir, randomSeed: 99 });
      try {
        expect(second.companyId()).toBe(companyId);
        const again = await call(`${companyUrl(second)}/customers(${created.body.id})`);
        expect(again.status).toBe(200);
        expect(again.body.displayName).toBe("Persistent Customer");
        expect(again.body.balanceDue).toBe(balance);
        expect(again.body["@odata.etag"]).toBe(created.body["@odata.etag"]);
        const resumed = await call(`${second.url}${nextLink}`, { headers: { Prefer: "odata.maxpagesize=3" } });
        expect(resumed.status).toBe(200);
        expect(resumed.body.value.length).toBe(3);
        const next = await call(`${companyUrl(second)}/customers`, {
          method: "POST",
          body: { displayName: "After restart" },
        });
        expect(next.body.number).not.toBe(created.body.number);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
