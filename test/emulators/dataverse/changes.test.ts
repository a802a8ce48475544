import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

let world: World;
let now = Date.parse("2026-01-10T09:00:00Z");
beforeAll(async () => {
  world = await startWorld({ clock: { now: () => now } });
});
afterAll(async () => {
  await world.close();
});

interface Delta {
  "@odata.context": string;
  "@odata.deltaLink": string;
  value: Record<string, unknown>[];
}

async function getDelta(url: string): Promise<{ status: number; body: Delta }> {
  const res = await fetch(url, {
    headers: { Authorization: `Bearer ${world.token()}`, Prefer: "odata.track-changes" },
  });
  return { status: res.status, body: (await res.json()) as Delta };
}

describe("change tracking", () => {
  it("returns a deltaLink, then creates, updates and deletions since it", async () => {
    const initial = await world.call("GET", "accounts?$select=name,accountnumber", {
      headers: { Prefer: "odata.track-changes" },
    });
    expect(initial.headers.get("preference-applied")).toBe("odata.track-changes");
    const first = (await initial.json()) as Delta;
    expect(first.value.length).toBe(world.dataverse.store.table("account").size);
    expect(first["@odata.deltaLink"]).toMatch(
      /accounts\?\$select=name,accountnumber&\$deltatoken=\d+%2101%2F10%2F2026%2009%3A00%3A00$/,
    );

    const created = (await (
      await world.call("POST", "accounts", {
        body: { name: "New since" },
        headers: { Prefer: "return=representation" },
      })
    ).json()) as { accountid: string };
    const existing = first.value[0].accountid as string;
    const toDelete = first.value[1].accountid as string;
    await world.call("PATCH", `accounts(${existing})`, {
      body: { name: "Changed since" },
      headers: { "If-Match": "*" },
    });
    await world.call("DELETE", `accounts(${toDelete})`);
    const gone = (await (
      await world.call("POST", "accounts", {
        body: { name: "Created then deleted" },
        headers: { Prefer: "return=representation" },
      })
    ).json()) as { accountid: string };
    await world.call("DELETE", `accounts(${gone.accountid})`);

    const { status, body } = await getDelta(first["@odata.deltaLink"]);
    expect(status).toBe(200);
    expect(body["@odata.context"]).toMatch(/\$metadata#accounts\(name,accountnumber\)\/\$delta$/);
    const changed = body.value.filter((v) => !("reason" in v)).map((v) => v.name);
    expect(changed).toEqual(["New since", "Changed since"]);
    expect(body.value[0].accountid).toBe(created.accountid);
    const deleted = body.value.filter((v) => v.reason === "deleted");
    expect(deleted.map((d) => d.id).sort()).toEqual([toDelete, gone.accountid].sort());
    expect(deleted[0]["@odata.context"]).toMatch(/\$metadata#accounts\/\$deletedEntity$/);

    const quiet = await getDelta(body["@odata.deltaLink"]);
    expect(quiet.body.value).toEqual([]);
  });

  it("works through dynamics-web-api's trackChanges", async () => {
    const api = world.client();
    const initial = await api.retrieveMultiple({ collection: "contacts", select: ["fullname"], trackChanges: true });
    expect(initial.oDataDeltaLink).toBeTruthy();
    await api.create({ collection: "contacts", data: { firstname: "Delta", lastname: "Dawn" } });
    const delta = await api.retrieveMultiple({ collection: "contacts", select: ["fullname"] }, initial.oDataDeltaLink);
    expect(delta.value.map((v) => v.fullname)).toEqual(["Delta Dawn"]);
  });

  it("pages a large delta with odata.maxpagesize and ends with a deltaLink", async () => {
    const first = (await (
      await world.call("GET", "products?$select=name", { headers: { Prefer: "odata.track-changes" } })
    ).json()) as Delta;
    const Targets = Array.from({ length: 25 }, (_, i) => ({
      "@odata.type": "Microsoft.Dynamics.CRM.product",
      name: `Delta product ${i}`,
    }));
    await world.call("POST", "products/Microsoft.Dynamics.CRM.CreateMultiple", { body: { Targets } });
    const seen: string[] = [];
    let url: string | undefined = first["@odata.deltaLink"];
    let deltaLink: string | undefined;
    let pages = 0;
    while (url) {
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${world.token()}`, Prefer: "odata.track-changes,odata.maxpagesize=10" },
      });
      const page = (await res.json()) as Delta & { "@odata.nextLink"?: string };
      seen.push(...page.value.map((v) => v.name as string));
      // A change made while paging belongs to the next delta, not to this one.
      if (pages === 0) await world.call("POST", "products", { body: { name: "Created while paging" } });
      url = page["@odata.nextLink"];
      deltaLink = page["@odata.deltaLink"];
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Targets.map((t) => t.name));
    const next = await getDelta(deltaLink!);
    expect(next.body.value.map((v) => v.name)).toEqual(["Created while paging"]);
  });

  it("rejects query options other than $select", async () => {
    for (const [option, query] of [
      ["$filter", "$filter=name eq 'x'"],
      ["$orderby", "$orderby=name"],
      ["$top", "$top=1"],
      ["$expand", "$expand=primarycontactid"],
    ]) {
      const res = await world.call("GET", `accounts?$select=name&${query}`, {
        headers: { Prefer: "odata.track-changes" },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `The "${option}" query parameter isn't supported when Change Tracking is enabled.`,
      );
    }
  });

  it("expires tokens older than the organization's limit (7 days)", async () => {
    const first = (await (
      await world.call("GET", "leads?$select=subject", { headers: { Prefer: "odata.track-changes" } })
    ).json()) as Delta;
    now += 6 * 86_400_000;
    expect((await getDelta(first["@odata.deltaLink"])).status).toBe(200);
    now += 2 * 86_400_000;
    const expired = await getDelta(first["@odata.deltaLink"]);
    expect(expired.status).toBe(400);
    expect((expired.body as unknown as { error: { code: string } }).error.code).toBe("0x80044352");
  });
});
