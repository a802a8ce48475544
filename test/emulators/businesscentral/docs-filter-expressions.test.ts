// use-filter-expressions-in-odata-uris.md ("Filter expressions" table) replayed on the v2.0 customers page, with
// the examples of devenv-connect-apps-filtering.md (open sales invoices above 1000.00) and dynamics-rate-limits.md
// (customers changed since a time). Each filter's answer is checked against the same condition evaluated here on
// the unfiltered list, so the tests do not depend on the seed's values.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { expectCollectionReply } from "./docs-helpers.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
let all: Json[];
beforeAll(async () => {
  bc = await startBc();
  company = companyUrl(bc);
  all = (await call(`${company}/customers`)).body.value;
});
afterAll(async () => {
  await bc.close();
});

async function numbers(filter: string, extra = ""): Promise<string[]> {
  const reply = await call(`${company}/customers?$filter=${encodeURIComponent(filter)}${extra}`);
  expectCollectionReply(bc, reply, `companies(${bc.companyId()})/customers`, "customers");
  return reply.body.value.map((c: Json) => c.number);
}

const where = (test: (c: Json) => boolean): string[] => all.filter(test).map((c) => c.number);

describe("filter expressions, as documented", () => {
  it("ranges, comparisons, and, or on one field, ne", async () => {
    expect(all.length).toBeGreaterThan(3);
    expect(await numbers("number gt '10000' and number lt '40000'")).toEqual(
      where((c) => c.number > "10000" && c.number < "40000"),
    );
    expect(await numbers("number lt '30000'")).toEqual(where((c) => c.number < "30000"));
    expect(await numbers("number gt '30000'")).toEqual(where((c) => c.number > "30000"));
    expect(await numbers("number ge '30000'")).toEqual(where((c) => c.number >= "30000"));
    expect(await numbers("number le '30000'")).toEqual(where((c) => c.number <= "30000"));
    expect(await numbers("number ne '10000'")).toEqual(where((c) => c.number !== "10000"));
    const [a, b] = all;
    expect(await numbers(`country eq '${a.country}' and city eq '${a.city}'`)).toEqual(
      where((c) => c.country === a.country && c.city === a.city),
    );
    expect(await numbers(`number eq '${a.number}' or number eq '${b.number}'`)).toEqual([a.number, b.number]);
  });

  it("refuses or across different fields and `in` without $schemaversion=2.1", async () => {
    expectError(
      await call(`${company}/customers?$filter=country eq 'US' or city eq 'Atlanta'`),
      400,
      "BadRequest_NotSupported",
    );
    const [a, b] = all;
    const list = `number in ('${a.number}', '${b.number}')`;
    expectError(await call(`${company}/customers?$filter=${encodeURIComponent(list)}`), 400, "BadRequest_NotFound");
    expect(await numbers(list, "&$schemaversion=2.1")).toEqual([a.number, b.number]);
  });

  it("endswith, startswith, contains, tolower, toupper", async () => {
    const adatum = all.find((c) => c.number === "10000") as Json;
    const name = String(adatum.displayName);
    expect(await numbers(`endswith(displayName,'${name.slice(-3)}')`)).toEqual(
      where((c) => c.displayName.toLowerCase().endsWith(name.slice(-3).toLowerCase())),
    );
    expect(await numbers(`startswith(displayName, '${name[0]}')`)).toEqual(
      where((c) => c.displayName.toLowerCase().startsWith(name[0].toLowerCase())),
    );
    expect(await numbers(`contains(displayName, '${name.slice(1, 4)}')`)).toEqual(
      where((c) => c.displayName.toLowerCase().includes(name.slice(1, 4).toLowerCase())),
    );
    expect(await numbers(`tolower(displayName) eq '${name.toLowerCase()}'`)).toEqual(["10000"]);
    expect(await numbers(`toupper(displayName) eq '${name.toUpperCase()}'`)).toEqual(["10000"]);
  });

  it("substring(field, start) and substring(field, start, length), 0-based as in OData", async () => {
    // The documented `substring(Location_Code, 5) eq 'RED'` is true for 'CODE RED'.
    const adatum = all.find((c) => c.number === "10000") as Json;
    const name = String(adatum.displayName);
    expect(await numbers(`substring(displayName, 5) eq '${name.slice(5)}'`)).toEqual(
      where((c) => c.displayName.slice(5).toLowerCase() === name.slice(5).toLowerCase()),
    );
    expect(await numbers(`substring(displayName, 0, 3) eq '${name.slice(0, 3)}'`)).toEqual(
      where((c) => c.displayName.slice(0, 3).toLowerCase() === name.slice(0, 3).toLowerCase()),
    );
    expect(await numbers(`'${name.slice(0, 3)}' eq substring(displayName, 0, 3)`)).toEqual(
      where((c) => c.displayName.slice(0, 3).toLowerCase() === name.slice(0, 3).toLowerCase()),
    );
    expect(await numbers("substring(number, 1) eq '0000'")).toEqual(where((c) => c.number.slice(1) === "0000"));
    expect(await numbers("substring(number, 0, 1) ne '1'")).toEqual(where((c) => c.number[0] !== "1"));
    expectError(
      await call(`${company}/customers?$filter=${encodeURIComponent("substring(displayName, 'x') eq 'a'")}`),
      400,
      "BadRequest_NotFound",
    );
  });

  it("GET open sales invoices above 1000.00 (devenv-connect-apps-filtering.md)", async () => {
    const invoices = (await call(`${company}/salesInvoices`)).body.value as Json[];
    const filter = "status eq 'Open' and totalAmountExcludingTax gt 1000.00";
    const reply = await call(`${company}/salesInvoices?$filter=${encodeURIComponent(filter)}`);
    expectCollectionReply(bc, reply, `companies(${bc.companyId()})/salesInvoices`, "salesInvoices");
    const expected = invoices.filter((i) => i.status === "Open" && i.totalAmountExcludingTax > 1000).map((i) => i.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(reply.body.value.map((i: Json) => i.id)).toEqual(expected);
  });

  it("GET customers changed since a time (dynamics-rate-limits.md)", async () => {
    const since = "2019-08-18T20:05:51.603Z";
    expect(await numbers(`lastModifiedDateTime gt ${since}`)).toEqual(
      where((c) => Date.parse(c.lastModifiedDateTime) > Date.parse(since)),
    );
    const latest = all
      .map((c) => c.lastModifiedDateTime)
      .sort()
      .at(-1);
    expect(await numbers(`lastModifiedDateTime gt ${latest}`)).toEqual([]);
  });
});
