// Job queue handlers of the integration, by entry kind (src/integration/jobs.ts): the scheduler of src/jobs/
// runs due entries through these. A run is idle when it inserted, modified, deleted and failed nothing, which
// puts a recurring entry on hold for its inactivity timeout (BC §1.7).

import type { JobHandler } from "../jobs/scheduler.ts";
import type { IntegrationContext } from "./context.ts";
import { JOB_KINDS } from "./jobs.ts";
import { runCustomerStatistics, runItemAvailability } from "./statistics.ts";
import { type MappingSyncResult, syncMappings, total } from "./sync.ts";

export interface JobEvents {
  onMapping?: (result: MappingSyncResult) => void;
  onJob?: (kind: string, summary: { inserted: number; modified: number; failed: number }) => void;
}

export function integrationJobHandlers(ctx: IntegrationContext, events: JobEvents = {}): Record<string, JobHandler> {
  const idle = () => ({ idle: true });
  return {
    [JOB_KINDS.mapping]: async (entry) => {
      if (!entry.mappingName) return { idle: true };
      const results = await syncMappings(ctx, { names: [entry.mappingName], onMapping: events.onMapping });
      const busy = results.some(
        (r) => total(r, "inserted") + total(r, "modified") + total(r, "deleted") + total(r, "failed") > 0,
      );
      const error = results.find((r) => r.error)?.error;
      if (error) throw new Error(error);
      return { idle: !busy };
    },
    [JOB_KINDS.customerStatistics]: async () => {
      const c = await runCustomerStatistics(ctx);
      events.onJob?.(JOB_KINDS.customerStatistics, c);
      return { idle: c.inserted + c.modified + c.failed === 0 };
    },
    [JOB_KINDS.itemAvailability]: async () => {
      const c = await runItemAvailability(ctx);
      events.onJob?.(JOB_KINDS.itemAvailability, c);
      return { idle: c.inserted + c.modified + c.failed === 0 };
    },
    // Order flows of S8/S9 run through the SALESORDER-ORDER mapping; these entries have nothing more to do yet.
    [JOB_KINDS.archivedSalesOrders]: async () => idle(),
    [JOB_KINDS.autoCreateSalesOrders]: async () => idle(),
    [JOB_KINDS.autoProcessSalesQuotes]: async () => idle(),
    [JOB_KINDS.salesOrderStatus]: async () => idle(),
  };
}
