import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  // scale:12000 adds 12,000 accounts and 12,000 contacts to the demo org.
  world = await startWorld({ seed: "scale:12000" });
});
afterAll(async () => {
  await world.close();
});

interface Page {
  value: { accountid: string; name: string }[];
  "@odata.nextLink"?: string;
  "@odata.count"?: number;
}

describe("paging", () => {
  it("pages 12,000+ accounts with odata.maxpagesize and an opaque $skiptoken", async () => {
    const seen = new Set<string>();
    const names: string[] = [];
    let url: string | undefined = `${world.dataverse.serviceRoot}accounts?$select=name&$orderby=name desc&$count=true`;
    let pages = 0;
    let firstCount: number | undefined;
    while (url) {
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${world.token()}`, Prefer: "odata.maxpagesize=5000" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("preference-applied")).toBe("odata.maxpagesize=5000");
      const page = (await res.json()) as Page;
      firstCount ??= page["@odata.count"];
      for (const row of page.value) {
        expect(seen.has(row.accountid)).toBe(false);
        seen.add(row.accountid);
        names.push(row.name);
      }
      expect(page.value.length).toBeLessThanOrEqual(5000);
      url = page["@odata.nextLink"];
      if (url) expect(url).toContain("$skiptoken=");
      pages++;
    }
    const total = world.dataverse.store.table("account").size;
    expect(total).toBeGreaterThanOrEqual(12_000);
    expect(seen.size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 5000));
    expect(firstCount).toBe(5000);
    const sorted = [...names].sort((a, b) =>
      a.toLowerCase() < b.toLowerCase() ? 1 : a.toLowerCase() > b.toLowerCase() ? -1 : 0,
    );
    expect(names).toEqual(sorted);
  });

  it("follows nextLinks through dynamics-web-api retrieveAll", async () => {
    const all = await world.client().retrieveAll({ collection: "contacts", select: ["fullname"], maxPageSize: 2500 });
    expect(all.value.length).toBe(world.dataverse.store.table("contact").size);
  });

  it("refuses a tampered $skiptoken", async () => {
    const res = await fetch(`${world.dataverse.serviceRoot}accounts?$select=name&$skiptoken=abc.def`, {
      headers: { Authorization: `Bearer ${world.token()}` },
    });
    expect(res.status).toBe(400);
  });

  it("caps $count and /$count at 5000", async () => {
    const res = await world.call("GET", "accounts/$count");
    expect(await res.text()).toBe("5000");
  });
});

describe("bulk messages", () => {
  it("CreateMultiple creates 1,000 rows and returns their Ids", async () => {
    const Targets = Array.from({ length: 1000 }, (_, i) => ({
      "@odata.type": "Microsoft.Dynamics.CRM.account",
      name: `Bulk ${i}`,
      accountnumber: `BULK-${i}`,
    }));
    const before = world.dataverse.store.table("account").size;
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple", { body: { Targets } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { "@odata.context": string; Ids: string[] };
    expect(body["@odata.context"]).toMatch(/\$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse$/);
    expect(new Set(body.Ids).size).toBe(1000);
    expect(world.dataverse.store.table("account").size).toBe(before + 1000);

    const update = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.UpdateMultiple", {
      body: {
        Targets: body.Ids.slice(0, 10).map((accountid) => ({
          "@odata.type": "Microsoft.Dynamics.CRM.account",
          accountid,
          telephone1: "1",
        })),
      },
    });
    expect(update.status).toBe(204);
    const check = (await (await world.call("GET", `accounts(${body.Ids[3]})?$select=telephone1`)).json()) as {
      telephone1: string;
    };
    expect(check.telephone1).toBe("1");
  });

  it("is all-or-nothing: one bad target rolls back the whole request", async () => {
    const before = world.dataverse.store.table("account").size;
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple", {
      body: {
        Targets: [
          { "@odata.type": "Microsoft.Dynamics.CRM.account", name: "ok 1" },
          { "@odata.type": "Microsoft.Dynamics.CRM.account", name: "x".repeat(500) },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(world.dataverse.store.table("account").size).toBe(before);
    const noType = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple", {
      body: { Targets: [{ name: "no type" }] },
    });
    expect(noType.status).toBe(400);
  });

  it("UpsertMultiple creates or updates by alternate key", async () => {
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.UpsertMultiple", {
      body: {
        Targets: [
          { "@odata.type": "Microsoft.Dynamics.CRM.account", accountnumber: "BULK-1", name: "Renamed" },
          { "@odata.type": "Microsoft.Dynamics.CRM.account", accountnumber: "UPS-NEW", name: "New" },
        ],
      },
    });
    // UpsertMultiple answers 204 No Content (the UpsertMultiple action reference).
    expect(res.status).toBe(204);
    const created = await world.call("GET", "accounts(accountnumber='UPS-NEW')?$select=name");
    expect(((await created.json()) as { name: string }).name).toBe("New");
    const renamed = (await (await world.call("GET", "accounts(accountnumber='BULK-1')?$select=name")).json()) as {
      name: string;
    };
    expect(renamed.name).toBe("Renamed");
  });
});
