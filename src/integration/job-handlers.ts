// Job queue handlers of the integration, by entry kind (src/integration/jobs.ts): the scheduler of src/jobs/
// runs due entries through these. A run is idle when it inserted, modified, deleted and failed nothing, which
// puts a recurring entry on hold for its inactivity timeout (BC §1.7).

import type { JobHandler } from "../jobs/scheduler.ts";
import type { IntegrationContext } from "./context.ts";
import {
  autoCreateSalesOrders,
  autoProcessSalesQuotes,
  completePostedOrders,
  type FlowSummary,
  ORDER_MAPPING,
  syncBidirectionalOrders,
} from "./flows/index.ts";
import { JOB_KINDS } from "./jobs.ts";
import { runCustomerStatistics, runItemAvailability } from "./statistics.ts";
import { type MappingSyncResult, syncMappings, total } from "./sync.ts";

export interface JobEvents {
  onMapping?: (result: MappingSyncResult) => void;
  onJob?: (kind: string, summary: JobSummary) => void;
}

/**
 * A run whose records failed is a failed run in the job queue too (never "succeeded"): the entry is retried after
 * its rerun delay, and the queue shows the reason (issue 10.12, 14.2).
 */
function failOnRecordFailures(what: string, failed: number): void {
  if (failed > 0) throw new Error(`${failed} record(s) failed in ${what}; run \`npx bcsync errors\` to see them`);
}

/** What a job wrote; `deferred` counts writes left for the next run while a Sales user's edit reaches BC. */
export interface JobSummary {
  inserted: number;
  modified: number;
  failed: number;
  deferred?: number;
}

export function integrationJobHandlers(ctx: IntegrationContext, events: JobEvents = {}): Record<string, JobHandler> {
  const flow = (kind: string, run: () => Promise<FlowSummary>) => async () => {
    const c = await run();
    events.onJob?.(kind, c);
    failOnRecordFailures(kind, c.failed);
    return { idle: c.inserted + c.modified + c.failed === 0 };
  };
  return {
    [JOB_KINDS.mapping]: async (entry) => {
      if (!entry.mappingName) return { idle: true };
      if (entry.mappingName === ORDER_MAPPING && ctx.settings.bidirectionalSalesOrders) {
        // Bidirectional orders: the engine pushes BC → Sales; Sales → BC is the order flow (flows/).
        const run = await syncBidirectionalOrders(ctx);
        const pushed = run.toDataverse.reduce((n, p) => n + p.counters.inserted + p.counters.modified, 0);
        const failed = run.toDataverse.reduce((n, p) => n + p.counters.failed, 0) + run.fromDataverse.failed;
        events.onJob?.(JOB_KINDS.mapping, {
          inserted: run.fromDataverse.inserted,
          modified: run.fromDataverse.modified + pushed,
          failed,
        });
        failOnRecordFailures(ORDER_MAPPING, failed);
        return { idle: pushed + failed + run.fromDataverse.inserted + run.fromDataverse.modified === 0 };
      }
      const results = await syncMappings(ctx, { names: [entry.mappingName], onMapping: events.onMapping });
      const busy = results.some(
        (r) => total(r, "inserted") + total(r, "modified") + total(r, "deleted") + total(r, "failed") > 0,
      );
      const error = results.find((r) => r.error)?.error;
      if (error) throw new Error(error);
      const broken = results.flatMap((r) => r.passes).find((p) => p.status === "failed" && p.counters.failed === 0);
      if (broken) throw new Error(broken.message ?? `${broken.mapping} ${broken.direction} failed`);
      failOnRecordFailures(
        entry.mappingName,
        results.reduce((n, r) => n + total(r, "failed"), 0),
      );
      return { idle: !busy };
    },
    [JOB_KINDS.customerStatistics]: async () => {
      const c = await runCustomerStatistics(ctx);
      events.onJob?.(JOB_KINDS.customerStatistics, c);
      failOnRecordFailures(JOB_KINDS.customerStatistics, c.failed);
      // A link left for a Sales user's edit to reach BC first is work still to do: the job stays awake for it.
      return { idle: c.inserted + c.modified + c.deferred + c.failed === 0 };
    },
    [JOB_KINDS.itemAvailability]: async () => {
      const c = await runItemAvailability(ctx);
      events.onJob?.(JOB_KINDS.itemAvailability, c);
      failOnRecordFailures(JOB_KINDS.itemAvailability, c.failed);
      return { idle: c.inserted + c.modified + c.failed === 0 };
    },
    // The order and quote flows (flows/, seed S7–S10).
    [JOB_KINDS.archivedSalesOrders]: flow(JOB_KINDS.archivedSalesOrders, () =>
      completePostedOrders(ctx, { withArchiveValues: true }),
    ),
    [JOB_KINDS.autoCreateSalesOrders]: flow(JOB_KINDS.autoCreateSalesOrders, () => autoCreateSalesOrders(ctx)),
    [JOB_KINDS.autoProcessSalesQuotes]: flow(JOB_KINDS.autoProcessSalesQuotes, () => autoProcessSalesQuotes(ctx)),
    [JOB_KINDS.salesOrderStatus]: flow(JOB_KINDS.salesOrderStatus, () =>
      completePostedOrders(ctx, { withArchiveValues: false }),
    ),
  };
}
