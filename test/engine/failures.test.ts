// Failed records over real HTTP: a transient failure (the other side unreachable) is retried on every run and
// never counts towards skipping; the retry reads only the failed couplings (store index), and matched records
// are coupled in bulk.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import type { EngineDeps } from "../../src/engine/runner.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { dataverseClient } from "../connectors/emulators.ts";
import {
  createCustomer,
  customerMapping,
  getAccount,
  type Harness,
  startHarness,
  unwrap,
  updateCustomer,
} from "./harness.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness([customerMapping()]);
});
afterAll(async () => {
  await h?.close();
});

/** A port nobody listens on: requests to it are refused before they are sent. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("failed records", () => {
  it("a transient failure is retried each run and never skips the record", async () => {
    const c = await createCustomer(h, { phoneNumber: "555-0100" });
    const bcId = String(c.id).toLowerCase();
    await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"], mode: "full" });
    const dvId = (await h.store.couplings.getByBcId("CUSTOMER", bcId))!.dataverseId;
    await updateCustomer(h, bcId, { phoneNumber: "555-0111" });

    const unreachable = dataverseClient(h.emulators, {
      url: `http://127.0.0.1:${await closedPort()}`,
      retry: { maxAttempts: 1 },
    });
    const offline: EngineDeps = {
      ...h.deps,
      ports: connectorPorts({ dataverse: unreachable, businessCentral: h.bc, companyId: h.companyId }),
    };
    try {
      for (let run = 0; run < 3; run++) {
        const [pass] = await runMapping(offline, "CUSTOMER", { passes: ["toDataverse"] });
        expect(pass.counters.failed).toBe(1);
        const coupling = await h.store.couplings.getByBcId("CUSTOMER", bcId);
        expect(coupling).toMatchObject({ skipped: false, failureCount: 0, lastResultToDataverse: "failure" });
      }
    } finally {
      await unreachable.close();
    }
    const failed = await h.store.couplings.listFailed("CUSTOMER", "toDataverse");
    expect(failed.map((f) => f.bcId)).toContain(bcId);

    // Back online: the failed record is retried from the failure list, though the watermark has passed it.
    const [back] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(back.counters).toMatchObject({ failed: 0, modified: 1 });
    expect((await getAccount(h, dvId))?.telephone1).toBe("555-0111");
    expect(await h.store.couplings.listFailed("CUSTOMER", "toDataverse")).toHaveLength(0);
  });

  it("a new record whose create failed is created on the next run without being edited, once", async () => {
    const c = await createCustomer(h, { displayName: "Created Later Ltd" });
    const bcId = String(c.id).toLowerCase();
    const unreachable = dataverseClient(h.emulators, {
      url: `http://127.0.0.1:${await closedPort()}`,
      retry: { maxAttempts: 1 },
    });
    const offline: EngineDeps = {
      ...h.deps,
      ports: connectorPorts({ dataverse: unreachable, businessCentral: h.bc, companyId: h.companyId }),
    };
    try {
      const [pass] = await runMapping(offline, "CUSTOMER", { passes: ["toDataverse"], mode: "full" });
      expect(pass.counters.failed).toBeGreaterThanOrEqual(1);
    } finally {
      await unreachable.close();
    }
    expect(await h.store.couplings.getByBcId("CUSTOMER", bcId)).toBeUndefined();
    // Not edited since: the next (scheduled) run still creates it, once.
    const [back] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(back.counters.failed).toBe(0);
    const coupling = await h.store.couplings.getByBcId("CUSTOMER", bcId);
    expect(coupling).toBeDefined();
    expect((await getAccount(h, coupling!.dataverseId))?.name).toBe("Created Later Ltd");
    expect(await h.store.pendingWrites.list("CUSTOMER", "toDataverse")).toEqual([]);
    // Exactly one counterpart: a further run creates nothing.
    const [again] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"] });
    expect(again.counters.inserted).toBe(0);
  });

  it("a full sync couples every matched record in one bulk call", async () => {
    const names = ["Bulk One", "Bulk Two", "Bulk Three"];
    const created = [];
    for (const name of names) {
      created.push(await createCustomer(h, { displayName: name }));
      unwrap(await h.dv.create("accounts", { name }));
    }
    const [pass] = await runMapping(h.deps, "CUSTOMER", { passes: ["toDataverse"], mode: "full" });
    expect(pass.counters).toMatchObject({ coupled: 3, inserted: 0, failed: 0 });
    for (const c of created) {
      const coupling = await h.store.couplings.getByBcId("CUSTOMER", String(c.id).toLowerCase());
      expect((await getAccount(h, coupling!.dataverseId))?.name).toBe(c.displayName);
    }
  });
});
