import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PRICE_LIST_ID, USD_CURRENCY_ID } from "../../../emulators/dataverse/index.ts";
import { startWorld, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

async function json<T = Record<string, unknown>>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

describe("Dataverse semantics", () => {
  it("deep-inserts an order with its lines and cascades the delete to them", async () => {
    const customer = await json<{ accountid: string }>(
      world.call("POST", "accounts", {
        body: { name: "Deep insert customer" },
        headers: { Prefer: "return=representation" },
      }),
    );
    const created = await world.call("POST", "salesorders", {
      body: {
        name: "Order with lines",
        "customerid_account@odata.bind": `/accounts(${customer.accountid})`,
        "pricelevelid@odata.bind": `/pricelevels(${DEFAULT_PRICE_LIST_ID})`,
        order_details: [
          { productdescription: "Write-in 1", isproductoverridden: true, quantity: 2, priceperunit: 10 },
          { productdescription: "Write-in 2", isproductoverridden: true, quantity: 1, priceperunit: 5 },
        ],
      },
    });
    expect(created.status).toBe(204);
    const orderUrl = created.headers.get("odata-entityid")!;
    const orderId = /\(([^)]+)\)$/.exec(orderUrl)![1];
    const order = await json<{
      _accountid_value: string;
      _transactioncurrencyid_value: string;
      order_details: { productdescription: string }[];
      statecode: number;
      statuscode: number;
    }>(
      world.call(
        "GET",
        `salesorders(${orderId})?$select=_accountid_value,_transactioncurrencyid_value,statecode,statuscode&$expand=order_details($select=productdescription;$orderby=productdescription desc)`,
      ),
    );
    expect(order._accountid_value).toBe(customer.accountid);
    expect(order._transactioncurrencyid_value).toBe(USD_CURRENCY_ID);
    expect([order.statecode, order.statuscode]).toEqual([0, 1]);
    expect(order.order_details.map((d) => d.productdescription)).toEqual(["Write-in 2", "Write-in 1"]);

    expect((await world.call("DELETE", `salesorders(${orderId})`)).status).toBe(204);
    const lines = await json<{ value: unknown[] }>(
      world.call("GET", `salesorderdetails?$filter=_salesorderid_value eq ${orderId}`),
    );
    expect(lines.value).toEqual([]);
  });

  it("sets, reads and clears single properties and single-valued references", async () => {
    const account = await json<{ accountid: string }>(
      world.call("POST", "accounts", { body: { name: "Props" }, headers: { Prefer: "return=representation" } }),
    );
    const contact = await json<{ contactid: string }>(
      world.call("POST", "contacts", { body: { lastname: "Ref" }, headers: { Prefer: "return=representation" } }),
    );
    const base = `accounts(${account.accountid})`;
    expect((await world.call("PUT", `${base}/telephone1`, { body: { value: "555-1234" } })).status).toBe(204);
    expect((await json<{ value: string }>(world.call("GET", `${base}/telephone1`))).value).toBe("555-1234");
    expect((await world.call("DELETE", `${base}/telephone1`)).status).toBe(204);
    expect((await json<{ value: null }>(world.call("GET", `${base}/telephone1`))).value).toBeNull();

    const put = await world.call("PUT", `${base}/primarycontactid/$ref`, {
      body: { "@odata.id": `${world.dataverse.serviceRoot}contacts(${contact.contactid})` },
    });
    expect(put.status).toBe(204);
    expect(
      (await json<{ _primarycontactid_value: string }>(world.call("GET", `${base}?$select=_primarycontactid_value`)))
        ._primarycontactid_value,
    ).toBe(contact.contactid);
    expect((await world.call("DELETE", `${base}/primarycontactid/$ref`)).status).toBe(204);
    expect(
      (await json<{ _primarycontactid_value: null }>(world.call("GET", `${base}?$select=_primarycontactid_value`)))
        ._primarycontactid_value,
    ).toBeNull();
  });

  it("creates a unit group with its base unit, and refuses a duplicate ISO currency code", async () => {
    const group = await json<{ uomscheduleid: string }>(
      world.call("POST", "uomschedules", {
        body: { name: "Weight", baseuomname: "kg" },
        headers: { Prefer: "return=representation" },
      }),
    );
    const units = await json<{ value: { name: string; isschedulebaseuom: boolean; quantity: number }[] }>(
      world.call(
        "GET",
        `uoms?$select=name,isschedulebaseuom,quantity&$filter=_uomscheduleid_value eq ${group.uomscheduleid}`,
      ),
    );
    expect(units.value).toMatchObject([{ name: "kg", isschedulebaseuom: true, quantity: 1 }]);
    const dup = await world.call("POST", "transactioncurrencies", {
      body: {
        currencyname: "Dollar again",
        isocurrencycode: "usd",
        currencysymbol: "$",
        currencyprecision: 2,
        exchangerate: 1,
      },
    });
    expect(dup.status).toBe(400);
    expect((await json<{ error: { code: string } }>(dup)).error.code).toBe("0x80048cf3");
  });

  it("binds polymorphic and owner lookups and reports their logical names", async () => {
    const team = await json<{ value: { teamid: string }[] }>(world.call("GET", "teams?$select=name"));
    const contact = await json<{ contactid: string }>(
      world.call("POST", "contacts", { body: { lastname: "Customer" }, headers: { Prefer: "return=representation" } }),
    );
    const opp = await json<Record<string, string>>(
      world.call("POST", "opportunities?$select=_customerid_value,_ownerid_value,_owningteam_value", {
        body: {
          name: "Team-owned",
          "customerid_contact@odata.bind": `contacts(${contact.contactid})`,
          "ownerid@odata.bind": `/teams(${team.value[0].teamid})`,
        },
        headers: {
          Prefer: 'return=representation,odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"',
        },
      }),
    );
    expect(opp._customerid_value).toBe(contact.contactid);
    expect(opp["_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("contact");
    expect(opp["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("team");
    expect(opp._owningteam_value).toBe(team.value[0].teamid);
    const wrongType = await world.call("POST", "opportunities", {
      body: { name: "x", "customerid_account@odata.bind": `/contacts(${contact.contactid})` },
    });
    expect(wrongType.status).toBe(400);
  });
});

describe("fault injection", () => {
  it("injects 503 with Retry-After when asked to fail every request", async () => {
    const faulty = await startWorld({ faults: { faultRate: 1 }, seed: "empty" });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 12; i++) {
        const res = await faulty.call("GET", "WhoAmI").catch(() => undefined);
        if (res) {
          statuses.add(res.status);
          if (res.status === 503) expect(res.headers.get("retry-after")).toBe("1");
          await res.arrayBuffer();
        }
      }
      expect([...statuses].every((s) => s === 500 || s === 503 || s === 200)).toBe(true);
      expect(statuses.has(500) || statuses.has(503)).toBe(true);
    } finally {
      await faulty.close();
    }
  });
});
