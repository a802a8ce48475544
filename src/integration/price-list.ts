// The product rules BC's item/resource hooks apply (seed S14, bc-reference §2.2.13/§6): syncing items creates and
// maintains the default price list in Sales, with a price list line per product and unit of its unit group
// (amount = unit price × quantity of the unit), and points each product at that list and at its base unit.
// A product's unit group is never changed here (S13: Sales does not allow it).

import type { BulkResult, Result } from "../connectors/index.ts";
import { COMPANION_API, type Row } from "../connectors/index.ts";
import { orEquals, writeBudgetOf } from "../engine/adapters/common.ts";
import type { TableMapping } from "../engine/model.ts";
import { InFlightRequests, inParallel, nextBatchSize } from "../engine/pipeline/write.ts";
import type { CreateItem, EntityPort, PortResult, Side, WriteOutcome } from "../engine/ports.ts";
import { chunks } from "../engine/prefetch.ts";
import type { EngineDeps, PassReport } from "../engine/runner.ts";
import type { IntegrationContext } from "./context.ts";
import { PRICING_METHOD_CURRENCY_AMOUNT } from "./defaults/sales-price.ts";

export const DEFAULT_PRICE_LIST_NAME = "Business Central Default Price List";
const QUANTITY_SELLING_NO_CONTROL = 1;

export interface PriceListReport {
  priceListId: string;
  productsUpdated: number;
  linesCreated: number;
  linesUpdated: number;
  failed: number;
  errors: string[];
  /** Time spent reading what the rules compare, and writing what they changed. */
  seconds: { reads: number; writes: number };
}

async function rows(
  gen: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>,
): Promise<Row[]> {
  const out: Row[] = [];
  for await (const page of gen) {
    if (!page.ok) throw page.error;
    out.push(...page.value.rows);
  }
  return out;
}

/**
 * The default price list (created in the local currency when missing). `currenciesBeside`: the currencies are read
 * beside the list's lookup instead of after it, for the product hooks, whose products wait for the list: reading
 * it, then the currencies, then creating it, in a row, held the first products of a first 20,000-item sync back by
 * ~0.15 s. When the list exists, one read is spent for nothing, once a run that writes products.
 */
export async function ensureDefaultPriceList(
  ctx: Pick<IntegrationContext, "dataverse">,
  options: { currenciesBeside?: boolean } = {},
): Promise<string> {
  const readCurrencies = () =>
    rows(ctx.dataverse.pages("transactioncurrencies", { select: ["transactioncurrencyid", "exchangerate"] }));
  const beside = options.currenciesBeside ? readCurrencies() : undefined;
  // Not needed when the list exists: its failure then is nobody's.
  beside?.catch(() => undefined);
  const existing = await rows(
    ctx.dataverse.pages("pricelevels", { filter: `name eq '${DEFAULT_PRICE_LIST_NAME}'`, select: ["pricelevelid"] }),
  );
  if (existing[0]) return String(existing[0].pricelevelid);
  const currencies = await (beside ?? readCurrencies());
  const local = currencies.find((c) => Number(c.exchangerate) === 1) ?? currencies[0];
  const created = await ctx.dataverse.create("pricelevels", {
    name: DEFAULT_PRICE_LIST_NAME,
    ...(local ? { "transactioncurrencyid@odata.bind": `/transactioncurrencies(${local.transactioncurrencyid})` } : {}),
  });
  if (!created.ok) throw created.error;
  return String(created.value.id);
}

/** The mappings whose products get the default price list (their couplings are what the rules go through). */
export const PRODUCT_MAPPINGS: ReadonlySet<string> = new Set(["ITEM-PRODUCT", "RESOURCE-PRODUCT"]);

/**
 * A product mapping that writes products to Sales (BC → Sales or both ways): BC's product hooks, which keep the
 * default price list, run as BC writes a product to Sales. A mapping set to Sales → BC only writes no product
 * there, so neither the list nor its lines nor the products' list and unit are the integration's to write.
 */
export function writesSalesProducts(mapping: Pick<TableMapping, "name" | "direction">): boolean {
  return PRODUCT_MAPPINGS.has(mapping.name) && mapping.direction !== "fromDataverse";
}

/** The product mappings of the configuration that write products to Sales (writesSalesProducts). */
function productMappingsWritingSales(ctx: Pick<IntegrationContext, "mappings">): string[] {
  return ctx.mappings.filter(writesSalesProducts).map((m) => m.name);
}

const UOM_COLUMNS = ["uomid", "name", "quantity", "_uomscheduleid_value"];
/** Most price list lines a request of the product hooks carries (CreateMultiple takes 1,000; see flushLines). */
const LINES_PER_REQUEST = 250;
/**
 * Fewest lines a request carries while the product sync goes on (a request's fixed cost, 91 ms, is ~10 lines'
 * worth), and once it is over (settled: the last lines spread over every free slot).
 */
const MIN_LINES_WHILE_SYNCING = 50;
const MIN_LINES_SETTLING = 10;
/** Lines queued from which the products' requests are kept large (see the wrapped port's writeBudget). */
const LINES_WAITING = 500;
/** Fewest products a create request carries while LINES_WAITING lines wait (the engine's own floor is 10). */
const PRODUCTS_WHILE_LINES_WAIT = 100;
/** Unit groups asked for in one `_uomscheduleid_value eq … or …` read. */
const SCHEDULES_PER_READ = 50;
/** Units read at once at the start of a product sync (one Dataverse page); more are read group by group. */
const UNITS_PRELOAD_LIMIT = 5000;

/**
 * What BC's product hooks do as a product is created (bc-reference §2.2.13, §2.3): before the insert
 * (OnBeforeInsert/OnAfterTransferRecordFields) the product gets the default price list and its base unit, and right
 * after it (OnAfterInsert) its price list lines. A full sync of 20,000 items otherwise wrote every product twice
 * (created, then updated by the rules with `pricelevelid` and `defaultuomid`) and read every item, product and line
 * again for the rules afterwards (issue 13, items workload).
 *
 * It wraps the Dataverse port of the product mappings (`engine`): the engine stays as it is and knows nothing of
 * price lists. Whatever it cannot do with certainty it leaves undone for `maintainDefaultPriceList`, which runs
 * after the product sync as before: a product whose base unit is not the only unit of quantity 1 in its unit group
 * (with multiple units of measure the group also holds its own base unit), a create repeated after a lost answer (its
 * product may have lines already), a line Dataverse refused. The products it did entirely are `complete`: the
 * rules need not read anything for them.
 */
export class ProductInsertRules {
  /** Products created here with the price list, the base unit and a line per unit of their unit group. */
  readonly complete = new Set<string>();
  linesCreated = 0;
  private priceList: Promise<string | undefined> | undefined;
  private readonly writing = new Set<Promise<void>>();
  /** Lines waiting for a request, and the lines each product still waits for. */
  private readonly queued: { productId: string; row: Row }[] = [];
  private readonly linesLeft = new Map<string, number>();
  /** The product sync is over (`settled` was called): the last lines go out in smaller requests. */
  private settling = false;
  /** Unit group id (lower-case) → its units, read once per run. */
  private readonly units = new Map<string, Promise<Row[] | undefined>>();
  /** Every group's units read at once, when they fit one page (preloadUnits). */
  private unitsPreload: Promise<void> | undefined;

  /** Line requests in flight, and the time a line request takes (learned from those that settled). */
  private readonly lineRequests: InFlightRequests;

  constructor(
    private readonly ctx: Pick<IntegrationContext, "dataverse">,
    now: () => number = () => performance.now(),
  ) {
    this.lineRequests = new InFlightRequests(now);
  }

  /** The engine with the product mappings' Dataverse port wrapped; every other port as it was. */
  engine(deps: EngineDeps): EngineDeps {
    const forMapping = (mapping: TableMapping, side: Side): EntityPort => {
      const port = deps.ports.forMapping(mapping, side);
      return side === "dataverse" && PRODUCT_MAPPINGS.has(mapping.name) ? this.wrap(port) : port;
    };
    return { ...deps, ports: delegating(deps.ports, { forMapping }) };
  }

  private readonly wrapped = new WeakMap<EntityPort, EntityPort>();

  /** The port with its creates through `create`; everything else is the port's own (its caches stay its own). */
  private wrap(port: EntityPort): EntityPort {
    let out = this.wrapped.get(port);
    if (!out) {
      out = delegating(port, {
        create: (items: readonly CreateItem[]) => this.create(port, items),
        // While many lines wait for a slot, the products' requests carry at least PRODUCTS_WHILE_LINES_WAIT: a
        // slot a small product request would take serves a line request better, and the product request's fixed
        // cost is spread wider (20,000 items: 2% faster, a tenth fewer requests).
        writeBudget: port.writeBudget
          ? () => {
              const budget = port.writeBudget!();
              return this.queued.length >= LINES_WAITING ? { ...budget, minBatch: PRODUCTS_WHILE_LINES_WAIT } : budget;
            }
          : undefined,
        // The engine asks for the target's column limits when a pass is about to write (at the start of a full
        // sync, or with the first page that has changes): the default price list is looked up beside them rather
        // than in front of the first products' create (a read, and on a first sync a read and a create, 0.5 s).
        // A run with nothing to write asks for neither.
        columnLimits: port.columnLimits
          ? () => {
              void this.priceListId();
              return port.columnLimits!();
            }
          : undefined,
        // A full product sync creates most products: every group's units are read now, with the price list (an
        // incremental run reads the units of the few groups its creates need, when they need them).
        prepareFullSync: () => {
          void this.priceListId();
          void this.preloadUnits();
          port.prepareFullSync?.();
        },
      });
      this.wrapped.set(port, out);
    }
    return out;
  }

  /**
   * The default price list's id as this run's hooks found or created it; undefined when they did not look it up
   * (no product written) or could not. The rules after the sync start from it instead of looking it up again.
   */
  priceListOfThisRun(): Promise<string | undefined> {
    return this.priceList ?? Promise.resolve(undefined);
  }

  /**
   * A full sync that will write products: the default price list is looked up (and created when missing) now, while
   * the mappings the products depend on run (UNIT OF MEASURE), instead of in front of the first products' create (a
   * read and, on a first sync, a create: 0.3 s of a 20,000-item sync). A full product pass asks for it at its start
   * anyway (prepareFullSync), so nothing is created that would not have been.
   */
  startFullSync(): void {
    void this.priceListId();
  }

  private priceListId(): Promise<string | undefined> {
    // Unavailable now: the products are created without it, and the rules after the sync report why.
    this.priceList ??= ensureDefaultPriceList(this.ctx, { currenciesBeside: true }).catch(() => undefined);
    return this.priceList;
  }

  private async create(port: EntityPort, items: readonly CreateItem[]): Promise<PortResult<WriteOutcome[]>> {
    if (items.length === 0) return port.create(items);
    const scheduleIds = items.map((item) => scheduleOf(item.values));
    // Side by side: before the first products of a sync, each was a read (and the list's create) in a row.
    const [priceListId, unitsOf] = await Promise.all([
      this.priceListId(),
      this.unitsOf(scheduleIds.filter((id): id is string => id !== undefined)),
    ]);
    const plans = items.map((item, i) => {
      const units = scheduleIds[i] ? unitsOf.get(scheduleIds[i]) : undefined;
      const ones = (units ?? []).filter((u) => Number(u.quantity) === 1);
      // The base unit has quantity 1; with one such unit in the group it is that one (without multiple units of
      // measure, the group's only unit). Otherwise the rules choose it by the item's base unit code.
      const base = ones.length === 1 ? String(ones[0].uomid) : undefined;
      // Set one by one, then the product's own values over them (a mapping that writes either itself keeps its
      // value): as an object literal of two spreads and then the product's ~20 values, V8 built each object on its
      // slow path, 50-60 µs a product (1 s of the main thread in a 20,000-item sync); Object.assign takes ~7 µs.
      const values: Record<string, unknown> = {};
      if (priceListId) values["pricelevelid@odata.bind"] = `/pricelevels(${priceListId})`;
      if (base) values["defaultuomid@odata.bind"] = `/uoms(${base})`;
      Object.assign(values, item.values);
      const whole =
        priceListId !== undefined &&
        base !== undefined &&
        values["pricelevelid@odata.bind"] === `/pricelevels(${priceListId})` &&
        values["defaultuomid@odata.bind"] === `/uoms(${base})`;
      return { item: { ...item, values }, units: units ?? [], whole };
    });
    const res = await port.create(plans.map((p) => p.item));
    if (!res.ok || !priceListId) return res;
    this.queueLines(priceListId, plans, res.value);
    return res;
  }

  /**
   * The product mapping's pass that writes products to Sales is over: no more lines come from it, so what waits is
   * cut to finish together (settling) now, not once the mapping's other pass (Sales → BC, which creates no product)
   * is over too. A 20,000-item sync's last lines went out in halving shares while that pass read (2 s): now they
   * end together, in fewer requests (A/B, 3 runs each: 411 → 357 Dataverse requests, 8.43 → 8.35 s).
   */
  productsWritten(): void {
    this.settling = true;
    this.flushLines();
  }

  /** A product mapping's pass ended (runMapping's onPassEnd): after the pass to Sales, see productsWritten. */
  passEnded(report: Pick<PassReport, "direction">): void {
    if (report.direction === "toDataverse") this.productsWritten();
  }

  /** Every line queued so far is written and its request settled. */
  async settled(): Promise<void> {
    this.productsWritten();
    while (this.writing.size > 0) {
      await Promise.race([...this.writing]);
      this.flushLines();
    }
  }

  /**
   * Queues the lines of the products this request created; they go out while the sync goes on, in requests of
   * LINES_PER_REQUEST (the products' own requests are smaller: a request's fixed cost is ~10 rows' worth), and
   * `settled` waits for them before the rules look. A repeated create (an answer with the record read back) may
   * have made its lines the first time: left to the rules, which compare with the lines there are.
   */
  private queueLines(
    priceListId: string,
    plans: readonly { item: CreateItem; units: Row[]; whole: boolean }[],
    outcomes: readonly WriteOutcome[],
  ): void {
    for (const [i, outcome] of outcomes.entries()) {
      const plan = plans[i];
      if (!outcome.ok || outcome.record || !plan.whole || plan.units.length === 0) continue;
      const productId = outcome.id.toLowerCase();
      this.linesLeft.set(productId, plan.units.length);
      for (const unit of plan.units) {
        this.queued.push({ productId, row: lineRow(priceListId, productId, unit, plan.item.values.price) });
      }
    }
    this.flushLines();
  }

  /**
   * Sends queued lines into Dataverse's free request slots only, in requests sized to spread what waits over every
   * slot (guided self-scheduling, as the orders' BC $batches are cut: request-batches.ts). Lines sent in fixed
   * requests of 250 waited in the HTTP queue behind the product creates, and when those ended, the last wave of
   * line requests (2.3 s each at Dataverse's cost) ran on half the slots while the others idled: 3-4 s of a
   * 14 s items sync. Held here, lines leave the slots to the product creates their own lines wait for, fill the
   * slots those leave, and finish together. Called as each product or line request settles, when slots free up.
   */
  private flushLines(): void {
    const { free, slots } = this.slots();
    let sendable = free - this.launching;
    // Nothing of ours is in flight: one request goes whatever the slots say, so the queue always drains.
    if (sendable <= 0 && this.writing.size === 0 && this.queued.length > 0) sendable = 1;
    const least = this.settling ? MIN_LINES_SETTLING : MIN_LINES_WHILE_SYNCING;
    while (this.queued.length > 0 && sendable > 0) {
      // Mid-sync, a request below the minimum waits for more lines unless nothing of ours is in flight.
      if (!this.settling && this.queued.length < least && this.writing.size > 0) break;
      const lines = this.queued.splice(0, this.lineRequestSize(slots, least));
      sendable--;
      this.launch();
      const settled = this.lineRequests.start(lines.length);
      const written = this.writeLines(lines).then(
        () => settled(true),
        () => {
          settled(false);
          for (const line of lines) this.linesLeft.delete(line.productId);
        },
      );
      this.writing.add(written);
      void written.finally(() => {
        this.writing.delete(written);
        this.flushLines();
      });
    }
  }

  /**
   * Lines the next request takes. While products are created: what waits spread over every slot, at least `least`.
   * Once the products are done (settling), as the engine's last creates are cut (nextBatchSize): a share of the
   * work left, what waits and what the line requests in flight still have to do by their learned times, so the
   * slots finish together in fewer requests than halving shares give (20,000 items: 180 line requests after the
   * products, most under 50 lines).
   */
  private lineRequestSize(slots: number, least: number): number {
    if (!Number.isFinite(slots)) return Math.min(LINES_PER_REQUEST, this.queued.length);
    if (!this.settling) {
      return Math.min(LINES_PER_REQUEST, Math.max(least, Math.ceil(this.queued.length / slots)));
    }
    const backlog = this.lineRequests.backlog(this.queued.length, 0);
    return Math.max(least, nextBatchSize(backlog, { concurrency: slots, maxBatch: LINES_PER_REQUEST }));
  }

  /** Dataverse's request slots for this client (every principal's) and those neither busy nor asked for. */
  private slots(): { free: number; slots: number } {
    let slots = 0;
    let busy = 0;
    for (const s of this.ctx.dataverse.throttleStates()) {
      slots += s.effectiveConcurrency;
      busy += s.active + s.queued;
    }
    return { free: slots - busy, slots };
  }

  /**
   * Requests sent this turn of the event loop that the HTTP throttle has not counted yet (it takes a slot after
   * the token's await): counted here so two flushes in one turn do not both take the same free slots. Node runs
   * many I/O callbacks in one turn and the throttle counts each request between them, so later flushes of the
   * turn count its requests twice and leave slots free; the turn's end counts again and fills them (without it,
   * 16 of Dataverse's 52 slots sat idle for 0.75 s of a 20,000-item sync, until the next line request ended).
   */
  private launching = 0;
  private launch(): void {
    if (this.launching++ === 0)
      setImmediate(() => {
        this.launching = 0;
        this.flushLines();
      });
  }

  /** A product whose lines are all written is complete; one with a line refused is left to the rules. */
  private async writeLines(lines: readonly { productId: string; row: Row }[]): Promise<void> {
    const created = await this.ctx.dataverse.createMultiple(
      "productpricelevels",
      "productpricelevel",
      lines.map((l) => l.row),
    );
    for (const [i, line] of lines.entries()) {
      if (!(created.ok && created.value.outcomes[i]?.ok)) {
        this.linesLeft.delete(line.productId);
        continue;
      }
      this.linesCreated++;
      const left = this.linesLeft.get(line.productId);
      if (left === undefined) continue;
      if (left > 1) this.linesLeft.set(line.productId, left - 1);
      else {
        this.linesLeft.delete(line.productId);
        this.complete.add(line.productId);
      }
    }
  }

  /**
   * Every unit group's units, when they fit one page (a company's units are few; with multiple units of measure off
   * a group per unit): read as a full sync starts, beside the price list lookup, so the first products' create does
   * not wait for a read of their groups' units (0.15-0.2 s). More than a page, or a failed read: each group is read
   * when a create needs it.
   */
  private preloadUnits(): Promise<void> {
    this.unitsPreload ??= (async () => {
      for await (const page of this.ctx.dataverse.pages("uoms", {
        select: UOM_COLUMNS,
        pageSize: UNITS_PRELOAD_LIMIT,
      })) {
        if (!page.ok || page.value.nextLink) return;
        for (const [id, units] of groupedBy(page.value.rows, "_uomscheduleid_value")) {
          if (!this.units.has(id)) this.units.set(id, Promise.resolve(units));
        }
        return;
      }
    })().catch(() => undefined);
    return this.unitsPreload;
  }

  /**
   * The units of these unit groups, each group read once per run (creates in flight together share the read); a
   * group whose read failed is left out, and read again by the next create that needs it.
   */
  private async unitsOf(scheduleIds: readonly string[]): Promise<Map<string, Row[]>> {
    await this.unitsPreload;
    const wanted = [...new Set(scheduleIds)];
    for (const ids of chunks(
      wanted.filter((id) => !this.units.has(id)),
      SCHEDULES_PER_READ,
    )) {
      const read = rows(
        this.ctx.dataverse.pages("uoms", {
          filter: orEquals("_uomscheduleid_value", ids),
          select: UOM_COLUMNS,
          pageSize: 5000,
        }),
      ).catch(() => undefined);
      for (const id of ids) {
        const units = read.then((found) => {
          if (!found) this.units.delete(id);
          return found?.filter((u) => String(u._uomscheduleid_value).toLowerCase() === id);
        });
        this.units.set(id, units);
      }
    }
    const out = new Map<string, Row[]>();
    for (const id of wanted) {
      const units = await this.units.get(id);
      if (units) out.set(id, units);
    }
    return out;
  }
}

/** `target` with these members replaced; its other methods run on `target` itself. */
function delegating<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get(t, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property as keyof T];
      const value = Reflect.get(t, property, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

/** The unit group a product is created in (its insert-only `defaultuomscheduleid` bind), lower-case. */
function scheduleOf(values: Record<string, unknown>): string | undefined {
  const bind = values["defaultuomscheduleid@odata.bind"];
  const id = typeof bind === "string" ? /^\/?uomschedules\(([^)]+)\)$/i.exec(bind)?.[1] : undefined;
  return id?.toLowerCase();
}

/** A product's price list line for one unit: the product's price times the unit's quantity. */
function lineRow(priceListId: string, productId: string, unit: Row, price: unknown): Row {
  return {
    "pricelevelid@odata.bind": `/pricelevels(${priceListId})`,
    "productid@odata.bind": `/products(${productId})`,
    "uomid@odata.bind": `/uoms(${unit.uomid})`,
    amount: lineAmount(price, unit),
    pricingmethodcode: PRICING_METHOD_CURRENCY_AMOUNT,
    quantitysellingcode: QUANTITY_SELLING_NO_CONTROL,
  };
}

function lineAmount(price: unknown, unit: Row): number {
  return Math.round(Number(price ?? 0) * Number(unit.quantity ?? 1) * 100) / 100;
}

/**
 * Applies the product rules to every coupled product of ITEM-PRODUCT and RESOURCE-PRODUCT. Products `complete`
 * names (created this run with everything the rules would write: `ProductInsertRules`) need nothing: when every
 * coupled product is one of them, nothing is read.
 */
export async function maintainDefaultPriceList(
  ctx: IntegrationContext,
  options: { complete?: ReadonlySet<string>; priceListId?: string } = {},
): Promise<PriceListReport> {
  const priceListId = options.priceListId ?? (await ensureDefaultPriceList(ctx));
  const report: PriceListReport = {
    priceListId,
    productsUpdated: 0,
    linesCreated: 0,
    linesUpdated: 0,
    failed: 0,
    errors: [],
    seconds: { reads: 0, writes: 0 },
  };
  if (options.complete && (await everyCouplingIn(ctx, options.complete))) return report;
  const readsStarted = performance.now();
  // What the rules compare on the Dataverse side, read while Business Central's items and units are read.
  const dvReads = Promise.all([
    rows(ctx.dataverse.pages("products", { select: PRODUCT_COLUMNS, pageSize: 5000 })),
    rows(
      ctx.dataverse.pages("uoms", { select: ["uomid", "name", "quantity", "_uomscheduleid_value"], pageSize: 5000 }),
    ),
    rows(
      ctx.dataverse.pages("productpricelevels", {
        filter: `_pricelevelid_value eq ${priceListId}`,
        select: ["productpricelevelid", "_productid_value", "_uomid_value", "amount"],
        pageSize: 5000,
      }),
    ),
  ]);
  // Awaited below; a failure is thrown there, not reported as unhandled meanwhile.
  dvReads.catch(() => undefined);
  const baseUnits = new Map<string, string>();
  const items = await rows(
    ctx.businessCentral.company(ctx.companyId).pages("items", { select: ["id", "baseUnitOfMeasureCode"] }),
  );
  for (const i of items) baseUnits.set(String(i.id).toLowerCase(), String(i.baseUnitOfMeasureCode ?? ""));
  const companion = ctx.businessCentral.company(ctx.companyId, COMPANION_API);
  const resources = await rows(
    companion.pages("resources", { select: ["id", "baseUnitOfMeasureCode", "unitGroupCode"] }),
  );
  for (const r of resources) baseUnits.set(String(r.id).toLowerCase(), String(r.baseUnitOfMeasureCode ?? ""));
  // With multiple units of measure, each item and resource has its own unit group (S12).
  const groupOf = new Map<string, string>();
  if (!ctx.settings.unitGroupsEnabled) {
    // One unit per unit group: the NAV <code> unit group of the item's or resource's base unit.
    const schedules = await unitOfMeasureSchedules(ctx);
    for (const [id, code] of baseUnits) {
      const schedule = schedules.get(code);
      if (schedule) groupOf.set(id, schedule);
    }
  } else {
    const schedules = await unitGroupSchedules(ctx);
    const itemGroups = await rows(companion.pages("items", { select: ["id", "unitGroupCode"] }));
    for (const row of [...itemGroups, ...resources]) {
      const schedule = schedules.get(String(row.unitGroupCode ?? ""));
      if (schedule) groupOf.set(String(row.id).toLowerCase(), schedule);
    }
  }

  // Set-based (issue 13): what the rules compare is read once for all products — the products, the units of
  // measure and the list's lines, a paged read each — and what they change is written in bulk requests, several
  // at once within Dataverse's budget. Product by product it was five requests in a row per product (12-20
  // minutes for 3,014 products).
  const [productRows, unitRows, lineRows] = await dvReads;
  const products = new Map(productRows.map((row) => [String(row.productid).toLowerCase(), row]));
  const unitsOf = groupedBy(unitRows, "_uomscheduleid_value");
  const linesOf = groupedBy(lineRows, "_productid_value");

  const writes: PriceListWrites = { productUpdates: [], lineUpdates: [], lineCreates: [] };
  for (const mapping of productMappingsWritingSales(ctx)) {
    for await (const coupling of ctx.store.couplings.iteratePairs(mapping)) {
      const productId = coupling.dataverseId.toLowerCase();
      const product = products.get(productId);
      if (!product) continue;
      planProduct(
        { priceListId, productId, product, label: `${mapping} ${coupling.bcId}` },
        baseUnits.get(coupling.bcId) ?? "",
        groupOf.get(coupling.bcId),
        unitsOf,
        linesOf.get(productId) ?? [],
        writes,
      );
    }
  }
  const writesStarted = performance.now();
  report.seconds.reads = seconds(writesStarted - readsStarted);
  await writeAll(ctx, writes, report);
  report.seconds.writes = seconds(performance.now() - writesStarted);
  return report;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** Every product coupled through the product mappings is one of these. */
async function everyCouplingIn(ctx: IntegrationContext, complete: ReadonlySet<string>): Promise<boolean> {
  for (const mapping of productMappingsWritingSales(ctx)) {
    for await (const coupling of ctx.store.couplings.iteratePairs(mapping)) {
      if (!complete.has(coupling.dataverseId.toLowerCase())) return false;
    }
  }
  return true;
}

const PRODUCT_COLUMNS = [
  "productid",
  "price",
  "_defaultuomscheduleid_value",
  "_defaultuomid_value",
  "_pricelevelid_value",
];

/** A write the rules decided, with the coupling it is for (named in errors). */
interface RuleWrite {
  label: string;
  key?: string;
  row: Row;
}

interface PriceListWrites {
  productUpdates: RuleWrite[];
  lineUpdates: RuleWrite[];
  lineCreates: RuleWrite[];
}

/** The product rules for one product, as writes to make: pure, from what was read for all products. */
function planProduct(
  target: { priceListId: string; productId: string; product: Row; label: string },
  baseUnitCode: string,
  unitGroupId: string | undefined,
  unitsOf: Map<string, Row[]>,
  lines: readonly Row[],
  writes: PriceListWrites,
): void {
  const { priceListId, productId, product, label } = target;
  const changes: Row = {};
  // Products the sync creates get their unit group from the insert-only field mapping; a product coupled by match
  // that has none gets its item's here, once. An existing unit group is never changed (S13).
  let scheduleId = product._defaultuomscheduleid_value;
  if (typeof scheduleId !== "string" && unitGroupId) {
    scheduleId = unitGroupId;
    changes["defaultuomscheduleid@odata.bind"] = `/uomschedules(${unitGroupId})`;
  }
  if (typeof scheduleId !== "string") return;
  const units = unitsOf.get(scheduleId.toLowerCase()) ?? [];
  const base =
    units.find((u) => String(u.name).toUpperCase() === baseUnitCode.toUpperCase()) ??
    units.find((u) => Number(u.quantity) === 1);
  if (product._pricelevelid_value !== priceListId) changes["pricelevelid@odata.bind"] = `/pricelevels(${priceListId})`;
  if (base && product._defaultuomid_value !== base.uomid) changes["defaultuomid@odata.bind"] = `/uoms(${base.uomid})`;
  if (Object.keys(changes).length > 0) writes.productUpdates.push({ label, key: productId, row: changes });
  for (const unit of units) {
    const amount = lineAmount(product.price, unit);
    const line = lines.find((l) => l._uomid_value === unit.uomid);
    if (line) {
      if (Number(line.amount) !== amount)
        writes.lineUpdates.push({ label, key: String(line.productpricelevelid), row: { amount } });
      continue;
    }
    writes.lineCreates.push({ label, row: lineRow(priceListId, productId, unit, product.price) });
  }
}

/** Most records a bulk request carries here: large enough to spread its fixed cost, small enough to fill the slots. */
const RULE_BATCH = 500;

type RuleCounter = "productsUpdated" | "linesUpdated" | "linesCreated";

/**
 * The rules' writes in bulk requests (UpdateMultiple, CreateMultiple), as many at once as Dataverse's budget
 * allows, product updates, line updates and line creates sharing the slots (none of them depends on another). A
 * refused record fails alone, named in the report.
 */
async function writeAll(ctx: IntegrationContext, writes: PriceListWrites, report: PriceListReport): Promise<void> {
  const budget = writeBudgetOf(ctx.dataverse.throttleStates(), 1000);
  const total = writes.productUpdates.length + writes.lineUpdates.length + writes.lineCreates.length;
  // Whole waves: every slot carries about as much as the others, so the last requests finish together.
  const waves = Math.max(1, Math.ceil(total / (budget.concurrency * RULE_BATCH)));
  const size = Math.max(10, Math.ceil(total / (budget.concurrency * waves)));
  const keyed = (chunk: RuleWrite[]) => chunk.map((w) => ({ key: w.key!, row: w.row }));
  const requests: {
    chunk: RuleWrite[];
    counter: RuleCounter;
    send: (chunk: RuleWrite[]) => Promise<Result<BulkResult>>;
  }[] = [
    ...chunks(writes.productUpdates, size).map((chunk) => ({
      chunk,
      counter: "productsUpdated" as const,
      send: (c: RuleWrite[]) => ctx.dataverse.updateMultiple("products", "product", keyed(c)),
    })),
    ...chunks(writes.lineUpdates, size).map((chunk) => ({
      chunk,
      counter: "linesUpdated" as const,
      send: (c: RuleWrite[]) => ctx.dataverse.updateMultiple("productpricelevels", "productpricelevel", keyed(c)),
    })),
    ...chunks(writes.lineCreates, size).map((chunk) => ({
      chunk,
      counter: "linesCreated" as const,
      send: (c: RuleWrite[]) =>
        ctx.dataverse.createMultiple(
          "productpricelevels",
          "productpricelevel",
          c.map((w) => w.row),
        ),
    })),
  ];
  await inParallel(requests, budget.concurrency, async ({ chunk, counter, send }) => {
    const res = await send(chunk);
    for (const [i, item] of chunk.entries()) {
      const outcome = res.ok ? res.value.outcomes[i] : { ok: false as const, error: res.error };
      if (outcome?.ok) {
        report[counter]++;
        continue;
      }
      report.failed++;
      report.errors.push(`${item.label}: ${outcome?.error.message ?? "no outcome"}`);
    }
  });
}

/** Rows by the (lower-cased) id in one of their lookup columns. */
function groupedBy(rows: readonly Row[], column: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of rows) {
    const id = String(row[column] ?? "").toLowerCase();
    const group = out.get(id);
    if (group) group.push(row);
    else out.set(id, [row]);
  }
  return out;
}

/** Unit of measure code → the Dataverse unit group (uomschedule) coupled through UNIT OF MEASURE. */
async function unitOfMeasureSchedules(ctx: IntegrationContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const units = await rows(
    ctx.businessCentral.company(ctx.companyId).pages("unitsOfMeasure", { select: ["id", "code"] }),
  );
  const couplings = await ctx.store.couplings.findMany(
    "UNIT OF MEASURE",
    "bc",
    units.map((u) => String(u.id).toLowerCase()),
  );
  for (const u of units) {
    const c = couplings.get(String(u.id).toLowerCase());
    if (c) out.set(String(u.code), c.dataverseId);
  }
  return out;
}

/** Unit group code → the coupled Dataverse unit group (uomschedule) id. */
async function unitGroupSchedules(ctx: IntegrationContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const groups = await rows(
    ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("unitGroups", { select: ["id", "code"] }),
  );
  const couplings = await ctx.store.couplings.findMany(
    "UNIT GROUP",
    "bc",
    groups.map((g) => String(g.id).toLowerCase()),
  );
  for (const g of groups) {
    const c = couplings.get(String(g.id).toLowerCase());
    if (c) out.set(String(g.code), c.dataverseId);
  }
  return out;
}
