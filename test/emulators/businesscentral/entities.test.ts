// Standard API v2.0 entities over real HTTP: create, get, list with filter and paging, update with ETag,
// delete — with the request and response shapes of Microsoft's documented examples.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let base: string;

beforeAll(async () => {
  bc = await startBc();
  base = companyUrl(bc);
});
afterAll(async () => {
  await bc.close();
});

interface Case {
  set: string;
  create: Json;
  filterField: string;
  update: Json;
}

const cases: Case[] = [
  {
    set: "customers",
    create: {
      displayName: "Coho Winery",
      type: "Company",
      addressLine1: "192 Market Square",
      city: "Atlanta",
      state: "GA",
      country: "US",
      postalCode: "31772",
      phoneNumber: "",
      email: "jim.glynn@cronuscorp.net",
      website: "",
      taxLiable: true,
      currencyCode: "USD",
      blocked: " ",
    },
    filterField: "displayName",
    update: { displayName: "Coho Winery Ltd", creditLimit: 1500 },
  },
  {
    set: "vendors",
    create: { number: "VTEST1", displayName: "Litware, Inc.", city: "Chicago", country: "US" },
    filterField: "number",
    update: { phoneNumber: "+1 312 555 0100" },
  },
  {
    set: "contacts",
    create: { type: "Person", displayName: "Alicia Thomber", email: "alicia@example.com" },
    filterField: "displayName",
    update: { jobTitle: "Buyer" },
  },
  {
    set: "items",
    create: {
      number: "TEST-1000",
      displayName: "Bicycle",
      type: "Inventory",
      unitPrice: 4000,
      baseUnitOfMeasureCode: "PCS",
      itemCategoryCode: "MISC",
    },
    filterField: "number",
    update: { unitPrice: 4200, displayName: "Bicycle, red" },
  },
  {
    set: "itemCategories",
    create: { code: "BIKES", displayName: "Bicycles" },
    filterField: "code",
    update: { displayName: "Bikes" },
  },
  {
    set: "unitsOfMeasure",
    create: { code: "LTR", displayName: "Litre", internationalStandardCode: "LTR", symbol: "l" },
    filterField: "code",
    update: { symbol: "L" },
  },
  {
    set: "currencies",
    create: {
      code: "JPY",
      displayName: "Japanese yen",
      symbol: "¥",
      amountDecimalPlaces: "0:0",
      amountRoundingPrecision: 1,
    },
    filterField: "code",
    update: { displayName: "Yen" },
  },
  {
    set: "paymentTerms",
    create: { code: "60 DAYS", displayName: "Net 60 days", dueDateCalculation: "60D" },
    filterField: "code",
    update: { discountPercent: 1 },
  },
  {
    set: "shipmentMethods",
    create: { code: "CPT", displayName: "Carriage Paid To" },
    filterField: "code",
    update: { displayName: "Carriage paid" },
  },
  {
    set: "salespeoplePurchasers",
    create: { code: "AH", displayName: "Annette Hill", email: "annette@example.com" },
    filterField: "code",
    update: { jobTitle: "Sales" },
  },
  {
    set: "opportunities",
    create: {
      contactNumber: "CT000103",
      description: "Lamps for the lobby",
      estimatedValue: 900,
      status: "In_x0020_Progress",
    },
    filterField: "description",
    update: { status: "Won" },
  },
  {
    set: "employees",
    create: { number: "TEST1", givenName: "Jim", surname: "Hansen", jobTitle: "Driver" },
    filterField: "number",
    update: { jobTitle: "Senior driver" },
  },
];

describe.each(cases)("$set", ({ set, create, filterField, update }) => {
  it("creates, reads, lists, updates with ETag and deletes", async () => {
    const created = await call(`${base}/${set}`, { method: "POST", body: create });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const record = created.body;
    expect(record["@odata.context"]).toContain(`$metadata#companies(${bc.companyId()})/${set}/$entity`);
    expect(record.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(record["@odata.etag"]).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
    expect(record.lastModifiedDateTime).toMatch(/Z$/);
    expect(created.headers.get("location")).toContain(`${set}(${record.id})`);
    for (const [k, v] of Object.entries(create)) if (k !== "blocked") expect(record[k]).toEqual(v);

    const got = await call(`${base}/${set}(${record.id})`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(record.id);
    expect(got.headers.get("etag")).toBe(record["@odata.etag"]);

    const value = record[filterField] as string;
    const filtered = await call(
      `${base}/${set}?$filter=${filterField} eq '${encodeURIComponent(value.replace(/'/g, "''"))}'`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.value.map((r: Json) => r.id)).toEqual([record.id]);

    const noEtag = await call(`${base}/${set}(${record.id})`, { method: "PATCH", body: update });
    expectError(noEtag, 400, "BadRequest_InvalidToken");
    const patched = await call(`${base}/${set}(${record.id})`, {
      method: "PATCH",
      body: update,
      headers: { "If-Match": record["@odata.etag"] },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    for (const [k, v] of Object.entries(update)) expect(patched.body[k]).toEqual(v);
    expect(patched.body["@odata.etag"]).not.toBe(record["@odata.etag"]);
    expect(patched.body.lastModifiedDateTime > record.lastModifiedDateTime).toBe(true);
    const stale = await call(`${base}/${set}(${record.id})`, {
      method: "PATCH",
      body: update,
      headers: { "If-Match": record["@odata.etag"] },
    });
    expectError(stale, 409, "Request_EntityChanged");

    const since = await call(`${base}/${set}?$filter=lastModifiedDateTime gt ${record.lastModifiedDateTime}`);
    expect(since.body.value.map((r: Json) => r.id)).toContain(record.id);

    expectError(await call(`${base}/${set}(${record.id})`, { method: "DELETE" }), 400, "BadRequest_InvalidToken");
    const deleted = await call(`${base}/${set}(${record.id})`, { method: "DELETE", headers: { "If-Match": "*" } });
    expect(deleted.status).toBe(204);
    expectError(await call(`${base}/${set}(${record.id})`), 404, "Internal_RecordNotFound");
  });
});

describe("collections", () => {
  it("pages with Prefer: odata.maxpagesize and an opaque skip token until the last page", async () => {
    const seen: string[] = [];
    let url: string | undefined = `${base}/items?$select=number&$count=true`;
    let pages = 0;
    let total = 0;
    while (url) {
      const page = await call(url, { headers: { Prefer: "odata.maxpagesize=4" } });
      expect(page.status).toBe(200);
      expect(page.headers.get("preference-applied")).toBe("odata.maxpagesize=4");
      expect(page.body.value.length).toBeLessThanOrEqual(4);
      if (pages === 0) total = page.body["@odata.count"];
      seen.push(...page.body.value.map((r: Json) => r.number));
      url = page.body["@odata.nextLink"];
      if (url) expect(url).toMatch(/aid=FIN&\$skiptoken=/);
      pages++;
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 4));
    expect([...seen].sort()).toEqual(seen);
  });

  it("supports $top, $skip, $orderby, $select and $expand", async () => {
    const all = await call(`${base}/customers?$orderby=displayName desc&$select=displayName`);
    const names = all.body.value.map((r: Json) => r.displayName);
    expect(names).toEqual([...names].sort().reverse());
    const window = await call(`${base}/customers?$orderby=displayName desc&$select=displayName&$skip=1&$top=2`);
    expect(window.body.value.map((r: Json) => r.displayName)).toEqual(names.slice(1, 3));
    expect(Object.keys(window.body.value[0]).sort()).toEqual(["@odata.etag", "displayName"]);
    const expanded = await call(`${base}/customers?$filter=number eq '10000'&$expand=paymentTerm,currency`);
    expect(expanded.body.value[0].paymentTerm.code).toBe("30 DAYS");
    expect(expanded.body.value[0].currency).toBeNull();
  });

  it("encodes enum members as OData identifiers and accepts both forms in bodies", async () => {
    const items = await call(`${base}/items?$filter=type eq 'Non_x002D_Inventory'`);
    expect(items.body.value.length).toBeGreaterThan(0);
    expect(items.body.value.every((i: Json) => i.type === "Non_x002D_Inventory")).toBe(true);
    const customers = await call(`${base}/customers?$top=1`);
    expect(customers.body.value[0].blocked).toBe("_x0020_");
    const made = await call(`${base}/items`, {
      method: "POST",
      body: { displayName: "Voucher", type: "Non_x002D_Inventory" },
    });
    expect(made.body.type).toBe("Non_x002D_Inventory");
    const bad = await call(`${base}/items`, { method: "POST", body: { displayName: "X", type: "Gadget" } });
    expectError(bad, 400, "Unknown");
    expect(bad.body.error.message).toContain(
      "'Gadget' is not an option. The existing options are: Inventory,Service,Non-Inventory",
    );
  });

  it("refuses `or` across different fields and ignores lambda operators, as documented", async () => {
    expectError(
      await call(`${base}/customers?$filter=number eq '10000' or displayName eq 'Trey Research'`),
      400,
      "BadRequest_NotSupported",
    );
    const sameField = await call(`${base}/customers?$filter=number eq '10000' or number eq '20000'`);
    expect(sameField.body.value.map((c: Json) => c.number).sort()).toEqual(["10000", "20000"]);
    expectError(await call(`${base}/customers?$filter=nosuchfield eq 1`), 400, "BadRequest_NotFound");
  });

  it("serves the same data at …/customers?company={id} and lists companies and environments", async () => {
    const scoped = await call(`${bc.apiUrl()}/customers?company=${bc.companyId()}&$select=number`);
    const nested = await call(`${base}/customers?$select=number`);
    expect(scoped.body.value).toEqual(nested.body.value);
    const companies = await call(`${bc.apiUrl()}/companies`);
    expect(companies.body.value.map((c: Json) => c.name).sort()).toEqual(["CRONUS Canada", "CRONUS USA, Inc."]);
    const sandbox = await call(`${bc.apiUrl("sandbox")}/companies`);
    expect(sandbox.body.value.map((c: Json) => c.name)).toEqual(["CRONUS USA, Inc."]);
    expect(sandbox.body.value[0].id).not.toBe(bc.companyId());
    expectError(await call(`${bc.apiUrl("nosuchenv")}/companies`), 404, "NoEnvironmentFound");
    const canada = await call(`${companyUrl(bc, false, "CRONUS Canada")}/currencies?$select=code`);
    expect(canada.body.value.map((c: Json) => c.code)).toContain("USD");
  });

  it("serves $metadata with entity sets, enum types and bound actions", async () => {
    const response = await fetch(`${bc.apiUrl()}/$metadata`);
    const xml = await response.text();
    expect(response.headers.get("content-type")).toContain("application/xml");
    expect(xml).toContain('<EntitySet Name="salespeoplePurchasers" EntityType="Microsoft.NAV.salespersonPurchaser" />');
    expect(xml).toContain('<Member Name="Non_x002D_Inventory"');
    expect(xml).toContain('<Action Name="shipAndInvoice" IsBound="true">');
  });
});

describe("errors", () => {
  it("uses the documented codes and message shapes", async () => {
    const dup = await call(`${base}/customers`, { method: "POST", body: { number: "10000", displayName: "Dup" } });
    expectError(dup, 400, "Internal_EntityWithSameKeyExists");
    expect(dup.body.error.message).toContain(
      "The Customer already exists. Identification fields and values: No.='10000'",
    );
    const long = await call(`${base}/customers`, { method: "POST", body: { displayName: "x".repeat(101) } });
    expectError(long, 400, "Application_StringExceededLength");
    expect(long.body.error.message).toContain(
      "The length of the string is 101, but it must be less than or equal to 100 characters.",
    );
    expectError(await call(`${base}/nosuchentities`), 404, "BadRequest_ResourceNotFound");
    expectError(
      await call(`${bc.apiUrl()}/companies`, { method: "POST", body: { name: "X" } }),
      405,
      "BadRequest_MethodNotAllowed",
    );
    expectError(await call(`${base}/customers`, { method: "POST", body: { nosuch: 1 } }), 400, "BadRequest_NotFound");
    expectError(await call(`${base}/customers(00000000-0000-0000-0000-000000000001)`), 404, "Internal_RecordNotFound");
    expectError(
      await call(`${base}/customers`, { method: "POST", body: { displayName: "Y", currencyCode: "XXX" } }),
      400,
      "Internal_InvalidTableRelation",
    );
    expectError(
      await call(`${base}/customers`, { method: "POST", body: { displayName: "Y", balanceDue: 5 } }),
      400,
      "BadRequest_InvalidOperation",
    );
  });
});

describe("$count", () => {
  it("answers /$count with the number of matching records as plain text", async () => {
    const all = await call(`${base}/customers?$count=true&$top=0`);
    const r = await fetch(`${base}/customers/$count`);
    expect(r.headers.get("content-type")).toContain("text/plain");
    expect(Number(await r.text())).toBe(all.body["@odata.count"]);
    const filtered = await fetch(`${base}/customers/$count?$filter=number eq '10000'`);
    expect(await filtered.text()).toBe("1");
  });

  it("counts without ordering the rows, but still refuses an order on an unknown property", async () => {
    const counted = await call(`${base}/customers?$count=true&$top=0&$filter=number ge '20000'`);
    const listed = await call(`${base}/customers?$filter=number ge '20000'&$select=number`);
    expect(counted.body.value).toEqual([]);
    expect(counted.body["@odata.count"]).toBe(listed.body.value.length);
    expectError(await call(`${base}/customers?$count=true&$top=0&$orderby=nope`), 400, "BadRequest_NotFound");
  });
});

describe("schema version 2.1", () => {
  it("accepts `in` only with $schemaversion=2.1", async () => {
    expectError(await call(`${base}/customers?$filter=number in ('10000','20000')`), 400, "BadRequest_NotFound");
    const r = await call(`${base}/customers?$filter=number in ('10000','20000')&$schemaversion=2.1&$select=number`);
    expect(r.status).toBe(200);
    expect(r.body.value.map((c: Json) => c.number)).toEqual(["10000", "20000"]);
  });
});
