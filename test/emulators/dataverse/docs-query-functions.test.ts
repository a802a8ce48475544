// Replays the Dataverse query functions and parameter aliases as documented (powerapps-docs:
// developer/data-platform/webapi/use-web-api-functions.md "Query functions" and "Limitations of query functions",
// webapi/query/filter-rows.md "Dataverse query functions" and "Manage single quotes", and the syntax examples of
// webapi/reference/<function>.md), on a manual clock so the date functions have fixed answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../runtime/manual-clock.ts";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

// 2024-06-15T12:00:00Z, a Saturday in the middle of a month.
const NOON = Date.UTC(2024, 5, 15, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clock = manualClock(NOON - 40 * DAY);
let world: World;

const created: Record<string, string> = {};
beforeAll(async () => {
  world = await startWorld({ seed: "empty", clock });
  const create = async (set: string, body: unknown) => {
    const res = await world.call("POST", set, { body });
    expect(res.status).toBe(204);
    return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
  };
  // Contacts for the "Manage single quotes" example, created 40 days before noon.
  for (const lastname of ["OBrian", "OBryan", "O'Brian", "O'Bryan", "Smith"]) {
    created[lastname] = await create("contacts", { firstname: "Pat", lastname });
  }
  // Accounts created at known times relative to NOON.
  const at = async (name: string, ms: number, body: Record<string, unknown> = {}) => {
    clock.advance(ms - clock.now());
    created[name] = await create("accounts", { name, ...body });
  };
  await at("forty days ago", NOON - 40 * DAY, { numberofemployees: 3 });
  await at("ten days ago", NOON - 10 * DAY, { numberofemployees: 5 });
  await at("yesterday", NOON - DAY, { numberofemployees: 1500 });
  await at("five hours ago", NOON - 5 * HOUR, { numberofemployees: 2000 });
  await at("an hour ago", NOON - HOUR, { numberofemployees: 2001 });
  clock.advance(NOON - clock.now());
});
afterAll(async () => {
  await world.close();
});

const get = async (path: string): Promise<{ status: number; body: Json }> => {
  const res = await world.call("GET", path);
  return { status: res.status, body: (await res.json()) as Json };
};
const names = async (query: string): Promise<string[]> => {
  const { status, body } = await get(`accounts?$select=name&${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return (body.value as Json[]).map((r) => r.name as string).sort();
};
const q = (text: string) => encodeURIComponent(text);

describe("use-web-api-functions: query functions", () => {
  it("LastXHours with parameter aliases (@p1='modifiedon'&@p2=12)", async () => {
    expect(
      await names(
        `$filter=${q("Microsoft.Dynamics.CRM.LastXHours(PropertyName=@p1,PropertyValue=@p2)")}&@p1='modifiedon'&@p2=12`,
      ),
    ).toEqual(["an hour ago", "five hours ago"]);
  });

  it("not in front of a query function is refused with the documented message", async () => {
    const { status, body } = await get(
      `systemusers?$select=fullname,systemuserid&$filter=${q("not Microsoft.Dynamics.CRM.EqualUserId(PropertyName=@p1)")}&@p1='systemuserid'`,
    );
    expect(status).toBe(400);
    expect(body.error.message).toBe("Not operator along with the Custom Named Condition operators is not allowed");
    const last7 = await get(
      `accounts?$select=name&$filter=${q("not Microsoft.Dynamics.CRM.Last7Days(PropertyName=@p1)")}&@p1='createdon'`,
    );
    expect(last7.status).toBe(400);
    expect(last7.body.error.message).toBe(
      "Not operator along with the Custom Named Condition operators is not allowed",
    );
    // Not even when the negation reaches the function through parentheses or an and.
    const nested = await get(
      `accounts?$select=name&$filter=${q("not (Microsoft.Dynamics.CRM.Today(PropertyName='createdon') and name ne null)")}`,
    );
    expect(nested.status).toBe(400);
  });

  it("NotEqualUserId and EqualUserId: the companion functions instead of not", async () => {
    const whoami = (await (await world.call("GET", "WhoAmI")).json()) as Json;
    const others = await get(
      `systemusers?$select=fullname,systemuserid&$filter=${q("Microsoft.Dynamics.CRM.NotEqualUserId(PropertyName=@p1)")}&@p1='systemuserid'`,
    );
    expect(others.status).toBe(200);
    expect(others.body.value.length).toBeGreaterThan(0);
    expect(others.body.value.map((u: Json) => u.systemuserid)).not.toContain(whoami.UserId);
    const me = await get(
      `systemusers?$select=systemuserid&$filter=${q("Microsoft.Dynamics.CRM.EqualUserId(PropertyName=@p1)")}&@p1='systemuserid'`,
    );
    expect(me.body.value.map((u: Json) => u.systemuserid)).toEqual([whoami.UserId]);
    // Owned by the caller: every account the caller created.
    expect(await names(`$filter=${q("Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')")}`)).toHaveLength(5);
  });

  it("OlderThanXDays instead of not Last7Days", async () => {
    expect(
      await names(
        `$filter=${q("Microsoft.Dynamics.CRM.OlderThanXDays(PropertyName=@p1,PropertyValue=@p2)")}&@p1='createdon'&@p2=7`,
      ),
    ).toEqual(["forty days ago", "ten days ago"]);
  });
});

describe("filter-rows: Dataverse query functions", () => {
  it("Between and NotBetween, inline and with an aliased array (reference/between syntax example)", async () => {
    expect(
      await names(
        `$filter=${q('Microsoft.Dynamics.CRM.Between(PropertyName=\'numberofemployees\',PropertyValues=["5","2000"])')}`,
      ),
    ).toEqual(["five hours ago", "ten days ago", "yesterday"]);
    expect(
      await names(
        `$filter=${q("Microsoft.Dynamics.CRM.Between(PropertyName=@p1,PropertyValues=@p2)")}&@p1='numberofemployees'&@p2=${q("['5','2000']")}`,
      ),
    ).toEqual(["five hours ago", "ten days ago", "yesterday"]);
    expect(
      await names(
        `$filter=${q("Microsoft.Dynamics.CRM.NotBetween(PropertyName=@p1,PropertyValues=@p2)")}&@p1='numberofemployees'&@p2=${q('["5","2000"]')}`,
      ),
    ).toEqual(["an hour ago", "forty days ago"]);
  });

  it("Manage single quotes: In with an aliased array of double-quoted values containing quotes", async () => {
    const { status, body } = await get(
      `contacts?$select=fullname&$filter=${q("Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)")}&@p1='lastname'&@p2=${q('["OBrian","OBryan","O\'Brian","O\'Bryan"]')}`,
    );
    expect(status).toBe(200);
    expect((body.value as Json[]).map((c) => c.fullname).sort()).toEqual([
      "Pat O'Brian",
      "Pat O'Bryan",
      "Pat OBrian",
      "Pat OBryan",
    ]);
    const notIn = await get(
      `contacts?$select=lastname&$filter=${q("Microsoft.Dynamics.CRM.NotIn(PropertyName=@p1,PropertyValues=@p2)")}&@p1='lastname'&@p2=${q('["OBrian","OBryan","O\'Brian","O\'Bryan"]')}`,
    );
    expect(notIn.body.value.map((c: Json) => c.lastname)).toEqual(["Smith"]);
  });

  it("aliases reach query functions inside $expand options", async () => {
    const account = await world.call("POST", "accounts", { body: { name: "Quotes Inc." } });
    const accountId = /\(([0-9a-f-]{36})\)$/.exec(account.headers.get("odata-entityid") ?? "")?.[1] as string;
    for (const lastname of ["O'Brian", "Smith"]) {
      await world.call("PATCH", `contacts(${created[lastname]})`, {
        body: { "parentcustomerid_account@odata.bind": `/accounts(${accountId})` },
      });
    }
    const { status, body } = await get(
      `accounts(${accountId})?$select=name&$expand=contact_customer_accounts($select=lastname;$filter=${q("Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=@p2)")})&@p2=${q('["O\'Brian"]')}`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.contact_customer_accounts.map((c: Json) => c.lastname)).toEqual(["O'Brian"]);
    const negated = await get(
      `accounts(${accountId})?$expand=contact_customer_accounts($filter=${q("not Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=@p2)")})&@p2=${q('["Smith"]')}`,
    );
    expect(negated.status).toBe(400);
    await world.call("DELETE", `accounts(${accountId})`);
  });

  it("Manage single quotes: single-quoted values containing a quote answer the documented Invalid JSON error", async () => {
    const { status, body } = await get(
      `contacts?$select=fullname&$filter=${q("Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)")}&@p1='lastname'&@p2=${q("['OBrian','O'Brian']")}`,
    );
    expect(status).toBe(400);
    expect(body.error.message).toContain(
      "Invalid JSON. A comma character ',' was expected in scope 'Array'. Every two elements in an array and properties of an object must be separated by commas.",
    );
  });

  it("Manage single quotes: a single value doubles the quote; an unterminated literal is refused", async () => {
    const ok = await get(`contacts?$select=fullname&$filter=${q("lastname eq 'O''Bryan'")}`);
    expect(ok.body.value.map((c: Json) => c.fullname)).toEqual(["Pat O'Bryan"]);
    const bad = await get(`contacts?$select=fullname&$filter=${q("lastname eq 'O'Bryan'")}`);
    expect(bad.status).toBe(400);
  });

  it("Date functions on a fixed clock: Today, Yesterday, LastXDays, LastXHours, ThisMonth, LastMonth, ThisYear", async () => {
    const fn = (name: string, extra = "") =>
      names(`$filter=${q(`Microsoft.Dynamics.CRM.${name}(PropertyName='createdon'${extra})`)}`);
    expect(await fn("Today")).toEqual(["an hour ago", "five hours ago"]);
    expect(await fn("Yesterday")).toEqual(["yesterday"]);
    expect(await fn("LastXDays", ",PropertyValue=1")).toEqual(["an hour ago", "five hours ago", "yesterday"]);
    expect(await fn("LastXDays", ",PropertyValue=10")).toEqual([
      "an hour ago",
      "five hours ago",
      "ten days ago",
      "yesterday",
    ]);
    expect(await fn("LastXHours", ",PropertyValue=2")).toEqual(["an hour ago"]);
    expect(await fn("OlderThanXHours", ",PropertyValue=2")).toEqual([
      "five hours ago",
      "forty days ago",
      "ten days ago",
      "yesterday",
    ]);
    expect(await fn("ThisMonth")).toEqual(["an hour ago", "five hours ago", "ten days ago", "yesterday"]);
    expect(await fn("LastMonth")).toEqual(["forty days ago"]);
    expect(await fn("ThisYear")).toHaveLength(5);
    expect(await fn("LastYear")).toEqual([]);
    expect(await fn("OlderThanXMonths", ",PropertyValue=1")).toEqual(["forty days ago"]);
    expect(await fn("On", ",PropertyValue='2024-06-14'")).toEqual(["yesterday"]);
    expect(
      await names(
        `$filter=${q("Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='createdon',PropertyValue=@d)")}&@d=2024-06-05`,
      ),
    ).toEqual(["an hour ago", "five hours ago", "ten days ago", "yesterday"]);
  });

  it("an unknown query function and a missing parameter are refused", async () => {
    const unknown = await get(`accounts?$filter=${q("Microsoft.Dynamics.CRM.NoSuchFunction(PropertyName='name')")}`);
    expect(unknown.status).toBe(400);
    const missing = await get(`accounts?$filter=${q("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon')")}`);
    expect(missing.status).toBe(400);
  });
});

describe("filter-rows: Id values (EqualUserTeams, EqualUserOrUserTeams)", () => {
  it("rows owned by the caller's teams, and by the caller or its teams", async () => {
    const whoami = (await (await world.call("GET", "WhoAmI")).json()) as Json;
    const team = await world.call("POST", "teams", {
      body: { name: "Query team", "businessunitid@odata.bind": `/businessunits(${whoami.BusinessUnitId})` },
    });
    expect(team.status).toBe(204);
    const teamId = /\(([0-9a-f-]{36})\)$/.exec(team.headers.get("odata-entityid") ?? "")?.[1] as string;
    const joined = await world.call("POST", `teams(${teamId})/teammembership_association/$ref`, {
      body: { "@odata.id": `${world.dataverse.serviceRoot}systemusers(${whoami.UserId})` },
    });
    expect(joined.status).toBe(204);
    const owned = await world.call("POST", "accounts", {
      body: { name: "team owned", "ownerid@odata.bind": `/teams(${teamId})` },
    });
    expect(owned.status).toBe(204);
    expect(await names(`$filter=${q("Microsoft.Dynamics.CRM.EqualUserTeams(PropertyName='ownerid')")}`)).toEqual([
      "team owned",
    ]);
    expect(
      await names(`$filter=${q("Microsoft.Dynamics.CRM.EqualUserOrUserTeams(PropertyName='ownerid')")}`),
    ).toHaveLength(6);
    expect(await names(`$filter=${q("Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')")}`)).toHaveLength(5);
  });
});

describe("use-web-api-functions: Passing parameters to a function", () => {
  it("GetTimeZoneCodeByLocalizedName inline and with parameter aliases give the documented TimeZoneCode 4", async () => {
    for (const path of [
      "GetTimeZoneCodeByLocalizedName(LocalizedStandardName='Pacific Standard Time',LocaleId=1033)",
      "GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1,LocaleId=@p2)?@p1='Pacific Standard Time'&@p2=1033",
    ]) {
      const { status, body } = await get(path.replace(/ /g, "%20"));
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body).toEqual({
        "@odata.context": `${world.dataverse.serviceRoot}$metadata#Microsoft.Dynamics.CRM.GetTimeZoneCodeByLocalizedNameResponse`,
        TimeZoneCode: 4,
      });
    }
    const missing = await get("GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1,LocaleId=@p2)?@p2=1033");
    expect(missing.status).toBe(400);
  });
});
