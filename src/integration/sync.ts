// On-demand synchronization of table mappings (`bcsync sync`, the demo, the job queue): picks the mappings,
// orders them so every mapping runs after what it depends on (seed S16), runs each through the engine runner,
// and brings each header's lines along (invoice lines, order lines and notes never run on their own). Option-set
// mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT) run like the others: the engine couples their codes to
// option values before the account, order and invoice mappings that resolve codes through them.

import type { Row } from "../connectors/index.ts";
import { matchValueCouplingId, type TableMapping } from "../engine/model.ts";
import type { RunMode } from "../engine/planner.ts";
import { type PassReport, runMapping } from "../engine/runner.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import { INTEGRATION_UNKNOWN_MAPPING } from "../errors/codes/integration.ts";
import type { IntegrationContext } from "./context.ts";
import { syncLines } from "./lines.ts";
import { maintainDefaultPriceList } from "./price-list.ts";
import { syncSalesPrices } from "./sales-prices.ts";

export interface SyncRequest {
  /** Mapping names; empty = all. */
  names?: readonly string[];
  full?: boolean;
  dryRun?: boolean;
  /** Called after each mapping, for progress output. */
  onMapping?: (result: MappingSyncResult) => void;
}

export interface MappingSyncResult {
  mapping: string;
  passes: PassReport[];
  /** A failure that stopped the mapping's run (a bug or a missing mapping), in words. */
  error?: string;
  /** Why the mapping was not run. */
  skipped?: string;
}

/** Orders mappings so dependencies and parents come first, then by run order and name. */
export function runSequence(mappings: readonly TableMapping[]): TableMapping[] {
  const byName = new Map(mappings.map((m) => [m.name, m]));
  const sorted = [...mappings].sort((a, b) => a.runOrder - b.runOrder || a.name.localeCompare(b.name));
  const done = new Set<string>();
  const out: TableMapping[] = [];
  const visit = (m: TableMapping, path: Set<string>) => {
    if (done.has(m.name) || path.has(m.name)) return;
    path.add(m.name);
    const before = [...m.dependsOn, ...(m.parent ? [m.parent.mapping] : [])];
    for (const dep of before) {
      const d = byName.get(dep);
      if (d) visit(d, path);
    }
    done.add(m.name);
    out.push(m);
  };
  for (const m of sorted) visit(m, new Set());
  return out;
}

/** The mappings a request names, with the children of named headers. Unknown names are a catalogued error. */
export function selectMappings(all: readonly TableMapping[], names: readonly string[] = []): TableMapping[] {
  if (names.length === 0) return runSequence(all);
  const known = new Set(all.map((m) => m.name));
  const wanted = new Set<string>();
  for (const raw of names) {
    const name = raw.toUpperCase();
    if (!known.has(name)) {
      throw bcsyncError(INTEGRATION_UNKNOWN_MAPPING, { mapping: raw, known: [...known].join(", ") });
    }
    wanted.add(name);
  }
  for (const m of all) if (m.parent && wanted.has(m.parent.mapping)) wanted.add(m.name);
  return runSequence(all.filter((m) => wanted.has(m.name)));
}

export async function syncMappings(ctx: IntegrationContext, request: SyncRequest = {}): Promise<MappingSyncResult[]> {
  const mode: RunMode = request.full ? "full" : "scheduled";
  const results: MappingSyncResult[] = [];
  if (!request.dryRun) await coupleLocalCurrency(ctx).catch(() => undefined); // retried on the next sync
  for (const mapping of selectMappings(ctx.mappings, request.names)) {
    let result: MappingSyncResult;
    try {
      const dryRun = request.dryRun === true;
      const passes = mapping.parent
        ? [await syncLines(ctx, mapping, dryRun)]
        : mapping.name === "SALESPRC-PRODPRICE"
          ? [await syncSalesPrices(ctx, mapping, dryRun)]
          : await runMapping(ctx.engine, mapping.name, { mode, dryRun });
      result = { mapping: mapping.name, passes };
    } catch (error) {
      result = { mapping: mapping.name, passes: [], error: error instanceof Error ? error.message : String(error) };
    }
    if (!request.dryRun && PRODUCT_MAPPINGS.has(mapping.name) && result.passes.length > 0) {
      // Items create and maintain the default price list in Sales (S14): after each product sync.
      const rules = await maintainDefaultPriceList(ctx).catch((error: Error) => ({
        failed: 1,
        errors: [error.message],
      }));
      if (rules.failed > 0) result = { ...result, error: `price list rules: ${rules.errors[0]}` };
    }
    results.push(result);
    request.onMapping?.(result);
  }
  return results;
}

const PRODUCT_MAPPINGS = new Set(["ITEM-PRODUCT", "RESOURCE-PRODUCT"]);

/** Sum of one counter over a mapping's passes. */
export function total(result: MappingSyncResult, counter: keyof PassReport["counters"]): number {
  return result.passes.reduce((n, p) => n + p.counters[counter], 0);
}

/**
 * Couples the local currency (BC "LCY") to the Dataverse base currency, as BC does by ISO code: BC's v2.0 pages
 * show the LCY code (e.g. `USD`) for a blank currency, and the LCY has no Currencies row to couple, so CURRENCY
 * gets a match-value coupling `code=<LCY>` ↔ the organization's base currency. Lookups of the LCY code then
 * resolve both ways (writing the LCY code through v2.0 stores blank). Only when the base currency's ISO code is
 * not a BC currency (then it is not the LCY) and nothing is coupled yet.
 */
export async function coupleLocalCurrency(ctx: IntegrationContext): Promise<boolean> {
  if (!ctx.mappings.some((m) => m.name === CURRENCY)) return false;
  for await (const c of ctx.store.couplings.iterate(CURRENCY)) if (c.bcId.startsWith("code=")) return false;
  const org = await firstRow(ctx.dataverse.pages("organizations", { select: ["_basecurrencyid_value"], top: 1 }));
  const baseId = org?._basecurrencyid_value;
  if (typeof baseId !== "string") return false;
  const base = await ctx.dataverse.retrieve("transactioncurrencies", baseId, { select: ["isocurrencycode"] });
  const iso = base.ok ? base.value?.isocurrencycode : undefined;
  if (typeof iso !== "string" || iso === "") return false;
  const bcCurrency = await firstRow(
    ctx.businessCentral
      .company(ctx.companyId)
      .pages("currencies", { filter: `code eq '${iso.replace(/'/g, "''")}'`, select: ["id"], pageSize: 1 }),
  );
  if (bcCurrency) return false;
  if (await ctx.store.couplings.getByDataverseId(CURRENCY, baseId.toLowerCase())) return false;
  await ctx.store.couplings.couple({
    mappingName: CURRENCY,
    bcId: matchValueCouplingId("code", iso),
    dataverseId: baseId.toLowerCase(),
  });
  return true;
}

const CURRENCY = "CURRENCY";

async function firstRow(
  pages: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>,
): Promise<Row | undefined> {
  for await (const page of pages) {
    if (!page.ok) throw page.error;
    return page.value.rows[0];
  }
  return undefined;
}
