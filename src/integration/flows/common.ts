// What the order and quote flows share: reading whole result sets, the BC scopes, and the sync log (one job per
// flow run, with each failed record's catalogued code, message and fix hint).

import { COMPANION_API, type Result, type Row } from "../../connectors/index.ts";
import { writeBudgetOf } from "../../engine/adapters/common.ts";
import type { BcsyncError } from "../../errors/catalogue.ts";
import type { MappingDirection } from "../../store/index.ts";
import { type SyncCounters, zeroCounters } from "../../store/index.ts";
import type { IntegrationContext } from "../context.ts";

export const ORDER_MAPPING = "SALESORDER-ORDER";
export const LINE_MAPPING = "SOLINE-ORDERDETAIL";
/** Couplings of Sales quotes with BC sales quotes (no table mapping of their own, as in BC). */
export const QUOTE_COUPLING = "SALESQUOTE-QUOTE";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: BcsyncError };

export async function readAll(gen: AsyncGenerator<Result<{ rows: Row[] }>>): Promise<Row[]> {
  const out: Row[] = [];
  for await (const page of gen) {
    if (!page.ok) throw page.error;
    out.push(...page.value.rows);
  }
  return out;
}

/**
 * Sales orders a flow run keeps in flight. Each order is a chain of dependent steps (read it, create the BC header
 * with its integration fields, then its lines, release it, couple, write back); the orders that reach a step
 * together share its request (request-batches.ts: BC $batches of about 25 operations, Dataverse $batches and `or`
 * queries). BC's 5 concurrent requests per principal stay busy only if several such $batches (4 orders each) are
 * always waiting while other orders are on Dataverse (whose steps wait up to 100 ms to gather) or in the store:
 * 160 orders for one principal's 5 slots, where 24 were enough one request each (600 orders: 96 in flight gave
 * 15.5-17, 160 gave 16.9 a second). More app registrations for BC (`extraPrincipals`) are more slots, so the orders
 * in flight grow with them, 32 a slot, up to 640 (20 slots' worth: with the limits off the throttle reports 64).
 */
export function ordersInFlight(ctx: Pick<IntegrationContext, "businessCentral">): number {
  return Math.min(MOST_ORDERS_IN_FLIGHT, ORDERS_PER_BC_SLOT * bcSlots(ctx));
}
const ORDERS_PER_BC_SLOT = 32;
const MOST_ORDERS_IN_FLIGHT = 640;

/** Business Central's requests the client may have in flight: its principals' slots, lowered by 429s. */
export function bcSlots(ctx: Pick<IntegrationContext, "businessCentral">): number {
  return writeBudgetOf(ctx.businessCentral.throttleStates(), 1).concurrency;
}

export const v2 = (ctx: IntegrationContext) => ctx.businessCentral.company(ctx.companyId, "v2.0");
export const companion = (ctx: IntegrationContext) => ctx.businessCentral.company(ctx.companyId, COMPANION_API);

export const lower = (id: unknown) => String(id ?? "").toLowerCase();

/**
 * `filter` narrowed to the Sales documents of the connected BC company or of none (issue 10.19): with several BC
 * companies on one Dataverse environment, each creates only its own (or unclaimed) submitted orders and quotes.
 */
export function forThisCompany(ctx: IntegrationContext, filter: string): string {
  const company = ctx.settings.dataverseCompanyId;
  return company ? `(${filter}) and (_bcbi_companyid_value eq ${company} or _bcbi_companyid_value eq null)` : filter;
}

/** The company stamp BC writes on a Sales document it took (bc-reference §4.1 step 6), or nothing. */
export function companyStamp(ctx: IntegrationContext): Record<string, string> {
  const company = ctx.settings.dataverseCompanyId;
  return company ? { "bcbi_companyid@odata.bind": `/bcbi_companies(${company})` } : {};
}

/** One flow run in the sync log. */
export class FlowLog {
  readonly counters: SyncCounters = zeroCounters();
  private constructor(
    private readonly ctx: IntegrationContext,
    private readonly job: { id: string; mappingName: string; direction: MappingDirection },
  ) {}

  static async start(ctx: IntegrationContext, name: string, direction: MappingDirection): Promise<FlowLog> {
    const job = await ctx.store.jobs.start({ mappingName: name, direction });
    return new FlowLog(ctx, { id: job.id, mappingName: name, direction });
  }

  /**
   * Runs one flow under its sync job. A flow that throws mid-run (a page that cannot be read, a store error)
   * leaves its job failed with the reason, never "running"; the error still reaches the caller (issue 10 p12).
   */
  static async run(
    ctx: IntegrationContext,
    name: string,
    direction: MappingDirection,
    body: (log: FlowLog) => Promise<void>,
  ): Promise<SyncCounters> {
    const log = await FlowLog.start(ctx, name, direction);
    try {
      await body(log);
    } catch (error) {
      await log.stopped(error);
      throw error;
    }
    return log.finish();
  }

  private async stopped(error: unknown): Promise<void> {
    await this.ctx.store.jobs.count(this.job.id, this.counters);
    const reason = error instanceof Error ? error.message : String(error);
    await this.ctx.store.jobs.finish(this.job.id, { status: "failed", message: `stopped: ${reason}` });
  }

  get jobId(): string {
    return this.job.id;
  }

  async fail(sourceId: string, error: BcsyncError): Promise<void> {
    this.counters.failed++;
    await this.ctx.store.jobs.addError(this.job, {
      sourceId,
      code: error.code,
      message: error.message,
      detail: error.fix,
    });
  }

  async finish(): Promise<SyncCounters> {
    await this.ctx.store.jobs.count(this.job.id, this.counters);
    const failed = this.counters.failed > 0;
    await this.ctx.store.jobs.finish(this.job.id, {
      status: failed ? "failed" : "succeeded",
      ...(failed ? { message: `${this.counters.failed} record(s) failed; see them with \`npx bcsync errors\`` } : {}),
    });
    return this.counters;
  }
}

/** A summary the job queue judges idleness by. */
export interface FlowSummary {
  inserted: number;
  modified: number;
  failed: number;
}

export const summaryOf = (c: SyncCounters): FlowSummary => ({
  inserted: c.inserted,
  modified: c.modified,
  failed: c.failed,
});
