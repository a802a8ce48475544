// What one request of each kind the sync engine sends costs the emulators, at two table sizes, read from the
// storage's ordered indexes and by filtering and sorting the whole table (the emulators' `indexed: false`, how
// they read before issue 13's indexes): issue 13 asks that id lists, ordered paging and `$filter` on modified time
// do not grow with the table. In process, without HTTP, limits or cost: the emulators' own CPU per request.
//   node --expose-gc --import tsx bench/emulators-scale.ts [sizes=10000,50000] [pages=10]
// (with --expose-gc, garbage is collected before each kind, so one kind's garbage is not charged to the next)
// Prints one JSON object: per size, per way of reading, milliseconds per request of each kind, and the growth
// (large ÷ small) of each; a kind that does not grow with the table has a growth near 1.

import { STANDARD_API } from "../emulators/businesscentral/entities/registry.ts";
import { ApiCore, type InnerRequest } from "../emulators/businesscentral/handlers/core.ts";
import { startBusinessCentralEmulator } from "../emulators/businesscentral/index.ts";
import { SYSTEM_USER_ID, startDataverseEmulator } from "../emulators/dataverse/index.ts";
import { Reader } from "../emulators/dataverse/read.ts";
import { DataverseService, type ServiceContext, type ServiceRequest } from "../emulators/dataverse/service.ts";
import { createTokenCodec } from "../emulators/odata/paging.ts";

const sizes = (process.argv[2] ?? "10000,50000").split(",").map(Number);
const PAGES = Number(process.argv[3] ?? 10);
const PAGE_SIZE = 1000;

type Timings = Record<string, number>;

/** Median milliseconds of `runs` calls of `one`. */
function time(runs: number, one: (i: number) => void): number {
  (globalThis as { gc?: () => void }).gc?.();
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    one(i);
    all.push(performance.now() - started);
  }
  all.sort((a, b) => a - b);
  return Math.round(all[Math.floor(all.length / 2)] * 100) / 100;
}

async function dataverse(records: number): Promise<Record<"indexed" | "scan", Timings>> {
  const dv = await startDataverseEmulator({ seed: `scale:${records}`, limits: "off", cost: "off" });
  try {
    const ctx: ServiceContext = {
      caller: { userId: SYSTEM_USER_ID, callingUserId: SYSTEM_USER_ID },
      now: new Date(),
      serviceRoot: new URL(dv.serviceRoot),
    };
    const serviceFor = (indexed: boolean) =>
      new DataverseService(
        dv.model,
        dv.records,
        new Reader(dv.model, dv.records, createTokenCodec("bench"), {
          now: () => Date.now(),
          expireChangeTrackingDays: () => 7,
          userId: () => SYSTEM_USER_ID,
          serviceRoot: () => dv.serviceRoot,
          indexed,
        }),
        () => ({ organizationId: "", businessUnitOf: () => "" }),
      );
    const accounts = dv.model.table("account");
    const ids = dv.records
      .rows(accounts)
      .values()
      .map((r) => r.accountid as string);
    const select = "$select=accountid,modifiedon,name,telephone1,emailaddress1,websiteurl,accountnumber";
    const out: Record<string, Timings> = {};
    let created = 0;
    for (const way of ["scan", "indexed"] as const) {
      const service = serviceFor(way === "indexed");
      const get = (query: string, prefer = `odata.maxpagesize=${PAGE_SIZE}`) => {
        const req: ServiceRequest = { method: "GET", path: "accounts", query, headers: { prefer }, body: "" };
        const res = service.handle(req, ctx);
        if (res.status !== 200) throw new Error(`${res.status} ${String(res.body).slice(0, 300)}`);
        return JSON.parse(String(res.body)) as Record<string, unknown>;
      };
      const next = (body: Record<string, unknown>) => {
        const link = body["@odata.nextLink"] as string | undefined;
        return link ? decodeURIComponent(link.slice(link.indexOf("?") + 1)) : undefined;
      };
      const pages = (query: string, prefer?: string) => {
        let q: string | undefined = query;
        return time(PAGES, () => {
          if (q === undefined) q = query;
          q = next(get(q, prefer));
        });
      };
      const t: Timings = {};
      const byModified = `${select}&$filter=${encodeURIComponent("modifiedon ge 2000-01-01T00:00:00Z")}&$orderby=${encodeURIComponent("modifiedon asc,accountid asc")}`;
      t["ordered page (modifiedon ge …, orderby modifiedon, accountid)"] = pages(byModified);
      t["change tracking page (initial read)"] = pages(select, `odata.maxpagesize=${PAGE_SIZE},odata.track-changes`);
      const list = (i: number) => ids.slice((i * 100) % (ids.length - 100), ((i * 100) % (ids.length - 100)) + 100);
      t["id list (100 × accountid eq … or …)"] = time(PAGES, (i) =>
        get(
          `${select}&$filter=${encodeURIComponent(
            list(i)
              .map((id) => `accountid eq ${id}`)
              .join(" or "),
          )}`,
        ),
      );
      t["Microsoft.Dynamics.CRM.In of 100 ids"] = time(PAGES, (i) =>
        get(
          `${select}&$filter=${encodeURIComponent(`Microsoft.Dynamics.CRM.In(PropertyName='accountid',PropertyValues=${JSON.stringify(list(i + 7))})`)}`,
        ),
      );
      // What a scheduled run reads: the changes of the last minutes (none here) ordered by modified time.
      const recent = new Date(Date.now() - 1000).toISOString();
      t["incremental read (modifiedon ge now - 1 s)"] = time(PAGES, () =>
        get(`${select}&$filter=${encodeURIComponent(`modifiedon ge ${recent}`)}&$orderby=modifiedon asc,accountid asc`),
      );
      const delta = get(select, `odata.maxpagesize=${PAGE_SIZE},odata.track-changes`);
      let deltaLink = delta["@odata.deltaLink"] as string | undefined;
      for (let q = next(delta); !deltaLink && q; ) {
        const body = get(q, `odata.maxpagesize=${PAGE_SIZE},odata.track-changes`);
        deltaLink = body["@odata.deltaLink"] as string | undefined;
        q = next(body);
      }
      const deltaQuery = deltaLink ? deltaLink.slice(deltaLink.indexOf("?") + 1) : "";
      // CreateMultiple of 100 accounts, then the page of the newest: writes keep the indexes (and the key list) in
      // step instead of making the next read re-sort the table.
      t["CreateMultiple of 100 + a page read"] = time(PAGES, () => {
        const targets = Array.from({ length: 100 }, () => ({
          "@odata.type": "Microsoft.Dynamics.CRM.account",
          name: `Bench ${++created}`,
        }));
        const res = service.handle(
          {
            method: "POST",
            path: "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
            query: "",
            headers: {},
            body: JSON.stringify({ Targets: targets }),
          },
          ctx,
        );
        if (res.status !== 200) throw new Error(`${res.status} ${String(res.body).slice(0, 300)}`);
        get(`${select}&$orderby=${encodeURIComponent("modifiedon desc,accountid asc")}`);
      });
      t["delta read (after those creates)"] = time(PAGES, () => get(deltaQuery, `odata.maxpagesize=${PAGE_SIZE}`));
      out[way] = t;
    }
    return out as Record<"indexed" | "scan", Timings>;
  } finally {
    await dv.close();
  }
}

async function businessCentral(records: number): Promise<Record<"indexed" | "scan", Timings>> {
  const bc = await startBusinessCentralEmulator({ seed: `scale:${records}`, limits: "off", cost: "off" });
  try {
    const companyId = bc.companyId();
    const company = bc.company(companyId);
    const ids = company.rows("customer").map((r) => String(r.id));
    const out: Record<string, Timings> = {};
    for (const way of ["scan", "indexed"] as const) {
      const core = new ApiCore({
        db: company.db,
        api: STANDARD_API,
        environment: "production",
        apiRoot: "http://bench/api/v2.0",
        tokens: createTokenCodec("bench"),
        defaultPageSize: 20_000,
        maxPageSize: 20_000,
        indexed: way === "indexed",
      });
      const get = (query: string) => {
        const req: InnerRequest = {
          method: "GET",
          path: `companies(${companyId})/customers`,
          query,
          headers: { prefer: `odata.maxpagesize=${PAGE_SIZE}` },
        };
        const res = core.handle(req);
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        return res.body as Record<string, unknown>;
      };
      const select = "$select=id,lastModifiedDateTime,displayName,phoneNumber,email,website";
      const t: Timings = {};
      const pages = (query: string) => {
        let q: string | undefined = query;
        return time(PAGES, () => {
          if (q === undefined) q = query;
          const link = get(q)["@odata.nextLink"] as string | undefined;
          q = link ? link.slice(link.indexOf("?") + 1) : undefined;
        });
      };
      t["ordered page (orderby lastModifiedDateTime)"] = pages(`${select}&$orderby=lastModifiedDateTime asc`);
      t["ordered page (lastModifiedDateTime ge …)"] = pages(
        `${select}&$filter=${encodeURIComponent("lastModifiedDateTime ge 2000-01-01T00:00:00Z")}&$orderby=lastModifiedDateTime asc`,
      );
      t["ordered page (lastModifiedDateTime ge … and displayName ne …)"] = pages(
        `${select}&$filter=${encodeURIComponent("lastModifiedDateTime ge 2000-01-01T00:00:00Z and displayName ne 'x'")}&$orderby=lastModifiedDateTime asc`,
      );
      const recent = new Date(Date.now() - 1000).toISOString();
      t["incremental read (lastModifiedDateTime ge now - 1 s)"] = time(PAGES, () =>
        get(
          `${select}&$filter=${encodeURIComponent(`lastModifiedDateTime ge ${recent}`)}&$orderby=lastModifiedDateTime asc`,
        ),
      );
      t["id list (100 × id eq … or …)"] = time(PAGES, (i) => {
        const list = ids.slice((i * 100) % (ids.length - 100), ((i * 100) % (ids.length - 100)) + 100);
        get(`${select}&$filter=${encodeURIComponent(list.map((id) => `id eq ${id}`).join(" or "))}`);
      });
      out[way] = t;
    }
    return out as Record<"indexed" | "scan", Timings>;
  } finally {
    await bc.close();
  }
}

const results: Record<string, { dataverse: Record<string, Timings>; businessCentral: Record<string, Timings> }> = {};
for (const size of sizes) {
  process.stderr.write(`emulators at ${size} rows ...\n`);
  results[size] = { dataverse: await dataverse(size), businessCentral: await businessCentral(size) };
}
const [small, large] = [sizes[0], sizes[sizes.length - 1]];
const growth: Record<string, Record<string, Record<string, number>>> = {};
if (small !== large) {
  for (const service of ["dataverse", "businessCentral"] as const) {
    growth[service] = {};
    for (const way of ["scan", "indexed"]) {
      growth[service][way] = {};
      for (const [kind, ms] of Object.entries(results[large][service][way])) {
        const before = results[small][service][way][kind];
        growth[service][way][kind] = Math.round((ms / Math.max(before, 0.01)) * 10) / 10;
      }
    }
  }
}
process.stdout.write(`${JSON.stringify({ pageSize: PAGE_SIZE, pagesTimed: PAGES, results, growth }, null, 2)}\n`);
