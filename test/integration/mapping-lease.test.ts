// Issue 14.4: two sync processes on one store (two `bcsync sync CUSTOMER --full` at once) wrote the same records
// twice. A mapping's run now takes a lease in the store; another holder is told clearly, a dead one is taken over.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncMappings, total } from "../../src/integration/sync.ts";
import { type Harness, runCli, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration();
}, 120_000);
afterAll(async () => h?.close());

describe("a mapping runs in one process at a time", () => {
  it("a run while another process holds the mapping is refused, naming the holder; afterwards it runs", async () => {
    const other = `${hostname()}:${process.pid}:elsewhere`; // alive: this very process
    expect(await h.ctx.store.leases.acquire("CURRENCY", other, 60_000)).toEqual({ ok: true });
    const refused = await runCli("sync", "CURRENCY", "--config", h.configPath, "--json");
    expect(refused.code).toBe(1);
    const line = JSON.parse(refused.out.trim().split("\n")[0]);
    expect(line.status).toBe("error");
    expect(line.message).toContain("being synchronized by another bcsync process");
    expect(line.message).toContain(other);
    // Catalogued: its code and its fix, as every failure is told (issue 14).
    expect(line.message).toMatch(/^BCSYNC_E_STORE_MAPPING_BUSY: /);
    expect(line.message).toContain("Fix: ");
    expect(await h.ctx.store.jobs.list({ mappingName: "CURRENCY" })).toEqual([]); // nothing ran, nothing logged
    await h.ctx.store.leases.release("CURRENCY", other);
    const [ran] = await syncMappings(h.ctx, { names: ["CURRENCY"] });
    expect(ran.error).toBeUndefined();
    expect(await h.ctx.store.leases.get("CURRENCY")).toBeUndefined(); // given back
  });

  it("a lease left by a process that died (SIGKILL) on this machine is taken over at once", async () => {
    const dead = `${hostname()}:2147483646:killed`;
    expect(await h.ctx.store.leases.acquire("PAYMENT TERMS", dead, 60_000)).toEqual({ ok: true });
    const [ran] = await syncMappings(h.ctx, { names: ["PAYMENT TERMS"], full: true });
    expect(ran.error).toBeUndefined();
    expect(total(ran, "failed")).toBe(0);
  });
});
