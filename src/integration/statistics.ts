// Customer statistics (seed S17, bc-reference §5.2) and item availability (S19, §5.1): jobs that read the companion
// API's computed pages and write Sales. Statistics go to `nav_accountstatistics` rows linked from the coupled
// account; availability goes to the coupled product's `quantityonhand` (negative values sent as 0).

import { COMPANION_API, type Row } from "../connectors/index.ts";
import { sameValue } from "../engine/values.ts";
import type { Coupling } from "../store/repositories/couplings.ts";
import type { IntegrationContext } from "./context.ts";
import { editCheckColumns, hasUnsyncedEdit, updateBehindMapping } from "./unsynced-edits.ts";

export interface JobCounters {
  inserted: number;
  modified: number;
  unchanged: number;
  /** Left for the next run: a Sales user's edit of the row waits for its mapping's Dataverse → BC pass. */
  deferred: number;
  failed: number;
  errors: string[];
}

const zero = (): JobCounters => ({ inserted: 0, modified: 0, unchanged: 0, deferred: 0, failed: 0, errors: [] });

/** BC statistics field → Dataverse nav_accountstatistics attribute (§5.2). */
export const STATISTICS_FIELDS: Record<string, string> = {
  customerName: "nav_name",
  customerNumber: "nav_customerno",
  balance: "nav_balancelcy",
  outstandingOrders: "nav_outstandingorderslcy",
  shippedNotInvoiced: "nav_shippednotinvoicedlcy",
  outstandingInvoices: "nav_outstandinginvoiceslcy",
  outstandingServiceOrders: "nav_outstandingserviceorderslcy",
  serviceShippedNotInvoiced: "nav_servshippednotinvoicedlcy",
  outstandingServiceInvoices: "nav_outstandingservinvoiceslcy",
  totalAmount: "nav_totallcy",
  creditLimit: "nav_creditlimitlcy",
  overdueAmounts: "nav_overdueamountslcy",
  overdueAmountsAsOf: "nav_overdueamountsasof",
  totalSales: "nav_totalsaleslcy",
  invoicedPrepaymentAmount: "nav_invoicedprepaymentamountlcy",
};

async function readAll(gen: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>) {
  const rows: Row[] = [];
  for await (const page of gen) {
    if (!page.ok) return { ok: false as const, error: page.error };
    rows.push(...page.value.rows);
  }
  return { ok: true as const, rows };
}

function statisticsRow(stat: Row): Row {
  const row: Row = {};
  for (const [bc, dv] of Object.entries(STATISTICS_FIELDS)) if (stat[bc] !== undefined) row[dv] = stat[bc];
  return row;
}

/** True when a wanted value is not what the row holds (dates compare by day: Dataverse may add a time). */
const differs = (current: Row, wanted: Row) =>
  Object.entries(wanted).some(([k, v]) => {
    const c = current[k];
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return String(c ?? "").slice(0, 10) !== v;
    return !sameValue(c, v);
  });

/** Creates or updates the statistics of every coupled customer (S17). */
export async function runCustomerStatistics(ctx: IntegrationContext): Promise<JobCounters> {
  const counters = zero();
  const customers = ctx.mappings.find((m) => m.name === "CUSTOMER");
  const couplings = new Map<string, Coupling>();
  for await (const c of ctx.store.couplings.iterate("CUSTOMER")) if (!c.skipped) couplings.set(c.bcId, c);
  if (!customers || couplings.size === 0) return counters;
  const stats = await readAll(
    ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("customerStatistics", {}),
  );
  if (!stats.ok) {
    counters.failed++;
    counters.errors.push(stats.error.message);
    return counters;
  }
  for (const stat of stats.rows) {
    const coupling = couplings.get(String(stat.customerId).toLowerCase());
    if (!coupling) continue;
    const accountId = coupling.dataverseId;
    const wanted = statisticsRow(stat);
    const account = await ctx.dataverse.retrieve("accounts", accountId, {
      select: ["_nav_accountstatisticsid_value", ...editCheckColumns(customers)],
    });
    if (!account.ok || !account.value) {
      counters.failed++;
      counters.errors.push(account.ok ? `account ${accountId} is gone` : account.error.message);
      continue;
    }
    const statsId = account.value._nav_accountstatisticsid_value;
    if (typeof statsId === "string") {
      const current = await ctx.dataverse.retrieve("nav_accountstatisticses", statsId, {
        select: Object.values(STATISTICS_FIELDS),
      });
      if (current.ok && current.value && !differs(current.value, wanted)) {
        counters.unchanged++;
        continue;
      }
      const updated = await ctx.dataverse.update("nav_accountstatisticses", statsId, wanted);
      if (updated.ok) counters.modified++;
      else {
        counters.failed++;
        counters.errors.push(updated.error.message);
      }
      continue;
    }
    if (hasUnsyncedEdit(customers, account.value, coupling, ctx.engine.integrationUser?.dataverse)) {
      counters.deferred++;
      continue;
    }
    const created = await ctx.dataverse.create("nav_accountstatisticses", wanted);
    if (!created.ok || !created.value.id) {
      counters.failed++;
      counters.errors.push(created.ok ? "no id returned" : created.error.message);
      continue;
    }
    const linked = await updateBehindMapping(ctx, customers, coupling, account.value, {
      "nav_accountstatisticsid@odata.bind": `/nav_accountstatisticses(${created.value.id})`,
    });
    if (linked.ok && linked.value === "written") {
      counters.inserted++;
      continue;
    }
    // Not linked (edited meanwhile, or refused): the row goes again, or every run would leave one more behind.
    await ctx.dataverse.delete("nav_accountstatisticses", created.value.id);
    if (linked.ok) counters.deferred++;
    else {
      counters.failed++;
      counters.errors.push(linked.error.message);
    }
  }
  return counters;
}

/** Writes the availability of every coupled item to its product's quantity on hand (S19). */
export async function runItemAvailability(ctx: IntegrationContext): Promise<JobCounters> {
  const counters = zero();
  const couplings = new Map<string, string>();
  for await (const c of ctx.store.couplings.iterate("ITEM-PRODUCT"))
    if (!c.skipped) couplings.set(c.bcId, c.dataverseId);
  if (couplings.size === 0) return counters;
  const rows = await readAll(ctx.businessCentral.company(ctx.companyId, COMPANION_API).pages("itemAvailability", {}));
  if (!rows.ok) {
    counters.failed++;
    counters.errors.push(rows.error.message);
    return counters;
  }
  for (const row of rows.rows) {
    const productId = couplings.get(String(row.itemId).toLowerCase());
    if (!productId) continue;
    const quantity = Math.max(0, Number(row.availableQuantity ?? row.inventory ?? 0));
    const current = await ctx.dataverse.retrieve("products", productId, { select: ["quantityonhand"] });
    if (current.ok && current.value && Number(current.value.quantityonhand) === quantity) {
      counters.unchanged++;
      continue;
    }
    const updated = await ctx.dataverse.update("products", productId, { quantityonhand: quantity });
    if (updated.ok) counters.modified++;
    else {
      counters.failed++;
      counters.errors.push(updated.error.message);
    }
  }
  return counters;
}
