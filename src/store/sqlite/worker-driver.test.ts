import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSqliteUniqueViolation } from "./connect.ts";
import { SqliteThread, SqliteThreadDialect } from "./worker-driver.ts";

// The store's SQLite runs on a thread of its own; what callers relied on when it ran on theirs must still hold.
describe("SQLite on its own thread", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bcsync-sqlite-thread-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(file = join(dir, "db.sqlite")) {
    // biome-ignore lint/suspicious/noExplicitAny: a scratch table outside the store's schema.
    return new Kysely<any>({ dialect: new SqliteThreadDialect(await SqliteThread.open(file, ["journal_mode = WAL"])) });
  }

  it("returns rows, counts changes and keeps a transaction's statements together", async () => {
    const db = await open();
    await sql`create table t (id integer primary key, name text not null unique)`.execute(db);
    const inserted = await db
      .insertInto("t")
      .values([{ name: "a" }, { name: "b" }])
      .executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("t").values({ name: "c" }).execute();
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const rows = await db.selectFrom("t").select("name").orderBy("name").execute();
    expect(rows.map((r) => r.name)).toEqual(["a", "b"]);
    // The thread's busy time, which bench/profile-run.ts reports because a profile of the main thread misses it.
    expect(SqliteThread.activeMs()).toBeGreaterThan(0);
    await db.destroy();
  });

  it("rejects with SQLite's error code, which the store's error handling reads", async () => {
    const db = await open();
    await sql`create table t (name text primary key)`.execute(db);
    await db.insertInto("t").values({ name: "a" }).execute();
    const error = await db
      .insertInto("t")
      .values({ name: "a" })
      .execute()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    expect(isSqliteUniqueViolation(error)).toBe(true);
    await db.destroy();
  });

  it("fails to open with SQLite's own error when the file cannot be opened", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const opening = SqliteThread.open(join(locked, "db.sqlite"), []);
    // root may write anywhere: then the file opens, and only the error's shape cannot be checked here.
    const result = await opening.then(
      async (thread) => {
        await thread.close();
        return "opened";
      },
      (e: unknown) => e,
    );
    if (result !== "opened") expect((result as { code?: string }).code).toBe("SQLITE_CANTOPEN");
    await expect(SqliteThread.open(join(dir, "missing", "db.sqlite"), [])).rejects.toThrow(
      "Cannot open database because the directory does not exist",
    );
  });

  it("a closed store refuses further statements instead of hanging", async () => {
    const thread = await SqliteThread.open(join(dir, "db.sqlite"), []);
    await thread.close();
    await expect(thread.execute("select 1", [])).rejects.toThrow("the SQLite store's thread stopped");
  });

  // An open better-sqlite3 handle never kept a process alive; a command that forgets to close its store must
  // still exit, and one awaiting its last statement must not exit before the answer.
  it("lets a process exit with the store open, and not before its last statement is answered", () => {
    const script = `
      import { openStore } from ${JSON.stringify(join(import.meta.dirname, "..", "index.ts"))};
      const store = await openStore({ dataDir: ${JSON.stringify(dir)} });
      await store.settings.set("probe", "written");
      console.log(await store.settings.get("probe"));
    `;
    const probe = join(dir, "probe.mts");
    writeFileSync(probe, script);
    const out = execFileSync(process.execPath, ["--import", "tsx", probe], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(out.trim()).toBe("written");
  });
});
