// Indexed table reads (emulators/dataverse/read.ts over emulators/odata/indexed.ts) against the plain scan: over
// random accounts (ties, nulls, text in two cases, date-times of several shapes) and random queries ($filter with
// time bounds, lists, `or`, `not`, In; $orderby on text, numbers and times both ways; $top, odata.maxpagesize,
// change tracking and delta reads), every page of every query, with rows written between pages, is the same body
// (rows, order, nextLink and its skiptoken, deltaLink) whether it is read from the indexes or by filtering and
// sorting the whole table; errors are the same errors. Results only: no timing is asserted.
import { describe, expect, it } from "vitest";
import { DataverseFault } from "../../../emulators/dataverse/errors.ts";
import { Model, type TableModel } from "../../../emulators/dataverse/model.ts";
import { parsePrefer, Reader } from "../../../emulators/dataverse/read.ts";
import { Records, type Row } from "../../../emulators/dataverse/records.ts";
import { createTokenCodec } from "../../../emulators/odata/paging.ts";
import { parseQueryString } from "../../../emulators/odata/query.ts";
import { seededRandom as random } from "../../../emulators/runtime/faults.ts";
import { openStore } from "../../../emulators/runtime/storage.ts";

const ROOT = "http://localhost/api/data/v9.2/";
const hex = (next: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
const guid = (next: () => number) =>
  `${hex(next, 8)}-${hex(next, 4)}-4${hex(next, 3)}-a${hex(next, 3)}-${hex(next, 12)}`;

/** A time of a small set (ties), in the shape the trial stores. */
function stamp(next: () => number, shape: "s" | "ms" | "mixed" | "odd"): string | null {
  if (next() < 0.08) return null;
  const ms = Date.UTC(2026, 0, 1) + Math.floor(next() * 40) * 1000 + (shape === "s" ? 0 : Math.floor(next() * 3));
  const iso = new Date(ms).toISOString();
  if (shape === "ms" || (shape === "mixed" && next() < 0.5)) return iso;
  if (shape === "odd" && next() < 0.1) return next() < 0.5 ? "2026-02-30T00:00:00Z" : "yesterday";
  return `${iso.slice(0, 19)}Z`;
}

function world(seed: number, shape: "s" | "ms" | "mixed" | "odd") {
  const next = random(seed);
  const store = openStore();
  const model = new Model();
  const records = new Records(store, model);
  const account = model.table("account");
  const reader = (indexed: boolean) =>
    new Reader(model, records, createTokenCodec("secret"), {
      now: () => Date.UTC(2026, 0, 2),
      expireChangeTrackingDays: () => 7,
      userId: () => "",
      serviceRoot: () => ROOT,
      indexed,
    });
  let version = 0;
  const names = ["Alpha", "alpha", "BETA", "beta", "Gamma", "al%pha", "", null];
  // A lookup's values: a few ids (rows share them), stored in either case, or none.
  const contacts = CONTACTS.flatMap((id) => [id, id.toUpperCase()]);
  const ids: string[] = [];
  const put = (id: string) => {
    const row: Row = {
      accountid: id,
      name: names[Math.floor(next() * names.length)],
      modifiedon: stamp(next, shape),
      revenue: next() < 0.2 ? null : Math.floor(next() * 10) * 100,
      accountnumber: next() < 0.5 ? null : `A${Math.floor(next() * 5)}`,
      _primarycontactid_value: next() < 0.2 ? null : contacts[Math.floor(next() * contacts.length)],
      versionnumber: ++version,
    };
    store.table("__meta").put("version", { value: version });
    records.rows(account).put(id, row);
  };
  const write = () => {
    const r = next();
    if (r < 0.5 || ids.length === 0) {
      const id = guid(next);
      ids.push(id);
      put(id);
    } else if (r < 0.85) put(ids[Math.floor(next() * ids.length)]);
    else {
      const id = ids.splice(Math.floor(next() * ids.length), 1)[0];
      if (records.rows(account).delete(id)) store.table("__deleted:account").put(id, { id, version: ++version });
      store.table("__meta").put("version", { value: version });
    }
  };
  for (let i = 0; i < 300; i++) write();
  // Counts the reads that used an ordered index (the indexed reader asks the table for one on each).
  const table = records.rows(account);
  const index = table.index.bind(table);
  let indexReads = 0;
  table.index = (name, spec) => {
    indexReads++;
    return index(name, spec);
  };
  return { next, account, indexed: reader(true), scan: reader(false), write, ids, indexReads: () => indexReads };
}

type Answer = { body: Record<string, unknown>; rowsRead: number; applied: string[] } | { error: string };

function read(reader: Reader, table: TableModel, query: string, prefer: string): Answer {
  const parsed = parseQueryString(query);
  if (!parsed.ok) throw new Error(parsed.message);
  try {
    reader.beginRequest();
    const result = reader.list(table, parsed.options, parsePrefer(prefer), ROOT, query);
    return { body: result.body, rowsRead: result.rowsRead, applied: result.preferenceApplied };
  } catch (error) {
    if (error instanceof DataverseFault) return { error: error.message };
    throw error;
  }
}

const CONTACTS = [
  "0b9f3a52-1c11-4e6b-9d55-000000000001",
  "0b9f3a52-1c11-4e6b-9d55-00000000000a",
  "7e2d10c4-58aa-4f0e-8f3b-0000000000b2",
];
const T = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString().replace(".000Z", "Z");
const FILTERS = (next: () => number, ids: string[]): (string | undefined)[] => {
  const t = () => T(Math.floor(next() * 42) - 1);
  const some = () => ids.slice(0, 5).map((id) => `"${id.toUpperCase()}"`);
  return [
    undefined,
    `modifiedon ge ${t()}`,
    `modifiedon gt ${t()} and modifiedon le ${t()}`,
    `${t()} lt modifiedon`,
    `modifiedon ge ${t()} and accountnumber eq null`,
    `modifiedon lt ${t()} or name eq 'beta'`,
    `not (modifiedon ge ${t()})`,
    `modifiedon ge 2026-01-01 and revenue gt 300`,
    "accountnumber eq null",
    "contains(name,'al')",
    "startswith(name,'al%')",
    "revenue gt 500 or name eq 'BETA'",
    "tolower(name) eq 'alpha' and modifiedon ne null",
    `modifiedon ge ${t()} and (revenue lt 300 or accountnumber ne null)`,
    `Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=["alpha","Gamma"])`,
    `Microsoft.Dynamics.CRM.In(PropertyName='accountid',PropertyValues=[${some().join(",")}])`,
    `accountid eq ${ids[0]} or accountid eq ${ids[1]}`,
    `Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='modifiedon',PropertyValue='2026-01-01')`,
    "substring(name,1) eq 'lpha'",
    "modifiedon ge 'not a date'",
    // Lists on a column other than the key, as the order flow reads lines (served from an index of the column).
    `_primarycontactid_value eq ${CONTACTS[0]}`,
    `_primarycontactid_value eq ${CONTACTS[1].toUpperCase()} or _primarycontactid_value eq ${CONTACTS[2]}`,
    `(_primarycontactid_value eq ${CONTACTS[0]} or _primarycontactid_value eq ${CONTACTS[2]}) and modifiedon ge ${t()}`,
    "name eq 'alpha' or name eq 'BETA' or name eq ''",
    "accountnumber eq 'a1' or accountnumber eq 'A3'",
    `_primarycontactid_value eq 'not-a-guid' or _primarycontactid_value eq ${CONTACTS[1]}`,
  ];
};
const ORDERS = [
  undefined,
  "modifiedon asc",
  "modifiedon desc",
  "modifiedon asc,accountid asc",
  "modifiedon desc,name asc",
  "name asc",
  "name desc,modifiedon asc",
  "revenue desc",
  "accountnumber asc,revenue asc",
  "accountid desc",
];

describe("indexed Dataverse reads answer as the full scan", () => {
  for (const [seed, shape] of [
    [1, "s"],
    [2, "ms"],
    [3, "mixed"],
    [4, "odd"],
    [5, "s"],
  ] as const) {
    it(`pages of random queries, rows written between pages (seed ${seed}, ${shape} times)`, () => {
      const w = world(seed, shape);
      let pages = 0;
      for (let q = 0; q < 70; q++) {
        const filters = FILTERS(w.next, w.ids);
        const filter = filters[Math.floor(w.next() * filters.length)];
        const orderby = ORDERS[Math.floor(w.next() * ORDERS.length)];
        const parts = ["$select=name,modifiedon,revenue"];
        if (filter) parts.push(`$filter=${encodeURIComponent(filter)}`);
        if (orderby) parts.push(`$orderby=${encodeURIComponent(orderby)}`);
        const mode = w.next();
        let prefer = "";
        if (mode < 0.6) prefer = `odata.maxpagesize=${[2, 7, 40, 500][Math.floor(w.next() * 4)]}`;
        else if (mode < 0.8) parts.push(`$top=${[0, 1, 5, 50][Math.floor(w.next() * 4)]}`);
        else if (mode < 0.9) parts.push("$count=true");
        let query: string | undefined = parts.join("&");
        for (let page = 0; query !== undefined && page < 40; page++) {
          const a = read(w.indexed, w.account, query, prefer);
          const b = read(w.scan, w.account, query, prefer);
          expect(a, `${query} (${prefer})`).toEqual(b);
          pages++;
          const link = "body" in a ? (a.body["@odata.nextLink"] as string | undefined) : undefined;
          query = link?.slice(link.indexOf("?") + 1);
          if (w.next() < 0.3) for (let i = 0; i < 3; i++) w.write();
        }
      }
      expect(pages).toBeGreaterThan(140);
      // The indexes served most of them (the rest are lists of ids, counts and filters left to the scan).
      expect(w.indexReads()).toBeGreaterThan(pages / 3);
    });

    it(`change tracking and delta reads (seed ${seed}, ${shape} times)`, () => {
      const w = world(seed + 100, shape);
      let deltaPages = 0;
      for (let round = 0; round < 10; round++) {
        const prefer = `odata.track-changes,odata.maxpagesize=${[3, 9, 1000][round % 3]}`;
        let query: string | undefined = "$select=name,modifiedon";
        let delta: string | undefined;
        for (let page = 0; query !== undefined && page < 400; page++) {
          const a = read(w.indexed, w.account, query, prefer);
          const b = read(w.scan, w.account, query, prefer);
          expect(a, query).toEqual(b);
          if (!("body" in a)) break;
          const link = (a.body["@odata.nextLink"] ?? a.body["@odata.deltaLink"]) as string | undefined;
          if (a.body["@odata.deltaLink"]) delta = link;
          query = a.body["@odata.nextLink"] ? link?.slice(link.indexOf("?") + 1) : undefined;
          if (w.next() < 0.4) for (let i = 0; i < 4; i++) w.write();
        }
        // Changes since the deltaLink, paged, with writes in between.
        for (let i = 0; i < 30; i++) w.write();
        query = delta ? decodeURIComponent(delta.slice(delta.indexOf("?") + 1)) : undefined;
        if (query) query = query.replace("$deltatoken=", "$deltatoken=").replace(/ /g, "%20");
        for (let page = 0; query !== undefined && page < 400; page++) {
          const raw = query;
          deltaPages++;
          const a = read(w.indexed, w.account, raw, prefer);
          const b = read(w.scan, w.account, raw, prefer);
          expect(a, raw).toEqual(b);
          if (!("body" in a)) break;
          const link = a.body["@odata.nextLink"] as string | undefined;
          query = link?.slice(link.indexOf("?") + 1);
          if (w.next() < 0.4) for (let j = 0; j < 4; j++) w.write();
        }
      }
      expect(deltaPages).toBeGreaterThan(10);
    });
  }
});
