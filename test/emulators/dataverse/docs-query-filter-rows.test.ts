// Replays "Filter rows using OData" (powerapps-docs: developer/data-platform/webapi/query/filter-rows.md): string
// filters (case, URL encoding, wildcards, single quotes), logical and grouping operators, and lambda operators, on a
// fresh org with its own rows. Query functions, condition limits and lookup-path filters are replayed in
// docs-query-functions.test.ts and docs-query-forms.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;

async function create(set: string, body: Json): Promise<string> {
  const res = await world.call("POST", set, { body });
  expect(res.status).toBe(204);
  return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
}

async function names(set: string, filter: string, column = "name"): Promise<string[]> {
  const res = await world.call("GET", `${set}?$select=${column}&$filter=${filter}&$orderby=${column}`);
  expect(res.status).toBe(200);
  return (((await res.json()) as Json).value as Json[]).map((r) => r[column]);
}

beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  const litware = await create("accounts", { name: "Litware, Inc. (sample)", revenue: 20000 });
  const fourth = await create("accounts", { name: "Fourth Coffee (sample)", revenue: 5000 });
  await create("accounts", { name: "Contoso test", revenue: 100000 });
  await create("accounts", { name: "Phone +123 Ltd", revenue: 3000 });
  for (const [lastname, jobtitle, account] of [
    ["O'Bryan", "Purchaser", litware],
    ["OBrian", "Purchaser", litware],
    ["Cannon", "Owner", fourth],
  ]) {
    await create("contacts", {
      firstname: "Sam",
      lastname,
      jobtitle,
      "parentcustomerid_account@odata.bind": `/accounts(${account})`,
    });
  }
});
afterAll(async () => {
  await world.close();
});

describe("filter-rows", () => {
  it("Logical and grouping operators", async () => {
    expect(await names("accounts", "revenue lt 100000 and revenue gt 2000")).toEqual([
      "Fourth Coffee (sample)",
      "Litware, Inc. (sample)",
      "Phone +123 Ltd",
    ]);
    expect(await names("accounts", "contains(name,'(sample)') or contains(name,'test')")).toEqual([
      "Contoso test",
      "Fourth Coffee (sample)",
      "Litware, Inc. (sample)",
    ]);
    expect(await names("accounts", "not contains(name,'sample')")).toEqual(["Contoso test", "Phone +123 Ltd"]);
    expect(await names("accounts", "(contains(name,'sample') or contains(name,'test')) and revenue gt 5000")).toEqual([
      "Contoso test",
      "Litware, Inc. (sample)",
    ]);
  });

  it("Filter using string values: case-insensitive; OData query functions", async () => {
    expect(await names("accounts", "name eq 'LITWARE, INC. (SAMPLE)'")).toEqual(["Litware, Inc. (sample)"]);
    expect(await names("accounts", "endswith(name,'Inc. (sample)')")).toEqual(["Litware, Inc. (sample)"]);
    expect(await names("accounts", "startswith(name,'f')")).toEqual(["Fourth Coffee (sample)"]);
  });

  it("URL encode special characters: '+' must be sent as %2B", async () => {
    expect(await names("accounts", "contains(name,'%2B123')")).toEqual(["Phone +123 Ltd"]);
    // Unencoded, `+` is a space in a URL and the value does not match.
    expect(await names("accounts", "contains(name,'+123')")).toEqual([]);
  });

  it("Use wildcard characters: %, _, [] and [^] in string functions", async () => {
    expect(await names("accounts", "startswith(name,'%25Coffee')")).toEqual(["Fourth Coffee (sample)"]);
    expect(await names("accounts", "startswith(name,'L_tware')")).toEqual(["Litware, Inc. (sample)"]);
    expect(await names("accounts", "startswith(name,'[CF]')")).toEqual(["Contoso test", "Fourth Coffee (sample)"]);
    expect(await names("accounts", "startswith(name,'[^CF]')")).toEqual(["Litware, Inc. (sample)", "Phone +123 Ltd"]);
  });

  it("Manage single quotes: double them in a single value; otherwise the unterminated-literal error", async () => {
    expect(await names("contacts", "lastname eq 'O''Bryan'", "lastname")).toEqual(["O'Bryan"]);
    const res = await world.call("GET", "contacts?$select=fullname&$filter=lastname eq 'O'Bryan'");
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.message).toBe(
      "There is an unterminated literal at position 21 in 'lastname eq 'O'Bryan''.",
    );
    // In an array of values, double quotes carry the apostrophe.
    const inList = await world.call(
      "GET",
      `contacts?$select=lastname&$filter=Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)&@p1='lastname'&@p2=["OBrian","OBryan","O'Brian","O'Bryan"]&$orderby=lastname`,
    );
    expect(inList.status).toBe(200);
    expect((((await inList.json()) as Json).value as Json[]).map((r) => r.lastname)).toEqual(["O'Bryan", "OBrian"]);
  });

  it("Lambda operators: any with and without an expression, all", async () => {
    expect(await names("accounts", "contact_customer_accounts/any(c:c/jobtitle eq 'Purchaser')")).toEqual([
      "Litware, Inc. (sample)",
    ]);
    expect(await names("accounts", "contact_customer_accounts/any()")).toEqual([
      "Fourth Coffee (sample)",
      "Litware, Inc. (sample)",
    ]);
    expect(
      await names(
        "accounts",
        "contact_customer_accounts/any() and contact_customer_accounts/all(c:c/jobtitle eq 'Purchaser')",
      ),
    ).toEqual(["Litware, Inc. (sample)"]);
    expect(
      await names("accounts", "(contact_customer_accounts/any(c:c/jobtitle eq 'Owner')) and endswith(name,'(sample)')"),
    ).toEqual(["Fourth Coffee (sample)"]);
  });

  it("Lambda operators: the nested any of the docs, through the contacts' opportunities", async () => {
    // Fourth Coffee's owner has an opportunity described 'N/A', Litware's purchasers one with a real description.
    const contacts = (await (
      await world.call("GET", "contacts?$select=lastname,_parentcustomerid_value")
    ).json()) as Json;
    const contactOf = (lastname: string) => (contacts.value as Json[]).find((c) => c.lastname === lastname)?.contactid;
    await create("opportunities", {
      name: "Coffee machines",
      description: "N/A",
      "customerid_contact@odata.bind": `/contacts(${contactOf("Cannon")})`,
    });
    await create("opportunities", {
      name: "Licences",
      description: "Renewal of 200 seats",
      "customerid_contact@odata.bind": `/contacts(${contactOf("OBrian")})`,
    });
    const nested = (jobtitle: string) =>
      `(contact_customer_accounts/any(c:c/jobtitle eq '${jobtitle}' and c/opportunity_customer_contacts/any(o:o/description ne 'N/A'))) and endswith(name,'Inc. (sample)')`;
    expect(await names("accounts", nested("Purchaser"))).toEqual(["Litware, Inc. (sample)"]);
    expect(await names("accounts", nested("Owner"))).toEqual([]);
  });
});
