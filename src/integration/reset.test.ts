import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseMappings } from "../engine/model.ts";
import { toStoredMapping } from "../engine/persist.ts";
import { openStore, type Store } from "../store/index.ts";
import { applyDefaults, customMappings, loadMappings } from "./reset.ts";
import { parseIntegrationSettings } from "./settings.ts";

function settings(raw: unknown = {}) {
  const r = parseIntegrationSettings(raw);
  if (!r.ok) throw r.error;
  return r.value;
}

describe("reconnect resets the mappings to the defaults (S2)", () => {
  let store: Store;
  let exportDir: string;
  beforeEach(async () => {
    store = await openStore({ dataDir: ":memory:" });
    exportDir = mkdtempSync(join(tmpdir(), "bcsync-reset-"));
  });
  afterEach(async () => store.close());

  it("applies the defaults and their job queue entries to an empty store without asking", async () => {
    const r = await applyDefaults(store, settings(), { confirmed: false, exportDir });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.discarded).toEqual([]);
    expect(r.value.exportedTo).toBeUndefined();
    const names = (await loadMappings(store)).map((m) => m.name);
    expect(names).toContain("ITEM-PRODUCT");
    const queue = await store.queue.list();
    expect(queue.find((e) => e.mappingName === "RESOURCE-PRODUCT")).toMatchObject({
      intervalMinutes: 30,
      inactivityTimeoutMinutes: 720,
      status: "ready",
    });
    expect(queue.find((e) => e.kind === "customer-statistics")?.intervalMinutes).toBe(30);
    expect(await customMappings(store, settings())).toEqual([]);
  });

  it("refuses to discard custom mappings without confirmation, then exports them before resetting", async () => {
    await applyDefaults(store, settings(), { confirmed: false, exportDir });
    const [item] = (await loadMappings(store)).filter((m) => m.name === "ITEM-PRODUCT");
    await store.mappings.save(
      toStoredMapping({ ...item, bc: { ...item.bc, filter: "blocked eq false and type eq 'Inventory'" } }),
    );
    await store.mappings.save(toStoredMapping({ ...item, name: "MY-ITEMS", userDefined: true }));

    const refused = await applyDefaults(store, settings(), { confirmed: false, exportDir });
    expect(!refused.ok && refused.error.code).toBe("BCSYNC_E_INTEGRATION_RESET_NOT_CONFIRMED");
    expect(!refused.ok && refused.error.message).toContain("MY-ITEMS");
    expect((await loadMappings(store)).map((m) => m.name)).toContain("MY-ITEMS");

    const done = await applyDefaults(store, settings(), { confirmed: true, exportDir });
    if (!done.ok) throw done.error;
    expect(done.value.discarded.sort()).toEqual(["ITEM-PRODUCT", "MY-ITEMS"]);
    const exported = parseMappings(readFileSync(done.value.exportedTo!, "utf8"));
    expect(exported.ok && exported.value.find((m) => m.name === "MY-ITEMS")?.userDefined).toBe(true);
    expect(exported.ok && exported.value.find((m) => m.name === "ITEM-PRODUCT")?.bc.filter).toContain("Inventory");
    const after = await loadMappings(store);
    expect(after.map((m) => m.name)).not.toContain("MY-ITEMS");
    expect(after.find((m) => m.name === "ITEM-PRODUCT")?.bc.filter).toBe("blocked eq false");
  });

  it("switching multiple units of measure off replaces the unit group mappings; they were defaults, not custom (S12)", async () => {
    await applyDefaults(store, settings({ unitGroupsEnabled: true }), { confirmed: false, exportDir });
    expect(await customMappings(store, settings({ unitGroupsEnabled: false }))).toEqual([]);
    const r = await applyDefaults(store, settings({ unitGroupsEnabled: false }), { confirmed: false, exportDir });
    expect(r.ok).toBe(true);
    const names = (await loadMappings(store)).map((m) => m.name);
    expect(names).toContain("UNIT OF MEASURE");
    expect(names).not.toContain("UNIT GROUP");
  });
});
