import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../../emulators/identity/demo-apps.ts";
import { startWorld, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld({ seed: "demo" });
  const rows = [
    { name: "O'Brien & Sons", accountnumber: "F-1", revenue: 100, creditonhold: true },
    { name: "Filter Alpha", accountnumber: "F-2", revenue: 5000, creditonhold: false },
    { name: "filter beta", accountnumber: "F-3", revenue: null, creditonhold: false },
  ];
  for (const body of rows) await world.call("POST", "accounts", { body });
  await world.call("POST", "accounts", {
    body: { name: "Owned by Dana", accountnumber: "F-4" },
    headers: { MSCRMCallerID: DEMO_SALES_USER_ID },
  });
});
afterAll(async () => {
  await world.close();
});

async function numbers(filter: string): Promise<string[]> {
  const res = await world.call(
    "GET",
    `accounts?$select=accountnumber&$filter=${encodeURIComponent(`startswith(accountnumber,'F-') and (${filter})`)}&$orderby=accountnumber`,
  );
  const body = (await res.json()) as { value?: { accountnumber: string }[]; error?: { message: string } };
  if (!body.value) throw new Error(body.error?.message);
  return body.value.map((v) => v.accountnumber);
}

const cases: [string, string[]][] = [
  ["name eq 'O''Brien & Sons'", ["F-1"]],
  ["name eq 'FILTER ALPHA'", ["F-2"]],
  ["contains(name,'filter')", ["F-2", "F-3"]],
  ["endswith(name,'sons')", ["F-1"]],
  ["revenue eq null", ["F-3", "F-4"]],
  ["revenue ne null and revenue gt 100", ["F-2"]],
  ["creditonhold eq true or revenue ge 5000", ["F-1", "F-2"]],
  ["not contains(name,'filter') and revenue ne null", ["F-1"]],
  [`_ownerid_value eq ${DEMO_SALES_USER_ID}`, ["F-4"]],
  ["owninguser/fullname eq 'Dana Birkby'", ["F-4"]],
  [`Microsoft.Dynamics.CRM.In(PropertyName='accountnumber',PropertyValues=["F-1","F-3"])`, ["F-1", "F-3"]],
  [`Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=["50","200"])`, ["F-1"]],
  ["Microsoft.Dynamics.CRM.Today(PropertyName='createdon')", ["F-1", "F-2", "F-3", "F-4"]],
  ["Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=1)", ["F-1", "F-2", "F-3", "F-4"]],
  ["Microsoft.Dynamics.CRM.EqualUserId(PropertyName='_ownerid_value')", ["F-1", "F-2", "F-3"]],
];

describe("$filter over HTTP", () => {
  it.each(cases)("%s", async (filter, expected) => {
    expect(await numbers(filter)).toEqual(expected);
  });

  it("names the unknown property", async () => {
    const res = await world.call("GET", `accounts?$filter=${encodeURIComponent("nosuch eq 1")}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'.",
    );
  });
});
