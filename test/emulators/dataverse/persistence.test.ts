import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDataverseEmulator } from "../../../emulators/dataverse/index.ts";

const dir = mkdtempSync(join(tmpdir(), "bcsync-dv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("persistence", () => {
  it("keeps rows, versions and paging secrets across a restart with the same data directory", async () => {
    const first = await startDataverseEmulator({ dataDir: dir, seed: "demo", limits: "off", cost: "off" });
    const res = await fetch(`${first.serviceRoot}accounts?$select=name`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Prefer: "return=representation" },
      body: JSON.stringify({ name: "Survives restarts" }),
    });
    const created = (await res.json()) as { accountid: string; "@odata.etag": string };
    const count = first.store.table("account").size;
    await first.close();

    const second = await startDataverseEmulator({ dataDir: dir, seed: "demo", limits: "off", cost: "off" });
    expect(second.store.table("account").size).toBe(count);
    const again = await fetch(`${second.serviceRoot}accounts(${created.accountid})?$select=name`);
    const row = (await again.json()) as { name: string; "@odata.etag": string };
    expect(row.name).toBe("Survives restarts");
    expect(row["@odata.etag"]).toBe(created["@odata.etag"]);
    const next = await fetch(`${second.serviceRoot}accounts?$select=name`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Prefer: "return=representation" },
      body: JSON.stringify({ name: "After restart" }),
    });
    const later = (await next.json()) as { "@odata.etag": string };
    const version = (etag: string) => Number(/\d+/.exec(etag)?.[0]);
    expect(version(later["@odata.etag"])).toBeGreaterThan(version(created["@odata.etag"]));
    await second.close();
  });
});
