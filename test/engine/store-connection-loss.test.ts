// Issue 14.1: a PostgreSQL connection lost in the middle of a page's store transaction. The records were already
// created in Dataverse; before, the transaction's error ended the pass (the next run coupled them from the write
// intents). Now the transaction runs again on a new connection: the pass goes on and records each creation once.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EXIT, exitCodeOf } from "../../src/cli/exit-codes.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { isBcsyncError } from "../../src/errors/catalogue.ts";
import { STORE_CONNECTION_LOST } from "../../src/errors/codes/store.ts";
import { openStore, Store } from "../../src/store/index.ts";
import { CouplingsRepository } from "../../src/store/repositories/couplings.ts";
import { WatermarksRepository } from "../../src/store/repositories/watermarks.ts";
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

  // Lost where nothing can run again safely: the run ends with the catalogued error (the CLI prints its code and fix
  // and exits 1), the job says so, and the next run finishes without a duplicate.
  const endsWithLostStore = async (arrange: () => () => number) => {
    const ended = arrange();
    const error = await runMapping({ ...h.deps, store }, "CUSTOMER", { mode: "full" }).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(ended()).toBe(1);
    expect(isBcsyncError(error, STORE_CONNECTION_LOST)).toBe(true);
    expect(exitCodeOf(error)).toBe(EXIT.error);
    const [job] = await store.jobs.list({ mappingName: "CUSTOMER", limit: 1 });
    expect(job.status).toBe("failed");
    expect(job.message).toMatch(
      /^BCSYNC_E_STORE_CONNECTION_LOST: The connection to the PostgreSQL state store was lost/,
    );

    const [after] = await runMapping({ ...h.deps, store }, "CUSTOMER", { mode: "full" });
    expect(after.status, after.message).toBe("succeeded");
    expect(await store.couplings.count("CUSTOMER")).toBe(RECORDS + added);
    const accounts = await firstRows(h.dv.pages("accounts", { select: ["name"] }));
    expect(accounts).toHaveLength(RECORDS + added);
    expect(new Set(accounts.map((a) => a.name)).size).toBe(RECORDS + added);
  };
  let added = 0;

  it("a store write outside a transaction whose session is ended ends the run with BCSYNC_E_STORE_CONNECTION_LOST", async () => {
    for (let i = 0; i < 3; i++) await createCustomer(h, { displayName: `Lost outside ${i}` });
    added += 3;
    await endsWithLostStore(() => {
      const original = WatermarksRepository.prototype.advance;
      let ended = 0;
      // The first watermark write of the run goes to a connection (no transaction) whose session was just ended.
      vi.spyOn(WatermarksRepository.prototype, "advance").mockImplementation(async function (
        this: WatermarksRepository,
        ...args
      ) {
        if (ended > 0) return original.apply(this, args);
        ended += 1;
        const db = (this as unknown as { db: Store["db"] }).db;
        return db.connection().execute(async (conn) => {
          await terminateSessionOf(conn, databaseUrl!);
          return original.apply(new WatermarksRepository(conn), args);
        });
      });
      return () => ended;
    });
  });

  it("a transaction whose session is ended at its commit ends the run with BCSYNC_E_STORE_CONNECTION_LOST (never run again)", async () => {
    for (let i = 0; i < 3; i++) await createCustomer(h, { displayName: `Lost at commit ${i}` });
    added += 3;
    await endsWithLostStore(() => {
      const original = Store.prototype.transaction;
      let ended = 0;
      let runs = 0;
      // The run's first store transaction: its work is done, then its session is ended, so COMMIT is what fails.
      vi.spyOn(Store.prototype, "transaction").mockImplementation(function <T>(
        this: Store,
        work: (store: Store) => Promise<T>,
        options?: { retryOnConnectionLoss?: boolean },
      ): Promise<T> {
        const first = runs++ === 0;
        return original.call(
          this,
          async (tx: Store) => {
            const result = await work(tx);
            if (first) {
              ended += 1;
              await terminateSessionOf(tx.db, databaseUrl!);
            }
            return result;
          },
          options,
        ) as Promise<T>;
      });
      return () => ended;
    });
  });
});
