// Crash safety: a sync of 5,000 records is SIGKILLed in a child process mid-run; after a restart every BC
// record has exactly one Dataverse counterpart (write intents + client-chosen keys, no duplicates).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP } from "../../emulators/identity/demo-apps.ts";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { openStore } from "../../src/store/index.ts";
import type { ChildConfig } from "./child-sync.ts";
import { customerMapping, type Harness, startHarness, unwrap } from "./harness.ts";

const RECORDS = 5000;
// No match fields: every record is created, so only the write intents stand between a crash and a duplicate.
const mapping = () => customerMapping({ fields: customerMapping().fields.map(({ match: _match, ...f }) => f) });
let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-crash-"));
  h = await startHarness([mapping()], join(dir, "store"));
  const scope = h.bc.company(h.companyId);
  for (let i = 0; i < RECORDS; i += 100) {
    const requests = Array.from({ length: 100 }, (_, j) => ({
      method: "POST" as const,
      url: "customers",
      body: { displayName: `Crash ${String(i + j).padStart(5, "0")}`, phoneNumber: `555-${i + j}` },
    }));
    const results = unwrap(await scope.batch(requests));
    expect(results.every((r) => r.status === 201)).toBe(true);
  }
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the child sync and resolves once it has written `killAtPage` pages, then SIGKILLs it. */
function runChildAndKill(configPath: string, killAtPage: number): Promise<{ killed: boolean; lastLine: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "child-sync.ts"), configPath], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let lastLine = "";
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      lastLine = line;
      if (line === `page ${killAtPage}`) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve({ killed: signal === "SIGKILL", lastLine }));
  });
}

it("a kill -9 in the middle of a 5,000-record run leaves exactly one counterpart per record", async () => {
  await h.store.close(); // the child owns the store file while it runs
  const config: ChildConfig = {
    credentials: {
      tenantId: h.emulators.identity.tenantId,
      clientId: DEMO_INTEGRATION_APP.clientId,
      clientSecret: DEMO_INTEGRATION_APP.clientSecret,
      authority: h.emulators.identity.url,
      caPem: h.emulators.identity.caPem,
    },
    dataverseUrl: h.emulators.info.dataverse!.url,
    bc: {
      url: h.emulators.info.businessCentral!.url,
      environment: h.emulators.info.businessCentral!.environment,
      tenantId: h.emulators.info.businessCentral!.tenantId,
      companyId: h.companyId,
    },
    storeDir: join(dir, "store"),
    mapping: mapping(),
    integrationUserId: h.integrationUserId,
    pageSize: 250,
  };
  const configPath = join(dir, "child.json");
  writeFileSync(configPath, JSON.stringify(config));
  const { killed } = await runChildAndKill(configPath, 3);
  expect(killed).toBe(true);

  // Restart: the same store, a new process (here: in-process), the same mapping.
  const store = await openStore({ dataDir: join(dir, "store") });
  try {
    const partial = await store.couplings.count("CUSTOMER");
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(RECORDS);
    const deps = {
      store,
      ports: connectorPorts({ dataverse: h.dv, businessCentral: h.bc, companyId: h.companyId }),
      mappings: () => mapping(),
      integrationUsers: { dataverse: [h.integrationUserId] },
    };
    const [report] = await runMapping(deps, "CUSTOMER", { passes: ["toDataverse"], pageSize: 250 });
    expect(report.status).toBe("succeeded");

    const accountIds: string[] = [];
    for await (const page of h.dv.pages("accounts", { select: ["accountid", "name"], pageSize: 5000 })) {
      for (const row of unwrap(page).rows) accountIds.push(String(row.accountid));
    }
    expect(accountIds).toHaveLength(RECORDS);
    expect(await store.couplings.count("CUSTOMER")).toBe(RECORDS);
    const coupledDv = new Set<string>();
    for await (const c of store.couplings.iterate("CUSTOMER")) coupledDv.add(c.dataverseId);
    expect(coupledDv.size).toBe(RECORDS);
    expect(accountIds.every((id) => coupledDv.has(id.toLowerCase()))).toBe(true);
    expect(await store.pendingWrites.list("CUSTOMER", "toDataverse")).toEqual([]);
  } finally {
    await store.close();
  }
});
