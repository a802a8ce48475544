// Replays "Use change tracking to synchronize data with external systems"
// (powerapps-docs: developer/data-platform/use-change-tracking-synchronize-data-external-systems.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
});
afterAll(async () => {
  await world.close();
});

const relative = (url: string) => url.slice(root.length);

describe("use-change-tracking-synchronize-data-external-systems", () => {
  it("Check whether change tracking is enabled: EntityDefinitions and the $metadata annotation", async () => {
    const enabled = (await (
      await world.call("GET", "EntityDefinitions?$select=SchemaName&$filter=ChangeTrackingEnabled eq true")
    ).json()) as Json;
    expect(enabled.value.map((e: Json) => e.SchemaName)).toContain("Account");
    const notEligible = (await (
      await world.call(
        "GET",
        "EntityDefinitions?$select=SchemaName,ChangeTrackingEnabled&$filter=ChangeTrackingEnabled eq false and CanChangeTrackingBeEnabled/Value eq false",
      )
    ).json()) as Json;
    expect(notEligible.value).toEqual([]);
    const metadata = await (await world.call("GET", "$metadata?annotations=true")).text();
    expect(metadata).toContain('<EntitySet Name="accounts" EntityType="Microsoft.Dynamics.CRM.account">');
    expect(metadata).toContain(
      '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true" /></Record></Annotation>',
    );
  });

  it("Retrieve changes: a delta link first, then the new and deleted rows, then a count of changes", async () => {
    const created = async (name: string) =>
      /\(([0-9a-f-]{36})\)$/.exec(
        (await world.call("POST", "accounts", { body: { name, telephone1: "555000", fax: "10101" } })).headers.get(
          "odata-entityid",
        ) ?? "",
      )?.[1] as string;
    await created("Monte Orton");
    const doomed = await created("To be deleted");
    const first = await world.call("GET", "accounts?$select=name,accountnumber,telephone1,fax", {
      headers: { Prefer: "odata.track-changes" },
    });
    expect(first.headers.get("preference-applied")).toBe("odata.track-changes");
    const initial = (await first.json()) as Json;
    expect(Object.keys(initial)).toEqual(["@odata.context", "@odata.deltaLink", "value"]);
    expect(initial["@odata.context"]).toBe(`${root}$metadata#accounts(name,accountnumber,telephone1,fax)`);
    expect(initial["@odata.deltaLink"]).toMatch(
      new RegExp(
        `^${root.replace(/[.$()]/g, "\\$&")}accounts\\?\\$select=name,accountnumber,telephone1,fax&\\$deltatoken=\\d+%21\\d{2}%2F\\d{2}%2F\\d{4}%20\\d{2}%3A\\d{2}%3A\\d{2}$`,
      ),
    );
    expect(initial.value.find((r: Json) => r.name === "Monte Orton")).toMatchObject({
      accountnumber: null,
      telephone1: "555000",
      fax: "10101",
    });

    const fresh = await created("Created later");
    await world.call("DELETE", `accounts(${doomed})`);
    const count = await world.call("GET", `accounts/$count?${initial["@odata.deltaLink"].split("?")[1]}`);
    expect(await count.text()).toBe("2");
    const delta = (await (await world.call("GET", relative(initial["@odata.deltaLink"]))).json()) as Json;
    expect(delta["@odata.context"]).toBe(`${root}$metadata#accounts(name,accountnumber,telephone1,fax)/$delta`);
    expect(Object.keys(delta)).toEqual(["@odata.context", "@odata.deltaLink", "value"]);
    expect(delta.value).toEqual([
      {
        "@odata.etag": expect.stringMatching(/^W\/"\d+"$/),
        name: "Created later",
        accountnumber: null,
        telephone1: "555000",
        fax: "10101",
        accountid: fresh,
      },
      { "@odata.context": `${root}$metadata#accounts/$deletedEntity`, id: doomed, reason: "deleted" },
    ]);
    const nothing = (await (await world.call("GET", relative(delta["@odata.deltaLink"]))).json()) as Json;
    expect(nothing.value).toEqual([]);
  });

  it("Query options not supported with change tracking", async () => {
    for (const option of ["$filter=name eq 'x'", "$orderby=name", "$expand=primarycontactid", "$top=1"]) {
      const res = await world.call("GET", `accounts?$select=name&${option}`, {
        headers: { Prefer: "odata.track-changes" },
      });
      expect(res.status).toBe(400);
      const name = option.slice(0, option.indexOf("="));
      expect(((await res.json()) as Json).error.message).toBe(
        `The "${name}" query parameter isn't supported when Change Tracking is enabled.`,
      );
    }
  });
});
