// (Re)connecting applies the default table mappings and job queue entries (seed S2): custom mappings are
// discarded, but only after an explicit confirmation and after the previous set has been exported in the
// engine's mapping file format, so nothing is lost that cannot be imported again.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../connectors/result.ts";
import { serializeMappings, type TableMapping } from "../engine/model.ts";
import { fromStoredMapping, toStoredMapping } from "../engine/persist.ts";
import { hashOf } from "../engine/values.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import { INTEGRATION_RESET_NOT_CONFIRMED } from "../errors/codes/integration.ts";
import type { Store } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";
import { integrationDefaults, withCompanyScope } from "./defaults/index.ts";
import { defaultJobQueueEntries, JOB_KINDS } from "./jobs.ts";
import type { FitReport } from "./schema-fit.ts";
import { defaultOptionsOf, type IntegrationSettings, jobSwitchesOf } from "./settings.ts";

export interface ApplyDefaultsOptions {
  /** The user agreed to discard custom mappings (CLI --yes or an interactive "yes"). */
  confirmed: boolean;
  /** Where the previous set is exported (a timestamped YAML file is written there). */
  exportDir: string;
  now?: () => Date;
  /** Adjusts the defaults to the connected services before they are saved (see schema-fit.ts). */
  fit?: (mappings: TableMapping[]) => Promise<{ mappings: TableMapping[]; reports: FitReport[] }>;
}

export interface ApplyDefaultsReport {
  applied: string[];
  /** Mappings that were not the shipped defaults (user-defined or edited) and are now gone. */
  discarded: string[];
  exportedTo?: string;
  jobQueueEntries: number;
  /** What fitting to the services switched off. */
  fitted: FitReport[];
}

const APPLIED_KEY = "integration.appliedDefaults";

/**
 * Mappings in the store that differ from what the defaults wrote: user-defined ones and edited defaults. A
 * default as last applied (fitted to the services) is not custom; neither is an untouched default.
 */
export async function customMappings(store: Store, settings: IntegrationSettings): Promise<string[]> {
  const applied = (await store.settings.get<Record<string, string>>(APPLIED_KEY)) ?? {};
  // Compare in the stored form (field directions made explicit), so an untouched default is not "custom".
  const defaults = new Map(
    integrationDefaults(defaultOptionsOf(settings)).map((d) => [
      d.mapping.name,
      hashOf(fromStoredMapping(toStoredMapping(d.mapping))),
    ]),
  );
  const current = await loadMappings(store);
  return current
    .filter((m) => {
      if (m.userDefined) return true;
      const hash = hashOf(m);
      return hash !== defaults.get(m.name) && hash !== applied[m.name];
    })
    .map((m) => m.name);
}

/** The table mappings in the store, validated through the engine's schema. */
export async function loadMappings(store: Store): Promise<TableMapping[]> {
  return (await store.mappings.list()).map((m) => fromStoredMapping(m as Parameters<typeof fromStoredMapping>[0]));
}

/**
 * Stores mappings from a mapping file or an edit, in one transaction (`bcsync mappings import`, the API's import and
 * edit). A company-scoped Sales table keeps its company condition even when the file left it out.
 */
export async function saveMappings(
  store: Store,
  settings: Pick<IntegrationSettings, "dataverseCompanyId">,
  mappings: readonly TableMapping[],
): Promise<TableMapping[]> {
  const scoped = mappings.map((m) => withCompanyScope(m, settings.dataverseCompanyId));
  await store.transaction(async (tx) => {
    for (const m of scoped) await tx.mappings.save(toStoredMapping(m));
  });
  return scoped;
}

/**
 * The context's mapping list follows the store after mappings were changed (defaults reapplied, a file imported, an
 * edit through the API): the list is replaced in place, as the engine and the triggers look mappings up in it.
 */
export async function reloadMappings(ctx: Pick<IntegrationContext, "store" | "mappings">): Promise<void> {
  const fresh = await loadMappings(ctx.store);
  ctx.mappings.splice(0, ctx.mappings.length, ...fresh);
}

/** Replaces the mappings and job queue entries with the defaults for these settings. */
export async function applyDefaults(
  store: Store,
  settings: IntegrationSettings,
  options: ApplyDefaultsOptions,
): Promise<Result<ApplyDefaultsReport>> {
  const previous = await loadMappings(store);
  const discarded = await customMappings(store, settings);
  if (discarded.length > 0 && !options.confirmed) {
    return fail(bcsyncError(INTEGRATION_RESET_NOT_CONFIRMED, { custom: discarded.join(", ") }));
  }
  let exportedTo: string | undefined;
  if (previous.length > 0) {
    mkdirSync(options.exportDir, { recursive: true });
    const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, "-");
    exportedTo = join(options.exportDir, `mappings-before-reset-${stamp}.yaml`);
    writeFileSync(exportedTo, serializeMappings(previous, "yaml"));
  }
  const defaults = integrationDefaults(defaultOptionsOf(settings));
  const raw = defaults.map((d) => d.mapping);
  const fitted = options.fit ? await options.fit(raw) : { mappings: raw, reports: [] };
  const kept = new Set(fitted.mappings.map((m) => m.name));
  const entries = defaultJobQueueEntries(
    defaults.filter((d) => kept.has(d.mapping.name)),
    defaultOptionsOf(settings),
    jobSwitchesOf(settings),
  );
  await store.transaction(async (tx) => {
    await tx.mappings.deleteAll();
    for (const m of fitted.mappings) await tx.mappings.save(toStoredMapping(m));
    await tx.queue.deleteAll();
    for (const e of entries) {
      await tx.queue.create({
        kind: e.kind,
        mappingName: e.mappingName,
        description: e.description,
        recurring: true,
        intervalMinutes: e.intervalMinutes,
        inactivityTimeoutMinutes: e.inactivityTimeoutMinutes ?? e.intervalMinutes,
        status: e.kind === JOB_KINDS.mapping ? "ready" : e.status,
        maxAttempts: e.maxAttempts,
        rerunDelaySeconds: e.rerunDelaySeconds,
      });
    }
    await tx.review.clear();
    await tx.settings.set("integration.defaultsAppliedAt", (options.now?.() ?? new Date()).toISOString());
    const hashes = Object.fromEntries(
      fitted.mappings.map((m) => [m.name, hashOf(fromStoredMapping(toStoredMapping(m)))]),
    );
    await tx.settings.set(APPLIED_KEY, hashes);
  });
  return ok({
    applied: fitted.mappings.map((m) => m.name),
    discarded,
    ...(exportedTo ? { exportedTo } : {}),
    jobQueueEntries: entries.length,
    fitted: fitted.reports,
  });
}
