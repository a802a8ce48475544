// Replays "Aggregate data using OData" (powerapps-docs: developer/data-platform/webapi/query/aggregate-data.md) on a
// fresh org with its own rows: every example of the page, member order included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
const fv = { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' };
const F = "@OData.Community.Display.V1.FormattedValue";

async function create(set: string, body: Json): Promise<string> {
  const res = await world.call("POST", set, { body });
  expect(res.status).toBe(204);
  return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
}

async function apply(query: string, headers: Record<string, string> = fv): Promise<Json[]> {
  const res = await world.call("GET", `accounts?$apply=${query}`, { headers });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expect(body["@odata.context"]).toBe(`${world.dataverse.serviceRoot}$metadata#accounts`);
  return body.value;
}

beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  const jim = await create("contacts", { firstname: "Jim", lastname: "Glynn (sample)" });
  const maria = await create("contacts", { firstname: "Maria", lastname: "Campbell (sample)" });
  const bind = (id: string) => ({ "primarycontactid@odata.bind": `/contacts(${id})` });
  await create("accounts", { name: "A", revenue: 10000, address1_stateorprovince: "WA", ...bind(jim) });
  await create("accounts", { name: "B", revenue: 30000, accountcategorycode: 1, ...bind(maria) });
  await create("accounts", { name: "C", revenue: 50000, address1_stateorprovince: "WA", ...bind(maria) });
  const inactive = await create("accounts", { name: "D", revenue: 10000 });
  const off = await world.call("PATCH", `accounts(${inactive})`, { body: { statecode: 1, statuscode: 2 } });
  expect(off.status).toBe(204);
});
afterAll(async () => {
  await world.close();
});

describe("aggregate-data", () => {
  it("List of unique statuses; count by status values", async () => {
    expect(await apply("groupby((statuscode))")).toEqual([
      { [`statuscode${F}`]: "Active", statuscode: 1 },
      { [`statuscode${F}`]: "Inactive", statuscode: 2 },
    ]);
    const counted = await apply("groupby((statuscode),aggregate($count as count))");
    expect(counted).toEqual([
      { [`statuscode${F}`]: "Active", statuscode: 1, [`count${F}`]: "3", count: 3 },
      { [`statuscode${F}`]: "Inactive", statuscode: 2, [`count${F}`]: "1", count: 1 },
    ]);
    expect(Object.keys(counted[0])).toEqual([`statuscode${F}`, "statuscode", `count${F}`, "count"]);
  });

  it("Aggregate sum of revenue; average and sum based on status", async () => {
    expect(await apply("aggregate(revenue with sum as total)")).toEqual([
      { [`total${F}`]: "$100,000.00", total: 100000 },
    ]);
    expect(await apply("groupby((statuscode),aggregate(revenue with average as averagevalue))")).toEqual([
      { [`statuscode${F}`]: "Active", statuscode: 1, [`averagevalue${F}`]: "$30,000.00", averagevalue: 30000 },
      { [`statuscode${F}`]: "Inactive", statuscode: 2, [`averagevalue${F}`]: "$10,000.00", averagevalue: 10000 },
    ]);
    expect(await apply("groupby((statuscode),aggregate(revenue with sum as total))")).toEqual([
      { [`statuscode${F}`]: "Active", statuscode: 1, [`total${F}`]: "$90,000.00", total: 90000 },
      { [`statuscode${F}`]: "Inactive", statuscode: 2, [`total${F}`]: "$10,000.00", total: 10000 },
    ]);
  });

  it("Total account revenue by primary contact name: the related column comes after the aggregate", async () => {
    const rows = await apply("groupby((primarycontactid/fullname),aggregate(revenue with sum as total))");
    const named = rows.filter((r) => r.contact_fullname !== undefined);
    expect(named).toEqual([
      { [`total${F}`]: "$10,000.00", total: 10000, contact_fullname: "Jim Glynn (sample)" },
      { [`total${F}`]: "$80,000.00", total: 80000, contact_fullname: "Maria Campbell (sample)" },
    ]);
    for (const row of named) expect(Object.keys(row)).toEqual([`total${F}`, "total", "contact_fullname"]);
  });

  it("Primary contact names for accounts in 'WA'", async () => {
    expect(await apply("filter(address1_stateorprovince eq 'WA')/groupby((primarycontactid/fullname))", {})).toEqual([
      { contact_fullname: "Jim Glynn (sample)" },
      { contact_fullname: "Maria Campbell (sample)" },
    ]);
  });

  it("Last and first created record date and time", async () => {
    const [last] = await apply("aggregate(createdon with max as lastCreate)");
    expect(Object.keys(last)).toEqual([`lastCreate${F}`, "lastCreate"]);
    expect(last.lastCreate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(last[`lastCreate${F}`]).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} [AP]M$/);
    const [first] = await apply("aggregate(createdon with min as firstCreate)");
    expect(first.firstCreate <= last.lastCreate).toBe(true);
  });

  it("Distinct column values with groupby", async () => {
    const rows = await apply("groupby((statecode,statuscode,accountcategorycode))", {});
    expect(rows).toEqual([
      { statecode: 0, statuscode: 1 },
      { statecode: 0, statuscode: 1, accountcategorycode: 1 },
      { statecode: 1, statuscode: 2 },
    ]);
  });

  it("$orderby with aggregate values is not supported", async () => {
    const res = await world.call(
      "GET",
      "accounts?$apply=groupby((statuscode),aggregate($count as count))&$orderby=count desc",
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.message).toBe(
      "The query node SingleValueOpenPropertyAccess is not supported",
    );
  });
});
