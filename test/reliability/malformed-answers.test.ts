// Issue 14, "Bad input: malformed API responses": a rewriting proxy between the engine and the emulators answers
// what a broken service, gateway or proxy might (a row with a wrong type, a missing ETag, a body cut short or not
// UTF-8, a nextLink that loops or leaves the host). Each case checks the catalogued code, the record and field it
// names, that the other records went through, that nothing was duplicated, and that a run after the proxy stops
// rewriting converges (every record exactly once, and one more run writes nothing).
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningEmulators } from "../../emulators/index.ts";
import { runOutcome } from "../../src/cli/commands/sync.ts";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { BUSINESS_CENTRAL_SCOPE } from "../../src/connectors/businesscentral/client.ts";
import {
  type BusinessCentralClient,
  COMPANION_API,
  type DataverseClient,
  type Row,
} from "../../src/connectors/index.ts";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import type { TableMapping } from "../../src/engine/model.ts";
import { type EngineDeps, runMapping } from "../../src/engine/runner.ts";
import type { Store } from "../../src/store/index.ts";
import { businessCentralClient, dataverseClient, startTestEmulators } from "../connectors/emulators.ts";
import { customerMapping, unwrap } from "../engine/harness.ts";
import { answerJson, type RewritingProxy, rewriteRows, startRewritingProxy } from "../helpers/rewriting-proxy.ts";
import { STORE_DIALECTS } from "../helpers/store-dialects.ts";

interface World {
  emulators: RunningEmulators;
  /** Proxies in front of each emulator: the engine talks to these. */
  dvProxy: RewritingProxy;
  bcProxy: RewritingProxy;
  /** Direct clients, for setting up and checking (never rewritten). */
  dv: DataverseClient;
  bc: BusinessCentralClient;
  engineDv: DataverseClient;
  engineBc: BusinessCentralClient;
  companyId: string;
  store: Store;
  deps: EngineDeps;
  close(): Promise<void>;
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Emulators, proxies, clients and a store for one test (closed after it). */
async function startWorld(mapping: TableMapping, open: () => Promise<Store> = STORE_DIALECTS[0].open): Promise<World> {
  world = await buildWorld(mapping, open);
  return world;
}

async function buildWorld(mapping: TableMapping, open: () => Promise<Store>): Promise<World> {
  const emulators = await startTestEmulators({ seed: "empty" });
  const dvProxy = await startRewritingProxy(emulators.info.dataverse.url);
  const bcProxy = await startRewritingProxy(emulators.info.businessCentral.url);
  const dv = dataverseClient(emulators);
  const bc = businessCentralClient(emulators);
  // Only the URLs differ: the tokens are for the services behind the proxies.
  const engineDv = dataverseClient(emulators, {
    url: dvProxy.origin,
    scope: `${emulators.info.dataverse.url}/.default`,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  const bcUrl = new URL(emulators.info.businessCentral.url);
  const engineBc = businessCentralClient(emulators, {
    url: `${bcProxy.origin}${bcUrl.pathname === "/" ? "" : bcUrl.pathname}`,
    scope: BUSINESS_CENTRAL_SCOPE,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  const companyId = emulators.info.businessCentral.companies[0].id;
  const store = await open();
  // No integration user: the test's own Dataverse rows (made with the engine's app) are to be synced, not skipped
  // as the integration user's; bcsync's own writes are still known by their versions.
  const deps: EngineDeps = {
    store,
    ports: connectorPorts({ dataverse: engineDv, businessCentral: engineBc, companyId }),
    mappings: (name) => (name === mapping.name ? mapping : undefined),
    // Runs start an hour after the records' stamps, as for records changed long before a scheduled run: the
    // watermark then moves to the newest stamp read (not one overlap window before the run), so a refused row
    // older than the rows after it is read again only because the watermark held before it.
    now: () => new Date(Date.now() + 3_600_000),
  };
  return {
    emulators,
    dvProxy,
    bcProxy,
    dv,
    bc,
    engineDv,
    engineBc,
    companyId,
    store,
    deps,
    async close() {
      await store.close();
      for (const c of [dv, bc, engineDv, engineBc]) await c.close();
      await dvProxy.close();
      await bcProxy.close();
      await emulators.close();
    },
  };
}

const toDataverse = customerMapping({ direction: "toDataverse" });
const fromDataverse = customerMapping({ direction: "fromDataverse" });

async function createCustomers(w: World, count: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    rows.push(
      unwrap(await w.bc.company(w.companyId).create("customers", { displayName: `Customer ${i} ${randomUUID()}` })),
    );
  }
  return rows;
}

async function allRows(pages: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>) {
  const rows: Row[] = [];
  for await (const page of pages) rows.push(...unwrap(page).rows);
  return rows;
}

/** Names of every Dataverse account, with how many accounts carry each. */
async function accountNames(w: World): Promise<Map<string, number>> {
  const names = new Map<string, number>();
  for (const row of await allRows(w.dv.pages("accounts", { select: ["name"] }))) {
    names.set(String(row.name), (names.get(String(row.name)) ?? 0) + 1);
  }
  return names;
}

/** After the proxy stops rewriting: a run syncs what was left, every record once, and one more run writes nothing. */
async function expectConverges(w: World, mapping: TableMapping, expected: () => Promise<void>) {
  w.bcProxy.rewrite = undefined;
  w.dvProxy.rewrite = undefined;
  const [rerun] = await runMapping(w.deps, mapping.name);
  expect(rerun.status, rerun.message).toBe("succeeded");
  await expected();
  const [idle] = await runMapping(w.deps, mapping.name);
  expect(idle.status).toBe("succeeded");
  expect(idle.counters).toMatchObject({ inserted: 0, modified: 0, failed: 0 });
}

/** The Business Central customers read of a sync (not a read by id). */
const isCustomerRead = (path: string) => path.includes("/customers?") && path.includes("$orderby=");

describe("malformed answers from Business Central", () => {
  it("a row with a value that is an object, an id that is not a GUID or no ETag is refused alone, named by record and field", async () => {
    const w = await startWorld(toDataverse);
    const customers = await createCustomers(w, 6);
    const [badValue, badId, noEtag] = [customers[1], customers[3], customers[4]];
    w.bcProxy.rewrite = (req, answer) =>
      isCustomerRead(req.path)
        ? rewriteRows(answer, (row) => {
            if (row.id === badValue.id) return { ...row, displayName: { text: "not a string" } };
            if (row.id === badId.id) return { ...row, id: 12345 };
            if (row.id === noEtag.id) {
              const { "@odata.etag": _, ...rest } = row;
              return rest;
            }
            return row;
          })
        : undefined;

    const [pass] = await runMapping(w.deps, toDataverse.name);
    expect(w.bcProxy.rewritten).toBeGreaterThan(0);
    expect(pass.status).toBe("failed");
    expect(pass.counters).toMatchObject({ inserted: 3, failed: 3 });
    const errors = await w.store.jobs.errors({ jobId: pass.jobId });
    const byField = new Map(errors.map((e) => [e.field, e]));
    expect(errors.map((e) => e.code)).toEqual(Array(3).fill("BCSYNC_E_CONNECTOR_RECORD_MALFORMED"));
    const path = `api/v2.0/companies(${w.companyId})/customers`;
    expect(byField.get("displayName")).toMatchObject({ sourceId: String(badValue.id) });
    expect(byField.get("displayName")?.message).toBe(
      `Business Central answered ${path} with record ${badValue.id} whose displayName is not usable: an object where a value (text, number, true/false or null) is expected.`,
    );
    // An id that is not one names the row by its place in the answer.
    expect(byField.get("id")).toMatchObject({ sourceId: "-" });
    expect(byField.get("id")?.message).toMatch(
      /record #\d of the page whose id is not usable: the id is the number 12345/,
    );
    expect(byField.get("@odata.etag")).toMatchObject({ sourceId: String(noEtag.id) });
    // The other records went through, once each.
    const names = await accountNames(w);
    for (const c of customers) {
      const refused = [badValue, badId, noEtag].includes(c);
      expect(names.get(String(c.displayName)), String(c.displayName)).toBe(refused ? undefined : 1);
    }

    await expectConverges(w, toDataverse, async () => {
      const after = await accountNames(w);
      for (const c of customers) expect(after.get(String(c.displayName))).toBe(1);
      expect(await w.store.couplings.count(toDataverse.name)).toBe(6);
    });
  });

  it("a body cut short or not UTF-8 once is read again; every time, the run fails with RESPONSE_UNREADABLE and writes nothing", async () => {
    const w = await startWorld(toDataverse);
    const customers = await createCustomers(w, 3);
    // Once: a proxy cutting one answer short. The page is asked for again and the run goes through.
    let cut = 0;
    w.bcProxy.rewrite = (req, answer) =>
      isCustomerRead(req.path) && cut++ === 0 ? answer.body.subarray(0, answer.body.length - 20) : undefined;
    const [once] = await runMapping(w.deps, toDataverse.name);
    expect(w.bcProxy.rewritten).toBe(1);
    expect(once.status, once.message).toBe("succeeded");
    expect(once.counters.inserted).toBe(3);

    // Every time: Latin-1 bytes in place of UTF-8 (a re-encoding proxy). Nothing is written from the answer.
    const more = await createCustomers(w, 2);
    w.bcProxy.rewrite = (req, answer) =>
      isCustomerRead(req.path)
        ? Buffer.from(answer.body.toString("utf8").replace(/Customer/g, "Cüstomer"), "latin1")
        : undefined;
    const [failed] = await runMapping(w.deps, toDataverse.name);
    expect(failed.status).toBe("failed");
    expect(failed.message).toMatch(
      /^BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE: Business Central answered GET api\/v2\.0\/companies\(.+\)\/customers\?.* with a body bcsync cannot decode: status 200: the body is not UTF-8 \(invalid bytes at offset \d+\)\.$/,
    );
    expect(failed.counters).toMatchObject({ inserted: 0, modified: 0 });
    expect((await accountNames(w)).has(String(more[0].displayName))).toBe(false);

    await expectConverges(w, toDataverse, async () => {
      const names = await accountNames(w);
      for (const c of [...customers, ...more]) expect(names.get(String(c.displayName))).toBe(1);
    });
  });

  it("a nextLink back to a page already read, or to another host, stops the read with RESPONSE_MALFORMED", async () => {
    const mapping = customerMapping({ direction: "toDataverse" });
    const w = await startWorld(mapping);
    const customers = await createCustomers(w, 5);
    const runWith = async (link: (self: string) => string) => {
      let pages = 0;
      w.bcProxy.rewrite = (req, answer) => {
        const body = isCustomerRead(req.path) ? answerJson(answer) : undefined;
        if (!body?.["@odata.nextLink"]) return undefined;
        pages++;
        return { ...body, "@odata.nextLink": link(`${w.bcProxy.origin}${req.path}`) };
      };
      const [pass] = await runMapping(w.deps, mapping.name, { pageSize: 2 });
      return { pass, pages };
    };
    // Every page links to itself: without the guard the read would never end.
    const loop = await runWith((self) => self);
    expect(loop.pages).toBe(1);
    expect(loop.pass.status).toBe("failed");
    expect(loop.pass.message).toMatch(
      /^BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED: Business Central answered api\/v2\.0\/companies\(.+\)\/customers\?.* with a response bcsync cannot read: the nextLink leads back to a page already read \(a paging loop\)\.$/,
    );
    const elsewhere = await runWith((self) => self.replace(w.bcProxy.origin, "http://198.51.100.7:8080"));
    expect(elsewhere.pass.status).toBe("failed");
    expect(elsewhere.pass.message).toContain("the nextLink points at another host (198.51.100.7:8080)");
    // Nothing was written from a refused page; a run without the fault syncs every record once.
    await expectConverges(w, mapping, async () => {
      const names = await accountNames(w);
      for (const c of customers) expect(names.get(String(c.displayName))).toBe(1);
    });
  });
});

for (const dialect of STORE_DIALECTS) {
  describe.skipIf(dialect.skipReason)(`a row that stays malformed, on ${dialect.name}`, () => {
    it("is kept by id so the watermark moves past it, fails on every run until it reads clean, then syncs once", async () => {
      const w = await startWorld(toDataverse, dialect.open);
      const customers = await createCustomers(w, 5);
      const victim = customers[0];
      const stamp = (row: Row) => String(row.lastModifiedDateTime);
      // The refused row is older than the others (the case where holding the watermark re-read them all).
      let newest = customers[4];
      for (let i = 0; stamp(newest) <= stamp(victim); i++) {
        newest = unwrap(
          await w.bc.company(w.companyId).update("customers", String(newest.id), { phoneNumber: `555-02${i}` }, "*"),
        );
      }
      const changeReads: unknown[][] = [];
      w.bcProxy.rewrite = (req, answer) => {
        if (req.method !== "GET" || !req.path.includes("/customers?")) return undefined;
        const rows = (answerJson(answer)?.value ?? []) as Row[];
        if (isCustomerRead(req.path)) changeReads.push(rows.map((r) => r.id));
        return rewriteRows(answer, (row) => (row.id === victim.id ? { ...row, displayName: { text: "bad" } } : row));
      };
      const bad = async () => {
        const [pass] = await runMapping(w.deps, toDataverse.name);
        const errors = await w.store.jobs.errors({ jobId: pass.jobId });
        expect(errors.map((e) => [e.code, e.sourceId, e.field])).toEqual([
          ["BCSYNC_E_CONNECTOR_RECORD_MALFORMED", String(victim.id), "displayName"],
        ]);
        // Not a success: the run's outcome is the record-level failures' exit code.
        expect(pass.status).toBe("failed");
        expect(runOutcome([{ mapping: toDataverse.name, passes: [pass] }]).exitCode).toBe(EXIT.recordFailures);
        expect(await w.store.refusedRows.list(toDataverse.name, "toDataverse")).toEqual([String(victim.id)]);
        return pass;
      };

      const first = await bad();
      expect(first.counters).toMatchObject({ inserted: 4, failed: 1 });
      // The watermark moved past the refused row: the next change read starts after it.
      const mark = (await w.store.watermarks.get(toDataverse.name, "toDataverse")).modifiedAt;
      expect(mark! > stamp(victim)).toBe(true);

      changeReads.length = 0;
      const second = await bad();
      expect(second.counters).toMatchObject({ inserted: 0, modified: 0, failed: 1 });
      // Read by id, not by the change read (which no longer reaches back to it or to the rows after it).
      expect(changeReads.flat()).not.toContain(victim.id);
      expect(changeReads.flat().length).toBeLessThan(4);

      // Fixed: the next run reads it clean by id, syncs it and clears its record; one more run writes nothing.
      await expectConverges(w, toDataverse, async () => {
        const names = await accountNames(w);
        for (const c of customers) expect(names.get(String(c.displayName)), String(c.displayName)).toBe(1);
        expect(await w.store.couplings.count(toDataverse.name)).toBe(5);
        expect(await w.store.refusedRows.list(toDataverse.name, "toDataverse")).toEqual([]);
      });
    });
  });
}

describe("a malformed row on a Business Central companion page", () => {
  // The customer's fax number is on the companion page, read by id beside each page of v2.0 customers.
  const withCompanion = customerMapping({
    direction: "toDataverse",
    bc: { entitySet: "customers", secondary: { api: "companion", entitySet: "customers", fields: ["faxNumber"] } },
    fields: [...customerMapping().fields, { bcField: "faxNumber", dataverseField: "fax" }],
  });
  const companionRoute = "/api/bcsync/integration/v1.0/";

  it("fails only its own record, named by record and field; the rest of the page is written", async () => {
    const w = await startWorld(withCompanion);
    const customers = await createCustomers(w, 5);
    for (const [i, c] of customers.entries()) {
      unwrap(
        await w.bc
          .company(w.companyId, COMPANION_API)
          .update("customers", String(c.id), { faxNumber: `555-FAX${i}` }, "*"),
      );
    }
    const victim = customers[2];
    w.bcProxy.rewrite = (req, answer) =>
      req.method === "GET" && req.path.includes(companionRoute) && req.path.includes("/customers?")
        ? rewriteRows(answer, (row) => (row.id === victim.id ? { ...row, faxNumber: ["555", "FAX"] } : row))
        : undefined;

    const [pass] = await runMapping(w.deps, withCompanion.name);
    expect(w.bcProxy.rewritten).toBeGreaterThan(0);
    expect(pass.status).toBe("failed");
    expect(pass.counters).toMatchObject({ inserted: 4, failed: 1 });
    const errors = await w.store.jobs.errors({ jobId: pass.jobId });
    expect(errors.map((e) => [e.code, e.sourceId, e.field])).toEqual([
      ["BCSYNC_E_CONNECTOR_RECORD_MALFORMED", String(victim.id), "faxNumber"],
    ]);
    expect(errors[0].message).toBe(
      `Business Central answered api/bcsync/integration/v1.0/companies(${w.companyId})/customers with record ${victim.id} whose faxNumber is not usable: an array where a value (text, number, true/false or null) is expected.`,
    );
    // The other records of the page were written with their companion field; the refused one not at all.
    const faxes = async () =>
      new Map((await allRows(w.dv.pages("accounts", { select: ["name", "fax"] }))).map((r) => [r.name, r.fax]));
    const written = await faxes();
    expect(written.size).toBe(4);
    for (const [i, c] of customers.entries()) {
      expect(written.get(c.displayName), String(c.displayName)).toBe(c === victim ? undefined : `555-FAX${i}`);
    }

    await expectConverges(w, withCompanion, async () => {
      const after = await faxes();
      expect(after.size).toBe(5);
      for (const [i, c] of customers.entries()) expect(after.get(c.displayName)).toBe(`555-FAX${i}`);
    });
  });
});

describe("a malformed counterpart", () => {
  it("a Dataverse account read by id with a value that is an object fails only its own record's update", async () => {
    const w = await startWorld(toDataverse);
    const customers = await createCustomers(w, 4);
    const [first] = await runMapping(w.deps, toDataverse.name);
    expect(first.counters).toMatchObject({ inserted: 4, failed: 0 });
    for (const [i, c] of customers.entries()) {
      unwrap(await w.bc.company(w.companyId).update("customers", String(c.id), { phoneNumber: `555-010${i}` }, "*"));
    }
    const victim = (await w.store.couplings.getByBcId(toDataverse.name, String(customers[1].id)))!;
    w.dvProxy.rewrite = (req, answer) =>
      req.method === "GET" && req.path.includes("/accounts?") && req.path.includes("$filter=accountid eq")
        ? rewriteRows(answer, (row) => (row.accountid === victim.dataverseId ? { ...row, telephone1: { n: 1 } } : row))
        : undefined;
    // A full sync reads every changed record's counterpart before writing it.
    const [pass] = await runMapping(w.deps, toDataverse.name, { mode: "full" });
    expect(w.dvProxy.rewritten).toBeGreaterThan(0);
    expect(pass.status).toBe("failed");
    expect(pass.counters).toMatchObject({ modified: 3, failed: 1 });
    const errors = await w.store.jobs.errors({ jobId: pass.jobId });
    expect(errors.map((e) => [e.code, e.sourceId, e.destinationId, e.field])).toEqual([
      ["BCSYNC_E_CONNECTOR_RECORD_MALFORMED", String(customers[1].id), victim.dataverseId, "telephone1"],
    ]);
    expect(errors[0].message).toBe(
      `Dataverse answered accounts with record ${victim.dataverseId} whose telephone1 is not usable: an object where a value (text, number, true/false or null) is expected.`,
    );

    await expectConverges(w, toDataverse, async () => {
      const phones = (await allRows(w.dv.pages("accounts", { select: ["telephone1"] }))).map((r) => r.telephone1);
      expect(phones.sort()).toEqual(["555-0100", "555-0101", "555-0102", "555-0103"]);
    });
  });
});

describe("an unreadable answer to writes", () => {
  it("a Business Central $batch answer cut short after its creates ran fails them as retryable; the next run duplicates none", async () => {
    const w = await startWorld(fromDataverse);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = randomUUID();
      unwrap(await w.dv.create("accounts", { accountid: id, name: `Account ${i} ${id}` }));
      ids.push(id);
    }
    w.bcProxy.rewrite = (req, answer) =>
      req.method === "POST" && req.path.endsWith("/$batch")
        ? answer.body.subarray(0, answer.body.length / 2)
        : undefined;
    const [pass] = await runMapping(w.deps, fromDataverse.name, { useDelta: false });
    expect(w.bcProxy.rewritten).toBeGreaterThan(0);
    expect(pass.status).toBe("failed");
    const errors = await w.store.jobs.errors({ jobId: pass.jobId });
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE"]));
    expect(errors[0].message).toMatch(/^Business Central answered POST api\/v2\.0\/\$batch .* the body is not JSON/);
    // The creates did run: the customers are there, once each, though bcsync could not read that they were.
    const customerNames = async () =>
      (await allRows(w.bc.company(w.companyId).pages("customers", { select: ["displayName"] }))).map((r) =>
        String(r.displayName),
      );
    expect((await customerNames()).sort()).toEqual(ids.map((id, i) => `Account ${i} ${id}`).sort());

    // The next run looks the creates up by their keys; one customer answered malformed waits with its intent kept
    // (neither coupled nor created again), the others are coupled.
    const waiting = `Account 1 ${ids[1]}`;
    w.bcProxy.rewrite = (req, answer) =>
      req.method === "GET" && req.path.includes("/customers?") && req.path.includes("$filter=id eq")
        ? rewriteRows(answer, (row) => (row.displayName === waiting ? { ...row, displayName: { text: waiting } } : row))
        : undefined;
    const [lookup] = await runMapping(w.deps, fromDataverse.name, { useDelta: false });
    expect(lookup.status).toBe("failed");
    const lookupErrors = await w.store.jobs.errors({ jobId: lookup.jobId });
    expect(lookupErrors.map((e) => [e.code, e.sourceId, e.field])).toEqual([
      ["BCSYNC_E_CONNECTOR_RECORD_MALFORMED", ids[1], "displayName"],
    ]);
    expect(await w.store.couplings.count(fromDataverse.name)).toBe(3);
    expect((await customerNames()).sort()).toEqual(ids.map((id, i) => `Account ${i} ${id}`).sort());

    await expectConverges(w, fromDataverse, async () => {
      expect((await customerNames()).sort()).toEqual(ids.map((id, i) => `Account ${i} ${id}`).sort());
      expect(await w.store.couplings.count(fromDataverse.name)).toBe(4);
    });
  });
});

describe("malformed answers from Dataverse", () => {
  it("an account whose name is an array or whose modifiedon is not a date is refused alone; the others reach Business Central", async () => {
    const w = await startWorld(fromDataverse);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      unwrap(await w.dv.create("accounts", { accountid: id, name: `Account ${i} ${id}` }));
      ids.push(id);
    }
    w.dvProxy.rewrite = (req, answer) =>
      req.method === "GET" && req.path.includes("/accounts?") && req.path.includes("$orderby=")
        ? rewriteRows(answer, (row) => {
            if (row.accountid === ids[0]) return { ...row, name: ["a", "b"] };
            if (row.accountid === ids[2]) return { ...row, modifiedon: "yesterday" };
            return row;
          })
        : undefined;
    const [pass] = await runMapping(w.deps, fromDataverse.name, { useDelta: false });
    expect(w.dvProxy.rewritten).toBeGreaterThan(0);
    expect(pass.status).toBe("failed");
    expect(pass.counters).toMatchObject({ inserted: 3, failed: 2 });
    const errors = await w.store.jobs.errors({ jobId: pass.jobId });
    expect(errors.map((e) => [e.code, e.sourceId, e.field]).sort()).toEqual(
      [
        ["BCSYNC_E_CONNECTOR_RECORD_MALFORMED", ids[0], "name"],
        ["BCSYNC_E_CONNECTOR_RECORD_MALFORMED", ids[2], "modifiedon"],
      ].sort(),
    );
    expect(errors.find((e) => e.field === "name")?.message).toBe(
      `Dataverse answered accounts with record ${ids[0]} whose name is not usable: an array where a value (text, number, true/false or null) is expected.`,
    );
    const customerNames = async () => {
      const rows = await allRows(w.bc.company(w.companyId).pages("customers", { select: ["displayName"] }));
      return rows.map((r) => String(r.displayName));
    };
    const synced = await customerNames();
    expect(synced.sort()).toEqual([1, 3, 4].map((i) => `Account ${i} ${ids[i]}`).sort());

    await expectConverges(w, fromDataverse, async () => {
      const all = await customerNames();
      expect(all.sort()).toEqual(ids.map((id, i) => `Account ${i} ${id}`).sort());
    });
  });
});
