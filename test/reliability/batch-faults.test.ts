// Issue 14.3: one failed $batch/bulk request failed every record in it. With 30% of requests answered 500 a
// full sync of a bidirectional mapping needed four runs to converge; now transient batch failures are retried
// (creates carry client-chosen keys, so repeating them cannot create twice) and a batch the service refuses as a
// whole is halved until the record that causes it fails alone.
// The data are written fault-free first; the emulators are then restarted on the same data with faults on.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { customerMapping } from "../engine/harness.ts";
import { all, type Rig, rig, seed as seedRecords } from "./rig.ts";

const PER_SIDE = 120;

/** Customers in BC and accounts in Sales, with phone numbers, written fault-free into `dataDir`. */
function seed(dataDir: string, bcNames: string[], dvNames: string[]): Promise<void> {
  return seedRecords(
    dataDir,
    bcNames.map((name, i) => ({ name, phone: `555-1${String(i).padStart(3, "0")}` })),
    dvNames.map((name, i) => ({ name, phone: `555-2${i}` })),
  );
}

/** A fresh store and the engine wired to the rig, as production wires it. */
async function engine(r: Rig) {
  const store = await openStore({ dataDir: ":memory:" });
  const me = await r.dv.whoAmI();
  if (!me.ok) throw me.error;
  const mapping = customerMapping();
  const deps = {
    store,
    ports: connectorPorts({ dataverse: r.dv, businessCentral: r.bc, companyId: r.companyId }),
    mappings: (name: string) => (name === mapping.name ? mapping : undefined),
    integrationUsers: { dataverse: [me.value.UserId.toLowerCase()] },
  };
  return { store, deps };
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-batch-faults-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("batch writes under injected 500s", () => {
  it("a full bidirectional sync with 30% of requests answered 500 converges in one run", async () => {
    const data = join(dir, "faults-500");
    await seed(data, names("BC customer", PER_SIDE), names("Sales account", PER_SIDE));
    const faulty = await rig(data, {
      faults: { latencyMs: 0, faultRate: 0.3, weights: { error500: 1, error503: 0, drop: 0, slow: 0 } },
      randomSeed: 1403,
    });
    let store: Store | undefined;
    try {
      const wired = await engine(faulty);
      store = wired.store;
      // Pages of 50: several bulk requests each way, so many of them meet a fault.
      const reports = await runMapping(wired.deps, "CUSTOMER", { pageSize: 50 });
      expect(reports.map((r) => [r.direction, r.status, r.counters.failed])).toEqual([
        ["toDataverse", "succeeded", 0],
        ["fromDataverse", "succeeded", 0],
      ]);
      expect(reports.map((r) => r.counters.inserted)).toEqual([PER_SIDE, PER_SIDE]);
      expect(faulty.dv.metrics().byStatus[500] + faulty.bc.metrics().byStatus[500]).toBeGreaterThan(10);
      await expectOneCounterpartEach(faulty, store, 2 * PER_SIDE);
    } finally {
      await store?.close();
      await faulty.close();
    }
  }, 120_000);

  it("answers lost after the service applied a create are retried without a duplicate", async () => {
    const data = join(dir, "lost-answers");
    await seed(data, names("BC customer", PER_SIDE), names("Sales account", PER_SIDE));
    const faulty = await rig(data, {
      faults: { latencyMs: 0, faultRate: 0.2, weights: { error500: 0, error503: 0, drop: 1, slow: 0, lostAnswer: 2 } },
      randomSeed: 1404,
    });
    let store: Store | undefined;
    try {
      const wired = await engine(faulty);
      store = wired.store;
      const reports = await runMapping(wired.deps, "CUSTOMER", { pageSize: 50 });
      expect(reports.map((r) => [r.direction, r.status, r.counters.failed, r.counters.inserted])).toEqual([
        ["toDataverse", "succeeded", 0, PER_SIDE],
        ["fromDataverse", "succeeded", 0, PER_SIDE],
      ]);
      expect(faulty.dv.metrics().transportFailures + faulty.bc.metrics().transportFailures).toBeGreaterThan(5);
      await expectOneCounterpartEach(faulty, store, 2 * PER_SIDE);
    } finally {
      await store?.close();
      await faulty.close();
    }
  }, 120_000);

  it("a batch holding one record the service refuses writes all the others; that one fails alone, named", async () => {
    const data = join(dir, "poison");
    const bcNames = names("BC customer", 30);
    const dvNames = names("Sales account", 30);
    bcNames[17] = "BC customer POISON-14";
    dvNames[9] = "Sales account POISON-14";
    await seed(data, bcNames, dvNames);
    const faulty = await rig(data, { faults: { latencyMs: 0, faultRate: 0, poison: "POISON-14" } });
    let store: Store | undefined;
    try {
      const wired = await engine(faulty);
      store = wired.store;
      const reports = await runMapping(wired.deps, "CUSTOMER", { pageSize: 100 });
      expect(reports.map((r) => [r.direction, r.counters.failed, r.counters.inserted])).toEqual([
        ["toDataverse", 1, 29],
        ["fromDataverse", 1, 29],
      ]);
      const errors = await store.jobs.errors({ mappingName: "CUSTOMER" });
      expect(errors).toHaveLength(2);
      const customers = await all(faulty.bc.company(faulty.companyId).pages("customers", {}));
      const accounts = await all(faulty.dv.pages("accounts", { select: ["accountid", "name"] }));
      const poisonedCustomer = customers.find((c) => c.displayName === bcNames[17])!;
      const poisonedAccount = accounts.find((a) => a.name === dvNames[9])!;
      const toDv = errors.find((e) => e.sourceId === String(poisonedCustomer.id).toLowerCase());
      const toBc = errors.find((e) => e.sourceId === String(poisonedAccount.accountid).toLowerCase());
      // Each error is the service's answer to a request that carried that record alone, and names it by its key.
      for (const e of [toDv, toBc]) {
        expect(e?.code).toBe("BCSYNC_E_CONNECTOR_SERVICE_ERROR");
        expect(e?.message).toMatch(/answered 500 .*\(record [^$]/);
      }
      expect(toDv?.message).toMatch(/\(record [0-9a-f-]{36}\)/);
      expect(toBc?.message).toMatch(/\(record customers\([0-9a-f-]{36}\)\)/);
      // Everything else arrived: 29 + 30 on each side (the other side's own 30 included).
      expect(customers).toHaveLength(59);
      expect(accounts).toHaveLength(59);
    } finally {
      await store?.close();
      await faulty.close();
    }
  }, 120_000);
});

async function expectOneCounterpartEach(r: Rig, store: Store, total: number): Promise<void> {
  const accounts = await all(r.dv.pages("accounts", { select: ["accountid", "name"] }));
  const customers = await all(r.bc.company(r.companyId).pages("customers", {}));
  expect(accounts).toHaveLength(total);
  expect(customers).toHaveLength(total);
  expect(new Set(accounts.map((a) => a.name)).size).toBe(total);
  expect(new Set(customers.map((c) => c.displayName)).size).toBe(total);
  expect(await store.couplings.count("CUSTOMER")).toBe(total);
  expect(await store.pendingWrites.list("CUSTOMER", "toDataverse")).toEqual([]);
  expect(await store.pendingWrites.list("CUSTOMER", "fromDataverse")).toEqual([]);
}
