// The default job queue entries of the Sales integration (seed S16/S17, bc-reference §1.7, §2.4): one recurring
// runner entry per mapping that has a job, plus the integration's own jobs (customer statistics, item
// availability, and the sales order jobs the options switch on).

import type { DefaultOptions, IntegrationDefault } from "./defaults/index.ts";

/** Kinds of job queue entries the integration creates; the scheduler dispatches on them. */
export const JOB_KINDS = {
  mapping: "mapping-sync",
  customerStatistics: "customer-statistics",
  itemAvailability: "item-availability",
  archivedSalesOrders: "archived-sales-orders",
  autoCreateSalesOrders: "auto-create-sales-orders",
  autoProcessSalesQuotes: "auto-process-sales-quotes",
  salesOrderStatus: "sales-order-status",
} as const;

export interface JobQueueDefault {
  kind: string;
  mappingName: string | null;
  description: string;
  intervalMinutes: number;
  /** null: the seed gives none ("Ikke tilgængelig"); the queue uses the interval, as BC does. */
  inactivityTimeoutMinutes: number | null;
  /** BC: runner entries start Ready (10 attempts), the other recurring jobs On Hold with Inactivity Timeout (2). */
  status: "ready" | "on_hold_inactivity";
  maxAttempts: number;
  rerunDelaySeconds: number;
}

/** Integration switches that add jobs (see settings.ts). */
export interface JobSwitches {
  itemAvailability: boolean;
  autoCreateSalesOrders: boolean;
  autoProcessSalesQuotes: boolean;
}

const SERVICE = "Dynamics 365 Sales synchronization job";

function recurring(
  kind: string,
  description: string,
  intervalMinutes: number,
  inactivity: number | null,
): JobQueueDefault {
  return {
    kind,
    mappingName: null,
    description,
    intervalMinutes,
    inactivityTimeoutMinutes: inactivity,
    status: "on_hold_inactivity",
    maxAttempts: 2,
    rerunDelaySeconds: 30,
  };
}

export function defaultJobQueueEntries(
  defaults: readonly IntegrationDefault[],
  options: DefaultOptions,
  switches: JobSwitches,
): JobQueueDefault[] {
  const entries: JobQueueDefault[] = [];
  const byRunOrder = [...defaults].sort((a, b) => a.mapping.runOrder - b.mapping.runOrder);
  for (const d of byRunOrder) {
    if (!d.job) continue;
    entries.push({
      kind: JOB_KINDS.mapping,
      mappingName: d.mapping.name,
      description: `${d.mapping.name} - ${SERVICE}`,
      intervalMinutes: d.job.intervalMinutes,
      inactivityTimeoutMinutes: d.job.inactivityTimeoutMinutes,
      status: "ready",
      maxAttempts: 10,
      rerunDelaySeconds: 30,
    });
  }
  entries.push(recurring(JOB_KINDS.customerStatistics, `Customer Statistics - ${SERVICE}`, 30, null));
  if (switches.itemAvailability) {
    entries.push(recurring(JOB_KINDS.itemAvailability, `Item Availability - ${SERVICE}`, 30, 30));
  }
  if (options.legacySalesOrders) {
    entries.push(recurring(JOB_KINDS.salesOrderStatus, `Sales Order Status - ${SERVICE}`, 7, 7));
  }
  if (options.bidirectionalSalesOrders) {
    entries.push(recurring(JOB_KINDS.archivedSalesOrders, `Archived Sales Orders - ${SERVICE}`, 30, 30));
  }
  if (switches.autoCreateSalesOrders) {
    entries.push(
      recurring(JOB_KINDS.autoCreateSalesOrders, "Automatically create sales orders submitted in Sales", 30, 30),
    );
  }
  if (switches.autoProcessSalesQuotes) {
    entries.push(
      recurring(JOB_KINDS.autoProcessSalesQuotes, "Automatically process sales quotes activated in Sales", 30, 30),
    );
  }
  return entries;
}
