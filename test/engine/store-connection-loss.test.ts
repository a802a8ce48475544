// Issue 14.1: a PostgreSQL connection lost in the middle of a page's store transaction. The records were already
// created in Dataverse; before, the transaction's error ended the pass (the next run coupled them from the write
// intents). Now the transaction runs again on a new connection: the pass goes on and records each creation once.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runMapping } from "../../src/engine/runner.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { CouplingsRepository } from "../../src/store/repositories/couplings.ts";
import { terminateSessionOf } from "../helpers/postgres-sessions.ts";
import { createCustomer, customerMapping, firstRows, type Harness, startHarness } from "./harness.ts";

const databaseUrl = process.env.DATABASE_URL;
const RECORDS = 30;

describe.skipIf(!databaseUrl)("a lost PostgreSQL connection during a sync (issue 14.1)", () => {
  let h: Harness;
  let store: Store;
  beforeAll(async () => {
    h = await startHarness([customerMapping({ direction: "toDataverse" })]);
    const schema = `bcsync_test_${randomBytes(6).toString("hex")}`;
    store = await openStore({ url: databaseUrl, schema, applicationName: schema, onConnectionLost: () => {} });
    for (let i = 0; i < RECORDS; i++) await createCustomer(h, { displayName: `Lost connection ${i}` });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await store?.close();
    await h?.close();
  });

  it("a page's couplings transaction whose session is ended runs again: every record created and coupled once", async () => {
    const original = CouplingsRepository.prototype.coupleMany;
    let ended = 0;
    // The first time the couplings are written, the server ends that transaction's session first.
    vi.spyOn(CouplingsRepository.prototype, "coupleMany").mockImplementation(async function (
      this: CouplingsRepository,
      couplings,
    ) {
      if (ended === 0) {
        ended += 1;
        await terminateSessionOf((this as unknown as { db: Store["db"] }).db, databaseUrl!);
      }
      return original.call(this, couplings);
    });
    const [report] = await runMapping({ ...h.deps, store }, "CUSTOMER", { mode: "full" });
    vi.restoreAllMocks();
    expect(ended).toBe(1);
    expect(report.status).toBe("succeeded");
    expect(report.counters).toMatchObject({ inserted: RECORDS, failed: 0 });
    expect(await store.couplings.count("CUSTOMER")).toBe(RECORDS);
    expect(await store.pendingWrites.list("CUSTOMER", "toDataverse")).toEqual([]);
    const accounts = await firstRows(h.dv.pages("accounts", { select: ["name"] }));
    expect(new Set(accounts.map((a) => a.name)).size).toBe(RECORDS);
    expect(accounts).toHaveLength(RECORDS);

    // Nothing left to do: a second full run writes nothing.
    const [again] = await runMapping({ ...h.deps, store }, "CUSTOMER", { mode: "full" });
    expect(again.counters).toMatchObject({ inserted: 0, modified: 0, failed: 0 });
  });
});
