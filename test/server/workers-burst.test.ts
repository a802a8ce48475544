// Issue 11 "done when": three processes share the job queue on PostgreSQL (one `bcsync serve --pg-boss`, which
// receives the services' notifications, and two headless `bcsync worker --pg-boss` child processes) under a burst
// of changes in both services (every coupled customer edited in Business Central and, at the same moment, its account
// in Sales; every coupled item renamed). Every change arrives and is written once (the sync log counts one update per
// edited record and direction), and no mapping ever runs in two places at once (its runs never overlap). The test waits for states (data arrived, entries idle),
// never for a fixed time.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import { type RunningService, startService } from "../../src/cli/commands/serve.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import type { SyncJob } from "../../src/store/index.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "../integration/helpers.ts";

const databaseUrl = process.env.DATABASE_URL;
const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };

let h: Harness | undefined;
let service: RunningService | undefined;
const workers: ChildProcess[] = [];
/** Queue entries each process completed (entry name per line), by process. */
const completedBy = new Map<string, string[]>();
let database: string | undefined;
let burstStartedAt = "";

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Starts `bcsync worker --pg-boss` in a child process; resolves once it says it takes work. */
async function startWorker(name: string, configPath: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "../../src/cli/main.ts"),
      "worker",
      "--pg-boss",
      "--concurrency",
      "2",
      "--json",
      "--config",
      configPath,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  completedBy.set(name, lines);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        if (!line.startsWith("{")) continue;
        const event = JSON.parse(line);
        if (event.event === "ready") resolve();
        else lines.push(String(event.entry));
      }
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready: ${stderr}`)));
  });
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

beforeAll(async () => {
  if (!databaseUrl) return;
  // A database of its own: the state store and pg-boss's schema, dropped afterwards.
  database = `bcsync_burst_${randomBytes(4).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  h = await startIntegration({}, { storeUrl: url.toString() });
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
  const inProcess: string[] = [];
  completedBy.set("serve", inProcess);
  service = await startService({
    config: h.configPath,
    host: "127.0.0.1",
    port: "0",
    pgBoss: true,
    concurrency: "1",
    debounce: "200",
    quiet: true,
  });
  service.workers?.on("completed", (entry) => inProcess.push(entry.mappingName ?? entry.kind));
  const configPath = h.configPath;
  workers.push(...(await Promise.all(["worker 1", "worker 2"].map((name) => startWorker(name, configPath)))));
}, 240_000);

afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await service?.stop();
  await h?.close();
  if (database) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
});

const arrives = { timeout: 180_000, interval: 500 };

describe.skipIf(!databaseUrl)("three processes share the job queue on PostgreSQL under a burst", () => {
  it("a burst of edits on both sides of every coupled customer and item arrives, each change written once", async () => {
    if (!h) throw new Error("no harness");
    const ctx = h.ctx;
    const scope = ctx.businessCentral.company(ctx.companyId);
    const coupled = async (mapping: string) => {
      const pairs: { bcId: string; dataverseId: string }[] = [];
      for await (const c of ctx.store.couplings.iterate(mapping))
        pairs.push({ bcId: c.bcId, dataverseId: c.dataverseId });
      return pairs;
    };
    const customers = await coupled("CUSTOMER");
    const items = await coupled("ITEM-PRODUCT");
    expect(customers.length).toBeGreaterThan(5);
    expect(items.length).toBeGreaterThan(5);
    const phone = (i: number) => `555-${String(1000 + i)}`;
    const website = (i: number) => `https://burst-${i}.example`;
    const itemName = (i: number) => `Burst item ${i}`;

    // Every change at once, as fast as the services take them: each coupled customer's phone in Business Central
    // and, at the same moment, its account's website in Sales (the issue's "edited at the same moment on both
    // sides"), and every coupled item's name. Each record is edited once, so each change must be written once.
    burstStartedAt = new Date().toISOString();
    const edit = async <T>(list: T[], one: (x: T, i: number) => Promise<{ ok: boolean; error?: unknown }>) => {
      for (const [i, x] of list.entries()) {
        const r = await one(x, i);
        if (!r.ok) throw r.error;
      }
    };
    await Promise.all([
      edit(customers, (c, i) => scope.update("customers", c.bcId, { phoneNumber: phone(i) }, "*")),
      edit(customers, (c, i) => ctx.dataverse.update("accounts", c.dataverseId, { websiteurl: website(i) }, asUser)),
      edit(items, (c, i) => scope.update("items", c.bcId, { displayName: itemName(i) }, "*")),
    ]);
    const edits = customers.length * 2 + items.length;
    await h.emulators.businessCentral.flushWebhooks();
    await h.emulators.dataverse.flushWebhooks();

    await vi.waitFor(async () => {
      const accounts = new Map(
        (await dvRows(ctx, "accounts", undefined, ["accountid", "telephone1"])).map((a) => [a.accountid, a.telephone1]),
      );
      for (const [i, c] of customers.entries()) expect(accounts.get(c.dataverseId), c.dataverseId).toBe(phone(i));
      const products = new Map(
        (await dvRows(ctx, "products", undefined, ["productid", "name"])).map((p) => [p.productid, p.name]),
      );
      for (const [i, c] of items.entries()) expect(products.get(c.dataverseId), c.dataverseId).toBe(itemName(i));
      const bc = new Map((await bcRows(ctx, "customers")).map((c) => [String(c.id), c.website]));
      for (const [i, c] of customers.entries()) expect(bc.get(c.bcId), c.bcId).toBe(website(i));
    }, arrives);
    // Every entry idle again (nothing in process anywhere), so the sync log below is complete.
    await vi.waitFor(async () => {
      expect((await ctx.store.queue.list()).filter((e) => e.status === "in_process")).toEqual([]);
    }, arrives);
    // Nothing lost on the way back either: the Business Central phone numbers are still the ones typed there.
    const bcPhones = new Map((await bcRows(ctx, "customers")).map((c) => [String(c.id), c.phoneNumber]));
    for (const [i, c] of customers.entries()) expect(bcPhones.get(c.bcId)).toBe(phone(i));

    // Written once: the sync log counts one update per edited record and direction — two runs of one mapping at
    // once would each write the same change.
    const runsOf = async (mapping: string) =>
      // Every run that finished after the burst began, also one already under way then (a poll's): it may have
      // written some of the burst's changes. Runs before it wrote nothing (the data was in sync).
      (await ctx.store.jobs.list({ mappingName: mapping, limit: 1000 })).filter(
        (j) => (j.finishedAt ?? "") >= burstStartedAt,
      );
    const modified = (runs: SyncJob[], direction: string) =>
      runs.filter((r) => r.direction === direction).reduce((n, r) => n + r.modified + r.inserted, 0);
    const customerRuns = await runsOf("CUSTOMER");
    const itemRuns = await runsOf("ITEM-PRODUCT");
    expect(modified(customerRuns, "toDataverse"), "CUSTOMER writes to Sales").toBe(customers.length);
    expect(modified(customerRuns, "fromDataverse"), "CUSTOMER writes to BC").toBe(customers.length);
    expect(modified(itemRuns, "toDataverse"), "ITEM-PRODUCT writes to Sales").toBe(items.length);
    for (const run of [...customerRuns, ...itemRuns]) expect(run.failed, `${run.mappingName} ${run.direction}`).toBe(0);
    // How many runs the burst took depends on when the edits land against the debounce window, so it is printed,
    // not asserted (test/triggers/triggers.test.ts holds "a burst is a handful of runs" deterministically).
    console.info(`[workers-burst] ${edits} edits → ${customerRuns.length + itemRuns.length} passes in the sync log`);
  }, 400_000);

  it("no mapping ran in two places at once: its runs in the sync log never overlap", async () => {
    if (!h) throw new Error("no harness");
    const byMapping = new Map<string, SyncJob[]>();
    for (const job of await h.ctx.store.jobs.list({ limit: 5000 })) {
      if (job.startedAt < burstStartedAt || !job.finishedAt) continue;
      byMapping.set(job.mappingName, [...(byMapping.get(job.mappingName) ?? []), job]);
    }
    expect(byMapping.size).toBeGreaterThan(0);
    for (const [mapping, jobs] of byMapping) {
      jobs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      for (let i = 1; i < jobs.length; i++)
        expect(jobs[i].startedAt >= String(jobs[i - 1].finishedAt), `${mapping} run ${i} overlaps the one before`).toBe(
          true,
        );
    }
    // The work was shared: the runs were completed by the three processes together (how they split it is up to
    // pg-boss; printed for the record, not asserted).
    const total = [...completedBy.values()].reduce((n, lines) => n + lines.length, 0);
    expect(total).toBeGreaterThan(0);
    console.info(
      `[workers-burst] entries completed per process: ${[...completedBy].map(([p, l]) => `${p} ${l.length}`).join(", ")}`,
    );
  });
});
