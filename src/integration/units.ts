// Switching on multiple units of measure (seed S12/S13, bc-reference §6), end to end and guided:
//  1. uncouple the products (a background uncoupling job whose progress is in the sync log),
//  2. rename and retire the old products in Sales (Sales does not allow a product's unit group to change),
//  3. replace the unit of measure mapping by UNIT GROUP, ITEM UOM and RESOURCE UOM (the defaults with unit groups),
//  4. recommended full sync for the unit group, item unit and resource unit mappings, then "sync all",
//  5. restart ITEM-PRODUCT and RESOURCE-PRODUCT, so new products are created, each with its own unit group.
// BC's data upgrade that creates a unit group per item and resource is the companion API's `unitGroups` page.

import { join } from "node:path";
import { loadConfig, saveConfig } from "../config/index.ts";
import type { IntegrationContext } from "./context.ts";
import { OPTION_MAPPINGS, UNIT_GROUP_MAPPINGS } from "./defaults/index.ts";
import { applyDefaults, reloadMappings } from "./reset.ts";
import { recommendFullSync, restartLine, syncAll } from "./review.ts";
import { fitMappings } from "./schema-fit.ts";

/** Dataverse product statecode/statuscode for Retired. */
const PRODUCT_RETIRED = { statecode: 1, statuscode: 2 };
export const RETIRED_SUFFIX = " (before unit groups)";

export interface UnitsMigrationStep {
  step: string;
  detail: string;
}

export interface UnitsMigrationReport {
  steps: UnitsMigrationStep[];
  uncoupled: number;
  retired: number;
  uncouplingJobId: string;
}

const PRODUCT_MAPPINGS = ["ITEM-PRODUCT", "RESOURCE-PRODUCT"] as const;

/** Uncouples every product, logging an uncoupling job; returns the Dataverse ids of the old products. */
async function uncoupleProducts(ctx: IntegrationContext): Promise<{ jobId: string; productIds: string[] }> {
  const productIds: string[] = [];
  const job = await ctx.store.jobs.start({ mappingName: "ITEM-PRODUCT", direction: "toDataverse", type: "uncoupling" });
  for (const mapping of PRODUCT_MAPPINGS) {
    const couplings = [];
    for await (const c of ctx.store.couplings.iterate(mapping)) couplings.push(c);
    for (const c of couplings) {
      await ctx.store.couplings.uncoupleByBcId(mapping, c.bcId);
      productIds.push(c.dataverseId);
      await ctx.store.jobs.count(job.id, { uncoupled: 1 });
    }
  }
  // Units of measure were coupled to the NAV <code> unit groups; they no longer apply.
  for (const c of await all(ctx, "UNIT OF MEASURE")) await ctx.store.couplings.uncoupleByBcId("UNIT OF MEASURE", c);
  await ctx.store.jobs.finish(job.id, { status: "succeeded", message: `uncoupled ${productIds.length} product(s)` });
  return { jobId: job.id, productIds };
}

async function all(ctx: IntegrationContext, mapping: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const c of ctx.store.couplings.iteratePairs(mapping)) ids.push(c.bcId);
  return ids;
}

/** Renames and retires the old products so the new ones do not collide with them in Sales (S13 step 2). */
async function retireProducts(ctx: IntegrationContext, productIds: readonly string[]): Promise<number> {
  let retired = 0;
  for (const id of productIds) {
    const row = await ctx.dataverse.retrieve("products", id, { select: ["name", "productnumber"] });
    if (!row.ok || !row.value) continue;
    const name = String(row.value.name ?? "");
    const renamed = await ctx.dataverse.update("products", id, {
      name: name.endsWith(RETIRED_SUFFIX) ? name : `${name}${RETIRED_SUFFIX}`,
      productnumber: `${String(row.value.productnumber ?? id)}-OLD`,
    });
    if (!renamed.ok) continue;
    const r = await ctx.dataverse.update("products", id, PRODUCT_RETIRED);
    if (r.ok) retired++;
  }
  return retired;
}

/**
 * Runs the whole switch. `ctx` must have been opened on the configuration file (its `configPath`): the setting is
 * written there, the mappings and job queue entries are replaced in the store. Returns what each step did.
 */
export async function enableMultipleUnits(
  ctx: IntegrationContext,
  onStep: (step: UnitsMigrationStep) => void = () => {},
): Promise<UnitsMigrationReport> {
  const steps: UnitsMigrationStep[] = [];
  const note = (step: string, detail: string) => {
    const s = { step, detail };
    steps.push(s);
    onStep(s);
  };

  const { jobId, productIds } = await uncoupleProducts(ctx);
  note("uncouple products", `${productIds.length} product(s) uncoupled in background job ${jobId} (see the sync log)`);

  const retired = await retireProducts(ctx, productIds);
  note(
    "rename and retire old products",
    `${retired} product(s) renamed with "${RETIRED_SUFFIX.trim()}" and retired in Sales`,
  );

  const settings = { ...ctx.settings, unitGroupsEnabled: true };
  if (ctx.configPath) {
    const config = loadConfig({ path: ctx.configPath });
    saveConfig(ctx.configPath, { ...config, integration: { ...config.integration, unitGroupsEnabled: true } });
  }
  ctx.settings = settings;
  const applied = await applyDefaults(ctx.store, settings, {
    confirmed: true,
    exportDir: join(ctx.config.dataDir, "exports"),
    fit: (mappings) => fitMappings(mappings, ctx, new Set(OPTION_MAPPINGS)),
  });
  if (!applied.ok) throw applied.error;
  await reloadMappings(ctx);
  await ctx.store.review.clear();
  note(
    "replace mappings",
    `UNIT OF MEASURE replaced by ${UNIT_GROUP_MAPPINGS.join(", ")}; products map to unit groups`,
  );

  await recommendFullSync(ctx, [...UNIT_GROUP_MAPPINGS]);
  const lines = await syncAll(ctx);
  const state = (name: string) => lines.find((l) => l.mappingName === name)?.queueStatus ?? "not run";
  note("recommended full sync, sync all", UNIT_GROUP_MAPPINGS.map((n) => `${n}: ${state(n)}`).join(", "));

  for (const name of PRODUCT_MAPPINGS) {
    const after = await restartLine(ctx, name);
    note(`restart ${name}`, after.find((l) => l.mappingName === name)?.queueStatus ?? "not run");
  }
  return { steps, uncoupled: productIds.length, retired, uncouplingJobId: jobId };
}
