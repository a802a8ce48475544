// Issue 14.1: losing the PostgreSQL connection crashed the process ("Unhandled 'error' event … 57P01", a raw stack
// trace) when the server ended bcsync's idle connections (pg_terminate_backend, a restart, a failover). The store now
// survives it: the pool drops the dead connections and the next query opens a new one.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { terminateSessionOf } from "../../../test/helpers/postgres-sessions.ts";
import { storeFailure } from "../failures.ts";
import { SettingsRepository } from "../repositories/settings.ts";
import { openStore, type Store } from "../store.ts";
import { isPostgresConnectionLost } from "./connect.ts";

const databaseUrl = process.env.DATABASE_URL;

describe.skipIf(!databaseUrl)("PostgreSQL connection loss", () => {
  let store: Store | undefined;
  afterEach(async () => store?.close());

  it("ending every bcsync session on the server leaves the store working, with no unhandled error", async () => {
    // Its own schema and session name: only this store's connections are ended, never another test file's.
    const name = `bcsync_test_${randomBytes(5).toString("hex")}`;
    const lost: Error[] = [];
    store = await openStore({
      url: databaseUrl,
      schema: name,
      applicationName: name,
      onConnectionLost: (e) => lost.push(e),
    });
    await store.settings.set("probe", 1);
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const { rows } = await admin.query(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1",
      [name],
    );
    await admin.end();
    expect(rows.length).toBeGreaterThan(0);
    // The pool notices the ended connections; the next queries run on new ones.
    await store.settings.set("probe", 2);
    expect(await store.settings.get<number>("probe")).toBe(2);
    expect(lost.map((e) => (e as { code?: string }).code)).toContain("57P01");
  });

  it("a transaction whose connection is lost before its work is done runs again on a new one, once written", async () => {
    const name = `bcsync_test_${randomBytes(5).toString("hex")}`;
    store = await openStore({ url: databaseUrl, schema: name, applicationName: name, onConnectionLost: () => {} });
    let attempts = 0;
    await store.transaction(
      async (tx) => {
        attempts += 1;
        await tx.settings.set("counter", attempts);
        // The first attempt's own session is ended by the server in the middle of the transaction.
        if (attempts === 1) await terminateSessionOf(tx.db, databaseUrl!);
        await tx.settings.set("done", attempts);
      },
      { retryOnConnectionLoss: true },
    );
    expect(attempts).toBe(2);
    expect(await store.settings.get<number>("counter")).toBe(2);
    expect(await store.settings.get<number>("done")).toBe(2);
  });

  it("without retryOnConnectionLoss, or when it keeps being lost, the lost connection is the caller's error", async () => {
    const name = `bcsync_test_${randomBytes(5).toString("hex")}`;
    store = await openStore({ url: databaseUrl, schema: name, applicationName: name, onConnectionLost: () => {} });
    const open = store;
    const lostEveryTime = async (options: { retryOnConnectionLoss?: boolean }) => {
      let attempts = 0;
      const error = await open
        .transaction(async (tx) => {
          attempts += 1;
          await tx.settings.set("never", attempts);
          await terminateSessionOf(tx.db, databaseUrl!);
          await tx.settings.set("never", -1);
        }, options)
        .catch((e: unknown) => e);
      return { attempts, lost: isPostgresConnectionLost(error) };
    };
    expect(await lostEveryTime({})).toEqual({ attempts: 1, lost: true });
    expect(await lostEveryTime({ retryOnConnectionLoss: true })).toEqual({ attempts: 3, lost: true });
    // Nothing of the lost transactions was committed.
    expect(await open.settings.get<number>("never")).toBeUndefined();
  });

  it("outside a transaction, a read on a lost connection runs once more on a new one; a write is the caller's STORE_CONNECTION_LOST", async () => {
    const name = `bcsync_test_${randomBytes(5).toString("hex")}`;
    store = await openStore({ url: databaseUrl, schema: name, applicationName: name, onConnectionLost: () => {} });
    await store.settings.set("probe", 1);
    // One connection held outside any transaction, its session ended before each query: deterministic, no timing.
    const outcome = await store.db.connection().execute(async (conn) => {
      await terminateSessionOf(conn, databaseUrl!);
      const read = await new SettingsRepository(conn).get<number>("probe");
      const write = await new SettingsRepository(conn).set("probe", 2).catch((e: unknown) => e);
      return { read, write };
    });
    expect(outcome.read).toBe(1);
    expect(isPostgresConnectionLost(outcome.write)).toBe(true);
    expect(storeFailure(outcome.write)?.code).toBe("BCSYNC_E_STORE_CONNECTION_LOST");
    // The write was not repeated behind the caller's back; the store goes on.
    expect(await store.settings.get<number>("probe")).toBe(1);
  });

  it("recognises a lost connection among errors", () => {
    expect(isPostgresConnectionLost({ code: "57P01" })).toBe(true);
    expect(isPostgresConnectionLost(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isPostgresConnectionLost({ code: "23505" })).toBe(false);
  });
});
