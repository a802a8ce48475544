import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "./storage.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bcsync-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("store", () => {
  it("gets, puts, deletes and scans in key order", () => {
    const store = openStore();
    const t = store.table("accounts");
    t.put("b", { name: "B" });
    t.put("a", { name: "A" });
    t.put("c", { name: "C" });
    t.put("b", { name: "B2" });
    expect(t.delete("c")).toBe(true);
    expect(t.delete("zz")).toBe(false);
    expect([...t.scan()].map(([id, r]) => `${id}=${r.name}`)).toEqual(["a=A", "b=B2"]);
    expect(t.get("b")).toEqual({ name: "B2" });
    expect(t.size).toBe(2);
  });

  it("rolls back every write of a failed transaction", () => {
    const store = openStore({ dataDir: tempDir() });
    const t = store.table("rows");
    t.put("keep", { v: 1 });
    expect(() =>
      store.transaction(() => {
        t.put("keep", { v: 2 });
        t.put("new", { v: 3 });
        t.delete("keep");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(t.get("keep")).toEqual({ v: 1 });
    expect(t.has("new")).toBe(false);
    expect([...t.scan()].map(([id]) => id)).toEqual(["keep"]);
  });

  it("persists committed transactions across a reopen", () => {
    const dir = tempDir();
    const first = openStore({ dataDir: dir });
    first.transaction(() => {
      for (let i = 0; i < 10; i++) first.table("t").put(`k${i}`, { i });
    });
    first.table("t").delete("k3");
    first.close();
    const second = openStore({ dataDir: dir });
    expect(second.table("t").size).toBe(9);
    expect(second.table("t").get("k7")).toEqual({ i: 7 });
    expect(second.table("t").has("k3")).toBe(false);
    second.close();
  });

  it("writes 100,000 rows in one transaction and reads them back after reopen", () => {
    const dir = tempDir();
    const store = openStore({ dataDir: dir });
    store.transaction(() => {
      const t = store.table("big");
      for (let i = 0; i < 100_000; i++) t.put(String(i).padStart(6, "0"), { i, name: `row ${i}` });
    });
    store.close();
    const again = openStore({ dataDir: dir });
    const t = again.table("big");
    expect(t.size).toBe(100_000);
    const first = t.scan().next().value;
    expect(first?.[0]).toBe("000000");
    expect(t.get("099999")).toEqual({ i: 99_999, name: "row 99999" });
    again.close();
  });

  it("survives a SIGKILL in the middle of a stream of writes", async () => {
    const dir = tempDir();
    const script = `
      import { openStore } from ${JSON.stringify(join(process.cwd(), "emulators/runtime/storage.ts"))};
      const store = openStore({ dataDir: ${JSON.stringify(dir)} });
      let n = 0;
      for (;;) {
        store.transaction(() => {
          for (let i = 0; i < 500; i++) store.table("t").put(String(n * 500 + i), { batch: n });
          store.table("meta").put("last", { batch: n });
        });
        if (n === 3) process.stdout.write("ready\\n");
        n++;
      }
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        if (d.toString().includes("ready")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGKILL");
    await exited;
    const store = openStore({ dataDir: dir });
    const last = store.table("meta").get("last")?.batch as number;
    expect(last).toBeGreaterThanOrEqual(3);
    // Every committed batch is complete and nothing beyond the last committed one exists.
    expect(store.table("t").size).toBe((last + 1) * 500);
    store.close();
  });
});
