// Replays "Use an alternate key to reference a record"
// (powerapps-docs: developer/data-platform/use-alternate-key-reference-record.md), Web API tab.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let accountId: string;
beforeAll(async () => {
  world = await startWorld();
  const res = await world.call("POST", "accounts", { body: { name: "ABC", accountnumber: "ABC123" } });
  accountId = /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
});
afterAll(async () => {
  await world.close();
});

describe("use-alternate-key-reference-record", () => {
  it("references a record by primary key, named primary key, or single alternate key", async () => {
    for (const ref of [
      `accounts(${accountId})`,
      `accounts(accountid=${accountId})`,
      "accounts(accountnumber='ABC123')",
    ]) {
      const res = await world.call("GET", `${ref}?$select=name`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Json).accountid).toBe(accountId);
    }
  });

  it("alternate keys in @odata.bind, PATCH (upsert) and DELETE", async () => {
    const contact = await world.call("POST", "contacts", {
      body: { lastname: "Keyed", "parentcustomerid_account@odata.bind": "/accounts(accountnumber='ABC123')" },
    });
    const contactId = /\(([0-9a-f-]{36})\)$/.exec(contact.headers.get("odata-entityid") ?? "")?.[1];
    const read = (await (
      await world.call("GET", `contacts(${contactId})?$select=_parentcustomerid_value`)
    ).json()) as Json;
    expect(read._parentcustomerid_value).toBe(accountId);
    const upsert = await world.call("PATCH", "accounts(accountnumber='XYZ789')", { body: { name: "Created by key" } });
    expect(upsert.status).toBe(204);
    const created = (await (
      await world.call("GET", "accounts(accountnumber='XYZ789')?$select=name,accountnumber")
    ).json()) as Json;
    expect(created).toMatchObject({ name: "Created by key", accountnumber: "XYZ789" });
    expect((await world.call("DELETE", "accounts(accountnumber='XYZ789')")).status).toBe(204);
    expect((await world.call("GET", "accounts(accountnumber='XYZ789')")).status).toBe(404);
  });

  it("a column that is not a key is refused with the documented message", async () => {
    const res = await world.call("GET", "accounts(name='ABC')");
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.message).toBe(
      "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.account'.",
    );
  });
});
