// On-demand synchronization of table mappings (`bcsync sync`, the demo, the job queue): picks the mappings,
// orders them so every mapping runs after what it depends on (seed S16), runs each through the engine runner,
// and brings each header's lines along (invoice lines, order lines and notes never run on their own). Option-set
// mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT) run like the others: the engine couples their codes to
// option values before the account, order and invoice mappings that resolve codes through them. With
// bidirectional sales orders, SALESORDER-ORDER runs the order flow (flows/), as its job queue entry does: the
// engine's own Sales → BC pass would PATCH released BC orders, which BC refuses.

import { COMPANION_API } from "../connectors/index.ts";
import { matchValueCouplingId, type PassDirection, type TableMapping } from "../engine/model.ts";
import type { RunMode } from "../engine/planner.ts";
import { type PassReport, readEarly, runMapping } from "../engine/runner.ts";
import { bcsyncError, isBcsyncError } from "../errors/catalogue.ts";
import { INTEGRATION_UNKNOWN_MAPPING } from "../errors/codes/integration.ts";
import { SYNC_COUNTERS, type SyncCounters } from "../store/index.ts";
import { claimCoupledRows } from "./company.ts";
import type { IntegrationContext } from "./context.ts";
import { firstRow } from "./direct-pass.ts";
import { ORDER_MAPPING, syncBidirectionalOrders } from "./flows/index.ts";
import { syncLines } from "./lines.ts";
import { withMappingLease } from "./mapping-lease.ts";
import { maintainDefaultPriceList, PRODUCT_MAPPINGS, ProductInsertRules, writesSalesProducts } from "./price-list.ts";
import { ReadsAtOnce, type WrittenSides } from "./reads-at-once.ts";
import { syncSalesPrices } from "./sales-prices.ts";

export interface SyncRequest {
  /** Mapping names; empty = all. */
  names?: readonly string[];
  full?: boolean;
  dryRun?: boolean;
  /** Called after each mapping, for progress output. */
  onMapping?: (result: MappingSyncResult) => void;
  /** A full sync of several mappings settles forward lookups with one more pass at its end (default true). */
  settle?: boolean;
  /** A mapping starts, and after each page its engine passes write (progress for people). */
  onProgress?: (mapping: string, page?: { direction: PassDirection; pages: number; counters: SyncCounters }) => void;
  /** The product hooks of this sync (its settling pass shares them): what they did, the price list rules skip. */
  productRules?: ProductInsertRules;
  /**
   * A scheduled sync begins every mapping's reads at its start (default true). False reads each at its mapping's
   * turn, one after another, as syncs did before: the benchmark compares both (bench/scheduled.ts).
   */
  readsAtOnce?: boolean;
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

/**
 * How syncMappings runs a mapping: with bidirectional sales orders SALESORDER-ORDER runs the order flow (flows/);
 * lines run under their header; SALESPRC-PRODPRICE its set-based pass; every other mapping the engine's passes.
 */
function howItRuns(
  mapping: TableMapping,
  ctx: Pick<IntegrationContext, "settings">,
): "order flow" | "lines" | "sales prices" | "engine" {
  if (mapping.name === ORDER_MAPPING && ctx.settings.bidirectionalSalesOrders) return "order flow";
  if (mapping.parent) return "lines";
  if (mapping.name === "SALESPRC-PRODPRICE") return "sales prices";
  return "engine";
}

/**
 * Whether `next`'s full sync may read its first Business Central page while `current` runs (readEarly): only when
 * `current` writes nothing to Business Central (so nothing `next` reads there changes under it: a customer written
 * to BC makes BC contacts, say) and `next` runs as the engine's own passes.
 */
function readsEarlyAfter(current: TableMapping, next: TableMapping, ctx: IntegrationContext): boolean {
  return current.direction === "toDataverse" && howItRuns(next, ctx) === "engine";
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
  // Reports of child mappings the order flow already ran under their header, by mapping name.
  const ranByFlow = new Map<string, PassReport[]>();
  const productRules = request.productRules ?? new ProductInsertRules(ctx);
  const selected = selectMappings(ctx.mappings, request.names);
  if (request.full && !request.dryRun && selected.some(writesSalesProducts)) productRules.startFullSync();
  // Products get their price list, base unit and lines as they are created (BC's product hooks).
  const engineFor = (mapping: TableMapping) =>
    PRODUCT_MAPPINGS.has(mapping.name) ? productRules.engine(ctx.engine) : ctx.engine;
  // Reads begun before their mapping's turn (reads-at-once.ts): a scheduled sync begins them all at its start.
  const reads = new ReadsAtOnce();
  if (mode === "scheduled" && !request.dryRun && request.readsAtOnce !== false) {
    reads.begin(ctx, selected, engineFor, (mapping) => howItRuns(mapping, ctx) === "engine");
  }
  try {
    for (const [i, mapping] of selected.entries()) {
      // A full sync: the next mapping's first page is read while this one runs (readsEarlyAfter).
      const next = selected[i + 1];
      if (request.full && !request.dryRun && next && readsEarlyAfter(mapping, next, ctx)) {
        const early = readEarly(engineFor(next), next.name);
        if (early) reads.add(next.name, early);
      }
      const mine = await reads.changeReadsOf(mapping.name);
      request.onProgress?.(mapping.name);
      let result: MappingSyncResult;
      const productSyncInterrupted =
        !request.dryRun && writesSalesProducts(mapping) ? await openProductSync(ctx) : false;
      try {
        const dryRun = request.dryRun === true;
        const byFlow = ranByFlow.get(mapping.name);
        const run = async (): Promise<PassReport[]> => {
          switch (howItRuns(mapping, ctx)) {
            case "order flow": {
              const reports = await runBidirectionalOrders(ctx, mode, dryRun);
              for (const p of reports) {
                if (p.mapping !== ORDER_MAPPING) ranByFlow.set(p.mapping, [...(ranByFlow.get(p.mapping) ?? []), p]);
              }
              return reports.filter((p) => p.mapping === ORDER_MAPPING);
            }
            case "lines":
              return [await syncLines(ctx, mapping, dryRun)];
            case "sales prices":
              return [await syncSalesPrices(ctx, mapping, dryRun)];
            case "engine":
              return runMapping(engineFor(mapping), mapping.name, {
                mode,
                dryRun,
                earlyReads: mine,
                earlyOptionRead: reads.optionReadOf(mapping.name),
                onPassEnd: (report: PassReport) => {
                  reads.written.afterPass(report);
                  if (PRODUCT_MAPPINGS.has(mapping.name)) productRules.passEnded(report);
                },
                ...(request.onProgress ? { onPage: (page) => request.onProgress?.(mapping.name, page) } : {}),
              });
          }
        };
        // A dry run writes nothing and needs no lease; children the header's flow ran are already reported.
        const passes = byFlow ?? (dryRun ? await run() : await withMappingLease(ctx.store, mapping.name, run));
        result = { mapping: mapping.name, passes };
      } catch (error) {
        result = { mapping: mapping.name, passes: [], error: mappingErrorText(error) };
      }
      // What ran outside the engine's passes (the order flow, lines, sales prices) may have written either side.
      if (howItRuns(mapping, ctx) !== "engine" || result.error) reads.written.afterMapping(result);
      if (!request.dryRun && result.passes.length > 0) {
        // Unclaimed Sales rows this company now holds get its stamp (issue 10.19); retried on the next run.
        const early = reads.claimReadOf(mapping.name, result.passes);
        const claimed = await claimCoupledRows(ctx, mapping, early).catch(() => 0);
        if (claimed > 0) reads.written.wrote("dataverse");
      }
      // The price list lines written with the products have settled before the rules compare, or the run ends.
      if (PRODUCT_MAPPINGS.has(mapping.name)) await productRules.settled();
      if (!request.dryRun && writesSalesProducts(mapping) && result.passes.length > 0) {
        const error = await applyPriceListRules(
          reads.written,
          ctx,
          request.full === true || productSyncInterrupted,
          result.passes,
          productRules.complete,
          await productRules.priceListOfThisRun(),
        );
        if (error) result = { ...result, error };
        else await ctx.store.settings.delete(PRODUCT_SYNC_OPEN);
      }
      results.push(result);
      request.onMapping?.(result);
    }
  } finally {
    await reads.close();
  }
  const headers = selected.filter((m) => !m.parent);
  if (request.full && !request.dryRun && request.settle !== false && headers.length > 1) {
    // One more full pass where the first one left lookups for later; its passes join the mapping's report.
    const again = needsSettling(headers, results);
    if (again.length > 0)
      for (const extra of await syncMappings(ctx, { names: again, full: true, settle: false, productRules })) {
        const first = results.find((r) => r.mapping === extra.mapping);
        if (!first) continue;
        first.passes.push(...extra.passes);
        if (extra.error) first.error = extra.error;
      }
  }
  return results;
}

/**
 * Mappings with a lookup to a mapping run at the same point or later (a customer's primary contact →
 * CONTACT): their first pass leaves those fields blank, to be resolved once the other mapping has run.
 */
export function forwardReferencing(mappings: readonly TableMapping[]): string[] {
  const order = new Map(mappings.map((m) => [m.name, m.runOrder]));
  return mappings
    .filter((m) => m.fields.some((f) => f.enabled && f.lookup && (order.get(f.lookup.mapping) ?? -1) >= m.runOrder))
    .map((m) => m.name);
}

/**
 * What a full sync of several mappings runs once more at its end, so that running it again writes nothing: the
 * mappings whose lookups point at mappings that ran later (their first pass left those fields for later), and those
 * that created records in BC (BC's own values for them go back to Sales on a second pass).
 */
export function needsSettling(mappings: readonly TableMapping[], results: readonly MappingSyncResult[]): string[] {
  const forward = new Set(forwardReferencing(mappings));
  return results
    .filter((r) => !r.error && !r.skipped)
    .filter(
      (r) => forward.has(r.mapping) || r.passes.some((p) => p.direction === "fromDataverse" && p.counters.inserted > 0),
    )
    .map((r) => r.mapping);
}

/**
 * Set from the start of a product sync until its price list rules have run: still set at the next start, the last
 * product sync stopped in between (a crash, a kill) and may have created products whose price list lines it had not
 * written yet, so the rules run over every product even when nothing more is written.
 */
const PRODUCT_SYNC_OPEN = "integration.productSyncOpen";

/** Marks a product sync as started; true when the last one never reached its price list rules. */
async function openProductSync(ctx: IntegrationContext): Promise<boolean> {
  const interrupted = (await ctx.store.settings.get<boolean>(PRODUCT_SYNC_OPEN)) === true;
  if (!interrupted) await ctx.store.settings.set(PRODUCT_SYNC_OPEN, true);
  return interrupted;
}

/** Set while the price list rules owe a run (the last one failed): the next product sync applies them again. */
const PRICE_LIST_RULES_OWED = "integration.priceListRulesOwed";

/**
 * Items create and maintain the default price list in Sales (S14), after a product sync that wrote products, as
 * BC's product hooks run on the products its sync inserts and modifies. The rules read every product, unit and
 * line: a scheduled run that wrote no product (most of them) skips them, unless a full sync asks or an earlier
 * run's rules failed. Returns the error for the mapping's report.
 */
async function applyPriceListRules(
  written: WrittenSides,
  ctx: IntegrationContext,
  full: boolean,
  passes: readonly PassReport[],
  complete: ReadonlySet<string>,
  priceListId: string | undefined,
): Promise<string | undefined> {
  const wrote = passes.some(
    (p) => p.direction === "toDataverse" && p.counters.inserted + p.counters.modified + p.counters.coupled > 0,
  );
  const owed = (await ctx.store.settings.get<boolean>(PRICE_LIST_RULES_OWED)) === true;
  if (!full && !wrote && !owed) return undefined;
  written.wrote("dataverse");
  const rules = await maintainDefaultPriceList(ctx, { complete, ...(priceListId ? { priceListId } : {}) }).catch(
    (error: Error) => ({
      failed: 1,
      errors: [error.message],
    }),
  );
  if (rules.failed > 0) {
    await ctx.store.settings.set(PRICE_LIST_RULES_OWED, true);
    return `price list rules: ${rules.errors[0]}`;
  }
  if (owed) await ctx.store.settings.delete(PRICE_LIST_RULES_OWED);
  return undefined;
}

/**
 * SALESORDER-ORDER with bidirectional sales orders: the order flow, as the job queue runs it (BC → Sales through
 * the engine with the lines and notes, then Sales → BC by the order states). A full sync first runs the engine's
 * BC → Sales pass in full mode, so released BC orders not yet in Sales are matched or created. A dry run plans
 * the BC → Sales half only: the flow's Sales → BC half has no plan to show. Returns the header's and the
 * children's reports; the flow's Sales → BC run is reported from its sync job.
 */
async function runBidirectionalOrders(ctx: IntegrationContext, mode: RunMode, dryRun: boolean): Promise<PassReport[]> {
  if (dryRun) {
    const reports = await runMapping(ctx.engine, ORDER_MAPPING, { mode, dryRun, passes: ["toDataverse"] });
    for (const child of ctx.mappings.filter((m) => m.parent?.mapping === ORDER_MAPPING)) {
      reports.push(await syncLines(ctx, child, true));
    }
    const note = "dry run: BC → Sales only; the order flow's Sales → BC half (submitted orders) is not planned";
    return reports.map((p) => (p.mapping === ORDER_MAPPING ? { ...p, message: p.message ?? note } : p));
  }
  const full = mode === "full" ? await runMapping(ctx.engine, ORDER_MAPPING, { mode, passes: ["toDataverse"] }) : [];
  const fromJobs = async () =>
    (await ctx.store.jobs.list({ mappingName: ORDER_MAPPING, limit: 20 })).filter(
      (j) => j.direction === "fromDataverse",
    );
  const before = new Set((await fromJobs()).map((j) => j.id));
  const run = await syncBidirectionalOrders(ctx);
  const job = (await fromJobs()).find((j) => !before.has(j.id)); // the flow's Sales → BC sync job
  const fromDataverse: PassReport[] = job
    ? [
        {
          jobId: job.id,
          mapping: ORDER_MAPPING,
          direction: "fromDataverse",
          status: job.status === "failed" ? "failed" : "succeeded",
          ...(job.message ? { message: job.message } : {}),
          counters: Object.fromEntries(SYNC_COUNTERS.map((c) => [c, job[c]])) as PassReport["counters"],
          planned: [],
          pages: 0,
        },
      ]
    : [];
  return [...full, ...run.toDataverse, ...fromDataverse];
}

/**
 * Counters that say how records stand after the run rather than what it did: a full sync's settling pass reads every
 * record again, so only the last pass of each direction counts (a record failing in both passes failed once; one
 * the settling pass wrote did not fail).
 */
const STATE_COUNTERS = new Set<keyof PassReport["counters"]>(["failed", "skipped", "unchanged"]);

/** A mapping's passes, the last one of each mapping and direction: what the run leaves behind. */
export function latestPasses(result: MappingSyncResult): PassReport[] {
  const last = new Map<string, PassReport>();
  for (const p of result.passes) last.set(`${p.mapping}\u0000${p.direction}`, p);
  return [...last.values()];
}

/** One counter over a mapping's passes: writes summed, record states from the last pass of each direction. */
export function total(result: MappingSyncResult, counter: keyof PassReport["counters"]): number {
  const passes = STATE_COUNTERS.has(counter) ? latestPasses(result) : result.passes;
  return passes.reduce((n, p) => n + p.counters[counter], 0);
}

/**
 * Couples the local currency (BC "LCY") to its Sales currency, as BC does by ISO code, in any company: BC's v2.0
 * pages show the LCY code (e.g. `CAD`) for a blank currency and the LCY has no Currencies row to couple, so
 * CURRENCY gets a match-value coupling `code=<LCY>` ↔ the Sales currency of that ISO code (the base currency when
 * the organization's base is the LCY). When Sales has no such currency it is created with the rate against the
 * base currency from BC's exchange rate of the base currency (issue 10.5: CRONUS Canada's CAD on a USD
 * organization). Lookups of the LCY code then resolve both ways.
 */
export async function coupleLocalCurrency(ctx: IntegrationContext): Promise<boolean> {
  if (!ctx.mappings.some((m) => m.name === CURRENCY)) return false;
  for await (const c of ctx.store.couplings.iteratePairs(CURRENCY)) if (c.bcId.startsWith("code=")) return false;
  const company = ctx.businessCentral.company(ctx.companyId);
  const info = await firstRow(company.pages("companyInformation", { select: ["currencyCode"] }));
  const lcy = typeof info?.currencyCode === "string" ? info.currencyCode.toUpperCase() : "";
  if (lcy === "") return false;
  const quoted = `'${lcy.replace(/'/g, "''")}'`;
  const existing = await firstRow(
    ctx.dataverse.pages("transactioncurrencies", {
      filter: `isocurrencycode eq ${quoted}`,
      select: ["transactioncurrencyid"],
    }),
  );
  let dataverseId = typeof existing?.transactioncurrencyid === "string" ? existing.transactioncurrencyid : undefined;
  if (dataverseId && (await ctx.store.couplings.getByDataverseId(CURRENCY, dataverseId.toLowerCase()))) return false;
  dataverseId ??= await createLocalCurrency(ctx, lcy);
  if (!dataverseId) return false;
  await ctx.store.couplings.couple({
    mappingName: CURRENCY,
    bcId: matchValueCouplingId("code", lcy),
    dataverseId: dataverseId.toLowerCase(),
  });
  return true;
}

/** The LCY as a new Sales currency; its rate is 1 / BC's rate of the base currency (units of base per LCY). */
async function createLocalCurrency(ctx: IntegrationContext, lcy: string): Promise<string | undefined> {
  const org = await firstRow(ctx.dataverse.pages("organizations", { select: ["_basecurrencyid_value"], top: 1 }));
  const baseId = org?._basecurrencyid_value;
  if (typeof baseId !== "string") return undefined;
  const base = await ctx.dataverse.retrieve("transactioncurrencies", baseId, { select: ["isocurrencycode"] });
  const baseIso = base.ok && typeof base.value?.isocurrencycode === "string" ? base.value.isocurrencycode : "";
  const rate = await firstRow(
    ctx.businessCentral
      .company(ctx.companyId, COMPANION_API)
      .pages("currencies", { filter: `code eq '${baseIso.replace(/'/g, "''")}'`, select: ["exchangeRate"] }),
  );
  const basePerLcy = Number(rate?.exchangeRate);
  // Without BC's rate of the base currency the rate would be invented: leave it uncoupled, and the accounts'
  // currency lookups keep failing with their catalogued error until BC has the rate.
  if (!Number.isFinite(basePerLcy) || basePerLcy <= 0) return undefined;
  const created = await ctx.dataverse.create("transactioncurrencies", {
    isocurrencycode: lcy,
    currencyname: lcy,
    currencysymbol: lcy,
    currencyprecision: 2,
    exchangerate: Number((1 / basePerLcy).toFixed(10)),
  });
  if (!created.ok) throw created.error;
  return created.value.id;
}

const CURRENCY = "CURRENCY";

/**
 * A mapping's run that threw, as the summary, the API and the console show it: a catalogued error with its code and
 * fix (a lost store connection, a mapping running elsewhere), anything else by its message.
 */
function mappingErrorText(error: unknown): string {
  if (isBcsyncError(error)) return `${error.code}: ${error.message} Fix: ${error.fix}`;
  return error instanceof Error ? error.message : String(error);
}
