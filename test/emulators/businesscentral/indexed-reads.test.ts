// Indexed page reads of the Business Central emulator (emulators/businesscentral/handlers/indexed.ts) against the
// plain scan (`indexed: false`: every list filters and sorts all its rows): over random customers (ties, blanks,
// date-times of several shapes), the lines of a few orders (a parent) and a scoped companion page, random queries
// ($filter with time bounds, lists of ids, contains, `or` on one field; $orderby both ways; $top, $skip, $count,
// odata.maxpagesize) answer the same status, headers and body on every page (rows, order, nextLink and its offset
// skiptoken), with rows written between pages; errors are the same errors. Results only, no timings. Also the
// uniqueness check on insert (an equality index instead of a scan) against duplicates and renames.
import { describe, expect, it } from "vitest";
import { COMPANION_API_DEF, STANDARD_API } from "../../../emulators/businesscentral/entities/registry.ts";
import { ApiCore, errorResponse, type InnerResponse } from "../../../emulators/businesscentral/handlers/core.ts";
import { BcDatabase, type CompanyStore } from "../../../emulators/businesscentral/store/database.ts";
import { createTokenCodec } from "../../../emulators/odata/paging.ts";
import { seededRandom as random } from "../../../emulators/runtime/faults.ts";
import { openStore } from "../../../emulators/runtime/storage.ts";

const hex = (next: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
const guid = (next: () => number) =>
  `${hex(next, 8)}-${hex(next, 4)}-4${hex(next, 3)}-a${hex(next, 3)}-${hex(next, 12)}`;
const T = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();

function stamp(next: () => number, shape: "ms" | "mixed" | "odd"): string | undefined {
  if (next() < 0.05) return undefined;
  const iso = T(Math.floor(next() * 40));
  if (shape === "mixed" && next() < 0.4) return `${iso.slice(0, 19)}Z`;
  if (shape === "odd" && next() < 0.1) return "2026-02-30T00:00:00.000Z";
  return iso;
}

function world(seed: number, shape: "ms" | "mixed" | "odd") {
  const next = random(seed);
  const db = new BcDatabase(openStore());
  const company = db.addCompany("production", "CRONUS");
  const core = (api: typeof STANDARD_API, indexed: boolean) =>
    new ApiCore({
      db,
      api,
      environment: "production",
      apiRoot: "http://localhost/api/v2.0",
      tokens: createTokenCodec("secret"),
      defaultPageSize: 20_000,
      maxPageSize: 20_000,
      indexed,
    });
  const names = ["Adatum", "adatum", "Fabrikam", "FABRIKAM", "Trey", "", "Alpine"];
  const raw = (table: string) => db.store.table(`bc:production:${company.id}:${table}`);
  // Initial rows written raw (any stamps), before anything is read; later writes go through the company store.
  const customers: string[] = [];
  for (let i = 0; i < 240; i++) {
    const id = guid(next);
    customers.push(id);
    raw("customer").put(id, {
      id,
      number: `C${String(Math.floor(next() * 400)).padStart(5, "0")}`,
      displayName: names[Math.floor(next() * names.length)],
      lastModifiedDateTime: stamp(next, shape),
      $v: 1,
    });
  }
  const orders = [guid(next), guid(next), guid(next)];
  for (const id of orders) raw("salesOrder").put(id, { id, number: `S-${id.slice(0, 4)}`, $v: 1 });
  for (let i = 0; i < 200; i++) {
    const id = guid(next);
    raw("salesOrderLine").put(id, {
      id,
      documentId: orders[Math.floor(next() * 3)],
      sequence: Math.floor(next() * 50) * 10000,
      description: names[Math.floor(next() * names.length)],
      lastModifiedDateTime: stamp(next, shape),
      $v: 1,
    });
  }
  for (let i = 0; i < 150; i++) {
    const id = guid(next);
    raw("sourceUnitOfMeasure").put(id, {
      id,
      sourceType: next() < 0.6 ? "Item" : "Resource",
      sourceNumber: `I${Math.floor(next() * 30)}`,
      code: ["PCS", "BOX", "pcs", "KG"][Math.floor(next() * 4)],
      lastModifiedDateTime: stamp(next, shape),
      $v: 1,
    });
  }
  // Counts the reads that walked an ordered index (not the equality indexes of uniqueness checks).
  let indexReads = 0;
  for (const table of ["customer", "salesOrderLine", "sourceUnitOfMeasure"]) {
    const t = raw(table);
    const index = t.index.bind(t);
    t.index = (name, spec) => {
      if (name.startsWith("order")) indexReads++;
      return index(name, spec);
    };
  }
  const write = () => {
    const r = next();
    const table = ["customer", "salesOrderLine", "sourceUnitOfMeasure"][Math.floor(next() * 3)];
    const rows = company.rows(table);
    if (r < 0.4) {
      const id = guid(next);
      if (table === "customer") customers.push(id);
      company.insert(table, {
        id,
        displayName: names[Math.floor(next() * names.length)],
        description: names[Math.floor(next() * names.length)],
        documentId: orders[Math.floor(next() * 3)],
        sequence: Math.floor(next() * 50) * 10000,
        sourceType: "Item",
        code: "PCS",
      });
    } else if (r < 0.85 && rows.length > 0) {
      const row = rows[Math.floor(next() * rows.length)];
      company.update(table, String(row.id), {
        displayName: names[Math.floor(next() * names.length)],
        description: `${next()}`,
      });
    } else if (rows.length > 0) company.delete(table, String(rows[Math.floor(next() * rows.length)].id));
  };
  return { next, db, company, customers, orders, write, core, indexReads: () => indexReads };
}

function answer(core: ApiCore, path: string, query: string, prefer?: string): InnerResponse {
  try {
    return core.handle({ method: "GET", path, query, headers: prefer ? { prefer } : {} });
  } catch (error) {
    return errorResponse(error, "correlation");
  }
}

describe("indexed Business Central reads answer as the full scan", () => {
  for (const [seed, shape] of [
    [1, "ms"],
    [2, "mixed"],
    [3, "odd"],
    [4, "ms"],
  ] as const) {
    it(`pages of random queries, rows written between pages (seed ${seed}, ${shape} times)`, () => {
      const w = world(seed, shape);
      const standard = { indexed: w.core(STANDARD_API, true), scan: w.core(STANDARD_API, false) };
      const companion = { indexed: w.core(COMPANION_API_DEF, true), scan: w.core(COMPANION_API_DEF, false) };
      const t = () => T(Math.floor(w.next() * 42) - 1);
      let pages = 0;
      for (let q = 0; q < 90; q++) {
        const target = w.next();
        let path: string;
        let filters: (string | undefined)[];
        let orders: (string | undefined)[];
        let cores = standard;
        if (target < 0.55) {
          path = `companies(${w.company.id})/customers`;
          const ids = w.customers.slice(0, 4);
          filters = [
            undefined,
            `lastModifiedDateTime ge ${t()}`,
            `lastModifiedDateTime gt ${t()} and lastModifiedDateTime lt ${t()}`,
            `${t()} le lastModifiedDateTime`,
            `lastModifiedDateTime ge ${t()} and displayName ne 'Trey'`,
            `lastModifiedDateTime ge ${t()} or lastModifiedDateTime eq null`,
            "displayName eq 'adatum' or displayName eq 'Alpine'",
            "contains(displayName,'at')",
            `id eq ${ids[0]} or id eq ${ids[1]} or id eq ${ids[2]}`,
            "number gt 'C00200'",
            "displayName eq 'Trey' or number eq 'C00001'",
            "blocked eq ' '",
          ];
          orders = [
            undefined,
            "lastModifiedDateTime asc",
            "lastModifiedDateTime desc",
            "displayName asc,lastModifiedDateTime desc",
            "number desc",
            "balanceDue asc",
          ];
        } else if (target < 0.8) {
          path = `companies(${w.company.id})/salesOrders(${w.orders[Math.floor(w.next() * 3)]})/salesOrderLines`;
          filters = [undefined, "sequence gt 200000", "description eq 'adatum'", `lastModifiedDateTime ge ${t()}`];
          orders = [undefined, "sequence desc", "lastModifiedDateTime asc", "description asc,sequence asc"];
        } else {
          path = `companies(${w.company.id})/itemUnitsOfMeasure`;
          cores = companion;
          filters = [undefined, "code eq 'pcs'", `lastModifiedDateTime ge ${t()}`, "itemNumber eq 'I3'"];
          orders = [undefined, "lastModifiedDateTime desc", "code asc"];
        }
        const filter = filters[Math.floor(w.next() * filters.length)];
        const orderby = orders[Math.floor(w.next() * orders.length)];
        const parts: string[] = [];
        if (filter) parts.push(`$filter=${encodeURIComponent(filter)}`);
        if (orderby) parts.push(`$orderby=${encodeURIComponent(orderby)}`);
        if (w.next() < 0.15) parts.push(`$skip=${Math.floor(w.next() * 20)}`);
        if (w.next() < 0.2) parts.push(`$top=${Math.floor(w.next() * 30)}`);
        if (w.next() < 0.1) parts.push("$count=true");
        const prefer = w.next() < 0.85 ? `odata.maxpagesize=${[1, 4, 9, 60, 80][Math.floor(w.next() * 5)]}` : undefined;
        // Half the queries page through rows nothing writes to (a page size that divides the count ends exactly).
        const writes = w.next() < 0.5;
        let query: string | undefined = parts.join("&");
        for (let page = 0; query !== undefined && page < 40; page++) {
          const a = answer(cores.indexed, path, query, prefer);
          const b = answer(cores.scan, path, query, prefer);
          expect(a, `${path}?${query} (${prefer})`).toEqual(b);
          pages++;
          const link = (a.body as Record<string, unknown> | undefined)?.["@odata.nextLink"] as string | undefined;
          query = link?.slice(link.indexOf("?") + 1);
          if (writes && w.next() < 0.5) for (let i = 0; i < 3; i++) w.write();
        }
      }
      expect(pages).toBeGreaterThan(200);
      expect(w.indexReads()).toBeGreaterThan(pages / 3);
    });
  }

  it("refuses a duplicate number on insert and rename, and accepts a freed one", () => {
    const w = world(9, "ms");
    const core = w.core(STANDARD_API, true);
    const post = (body: Record<string, unknown>) =>
      (() => {
        try {
          return core.handle({
            method: "POST",
            path: `companies(${w.company.id})/customers`,
            query: "",
            headers: {},
            body,
          });
        } catch (error) {
          return errorResponse(error, "c");
        }
      })();
    const first = post({ number: "D-1", displayName: "One" });
    expect(first.status).toBe(201);
    expect(post({ number: "D-1", displayName: "Two" }).status).toBe(400);
    const second = post({ number: "D-2", displayName: "Two" });
    expect(second.status).toBe(201);
    const id = (second.body as { id: string }).id;
    const etag = (second.body as { "@odata.etag": string })["@odata.etag"];
    const patch = (number: string, ifMatch: string) => {
      try {
        return core.handle({
          method: "PATCH",
          path: `companies(${w.company.id})/customers(${id})`,
          query: "",
          headers: { "if-match": ifMatch },
          body: { number },
        });
      } catch (error) {
        return errorResponse(error, "c");
      }
    };
    expect(patch("D-1", etag).status).toBe(400);
    const renamed = patch("D-3", etag);
    expect(renamed.status).toBe(200);
    // D-2 is free again; D-3 is taken.
    expect(post({ number: "D-2", displayName: "Again" }).status).toBe(201);
    expect(post({ number: "D-3", displayName: "Clash" }).status).toBe(400);
    const store: CompanyStore = w.company;
    expect(store.filter("customer", (r) => r.number === "D-2")).toHaveLength(1);
  });
});
