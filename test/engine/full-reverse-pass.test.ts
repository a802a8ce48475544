// A full sync's Dataverse → BC pass and the rows its BC → Dataverse pass has just written (issue 13, "no full
// reverse re-read of rows this run just wrote"): those are read but not planned (no coupling is rewritten for
// them); a Sales user's edit made between the passes, and a row the integration user changed before the run
// began, are planned and reach Business Central as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMapping, SeenThisRun } from "../../src/engine/runner.ts";
import {
  createCustomer,
  createSalesUser,
  customerMapping,
  getCustomer,
  type Harness,
  startHarness,
  unwrap,
  updateCustomer,
} from "./harness.ts";

// The Dataverse emulator's clock: set back to stamp a write as made before the run began.
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let h: Harness;
let salesUserId: string;

beforeAll(async () => {
  h = await startHarness([customerMapping()], ":memory:", { dataverse: { clock }, limits: "off", cost: "off" });
  salesUserId = await createSalesUser(h);
});
afterAll(async () => {
  await h?.close();
});

const coupledAccount = async (bcId: string) =>
  (await h.store.couplings.findMany("CUSTOMER", "bc", [bcId])).get(bcId)?.dataverseId.toLowerCase() as string;

describe("full sync, Dataverse → BC pass", () => {
  it("does not plan the rows its BC → Dataverse pass wrote, and plans what others changed", async () => {
    const customers = await Promise.all(
      ["Alpha", "Bravo", "Charlie", "Delta"].map((name) =>
        createCustomer(h, { displayName: `${name} Ltd`, phoneNumber: "555-0100" }),
      ),
    );
    const ids = customers.map((c) => String(c.id).toLowerCase());
    // A first full sync couples them; then the integration user changes Bravo's account in Dataverse, stamped a
    // minute before the next run began (a plug-in or an earlier write of ours that left the values apart).
    await runMapping(h.deps, "CUSTOMER", { mode: "full" });
    const bravo = await coupledAccount(ids[1]);
    clock.offsetMs = -60_000;
    unwrap(await h.dv.update("accounts", bravo, { telephone1: "555-0199" }));
    clock.offsetMs = 0;

    // The next full sync, its passes one after the other as `bcsync sync --full` runs them: Charlie changes in
    // Business Central and Echo is new (the forward pass writes both accounts), and a Sales user edits Delta's
    // account between the passes.
    await updateCustomer(h, String(customers[2].id), { phoneNumber: "555-0142" });
    const echo = await createCustomer(h, { displayName: "Echo Ltd", phoneNumber: "555-0150" });
    const echoId = String(echo.id).toLowerCase();
    const seen = new SeenThisRun();
    const [forward] = await runMapping(h.deps, "CUSTOMER", { mode: "full", passes: ["toDataverse"], seen });
    expect(forward.status, forward.message).toBe("succeeded");
    expect([forward.counters.modified, forward.counters.inserted]).toEqual([1, 1]);
    const delta = await coupledAccount(ids[3]);
    unwrap(
      await h.dv.update("accounts", delta, { name: "Delta Sales Ltd" }, { impersonate: { callerId: salesUserId } }),
    );
    const couplings = () => h.store.couplings.findMany("CUSTOMER", "bc", [ids[2], echoId]);
    const before = await couplings();

    const [reverse] = await runMapping(h.deps, "CUSTOMER", { mode: "full", passes: ["fromDataverse"], seen });
    expect(reverse.status, reverse.message).toBe("succeeded");
    // Delta's edit and Bravo's earlier change reach Business Central; Charlie's and Echo's accounts, just written,
    // are counted unchanged without being planned: their couplings stay as the forward pass recorded them, but for
    // the version of Echo's account (a create's answer has none), stored so its next update need not read it.
    expect(reverse.counters.modified).toBe(2);
    expect((await getCustomer(h, String(customers[3].id)))?.displayName).toBe("Delta Sales Ltd");
    expect((await getCustomer(h, String(customers[1].id)))?.phoneNumber).toBe("555-0199");
    expect((await getCustomer(h, String(customers[2].id)))?.phoneNumber).toBe("555-0142");
    const after = await couplings();
    expect(after.get(ids[2])).toEqual(before.get(ids[2]));
    expect(before.get(echoId)?.dataverseVersion).toBeNull();
    const echoAccount = unwrap(await h.dv.retrieve("accounts", before.get(echoId)!.dataverseId, { select: ["name"] }));
    expect(after.get(echoId)).toEqual({
      ...before.get(echoId),
      dataverseVersion: String(echoAccount?.["@odata.etag"]),
      dataverseModifiedAt: expect.any(String),
    });
    expect(reverse.counters.unchanged).toBeGreaterThanOrEqual(2);
    expect(reverse.counters.failed).toBe(0);

    // Run twice, a full sync writes nothing the second time.
    const again = await runMapping(h.deps, "CUSTOMER", { mode: "full" });
    for (const r of again) expect(r.counters.inserted + r.counters.modified, r.direction).toBe(0);
  });
});
