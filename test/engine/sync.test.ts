// Scenarios of the sync engine against the emulators over real HTTP: the runner, the connectors, the store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMapping, unskip } from "../../src/engine/runner.ts";
import {
  createCustomer,
  customerMapping,
  getAccount,
  getCustomer,
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

async function dvIdOf(bcId: string): Promise<string> {
  const c = await h.store.couplings.getByBcId("CUSTOMER", bcId.toLowerCase());
  if (!c) throw new Error(`${bcId} is not coupled`);
  return c.dataverseId;
}

describe("sync engine scenarios", () => {
  it("creates a counterpart once, then writes nothing while nothing changes", async () => {
    const customer = await createCustomer(h, { displayName: "Adatum", phoneNumber: "555-0100" });
    const first = await runMapping(h.deps, "CUSTOMER");
    expect(first.map((r) => [r.direction, r.status])).toEqual([
      ["toDataverse", "succeeded"],
      ["fromDataverse", "succeeded"],
    ]);
    expect(first[0].counters.inserted).toBe(1);
    const account = await getAccount(h, await dvIdOf(String(customer.id)));
    expect(account).toMatchObject({ name: "Adatum", telephone1: "555-0100" });

    const second = await runMapping(h.deps, "CUSTOMER");
    for (const r of second) {
      expect(r.counters.inserted + r.counters.modified + r.counters.failed).toBe(0);
    }
  });
});
