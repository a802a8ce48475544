// Customer statistics of one customer now (seed S17, bc-reference §5.2): the figures Business Central computes
// (balance, outstanding orders and invoices, overdue, total sales, credit limit) read live from the companion API.

import { COMPANION_API, type Row } from "../connectors/index.ts";
import { ADMIN_RECORD_NOT_FOUND, bcsyncError } from "../errors/catalogue.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { STATISTICS_FIELDS } from "../integration/statistics.ts";
import { fail, ok, type Result } from "./result.ts";

export interface CustomerStatisticsNow {
  customerId: string;
  customerNumber: string;
  customerName: string;
  figures: Record<string, unknown>;
  /** The coupled Sales account, when there is one. */
  accountId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One row of a computed companion page by number or id. The page is read with a filter on the key; a service that
 * does not filter computed pages is answered by reading them whole and picking the row.
 */
export async function findComputedRow(
  ctx: IntegrationContext,
  page: string,
  key: string,
  idField: string,
  numberField: string,
): Promise<Result<Row | undefined>> {
  const byId = GUID.test(key);
  const matches = (r: Row) =>
    byId ? String(r[idField]).toLowerCase() === key.toLowerCase() : String(r[numberField]) === key;
  const filter = byId ? `${idField} eq ${key}` : `${numberField} eq '${key.replaceAll("'", "''")}'`;
  const company = ctx.businessCentral.company(ctx.companyId, COMPANION_API);
  for await (const result of company.pages(page, { filter })) {
    if (!result.ok) return fail(result.error);
    const row = result.value.rows.find(matches);
    if (row) return ok(row);
  }
  return ok(undefined);
}

/** `key` is the customer number (as BC shows it) or its id. */
export async function customerStatisticsNow(
  ctx: IntegrationContext,
  key: string,
): Promise<Result<CustomerStatisticsNow>> {
  const found = await findComputedRow(ctx, "customerStatistics", key, "customerId", "customerNumber");
  if (!found.ok) return found;
  const row = found.value;
  if (!row) return fail(bcsyncError(ADMIN_RECORD_NOT_FOUND, { what: "customer", key, service: "Business Central" }));
  const figures: Record<string, unknown> = {};
  for (const field of Object.keys(STATISTICS_FIELDS))
    if (!["customerName", "customerNumber"].includes(field) && row[field] !== undefined) figures[field] = row[field];
  const customerId = String(row.customerId);
  const coupling = await ctx.store.couplings.getByBcId("CUSTOMER", customerId.toLowerCase());
  return ok({
    customerId,
    customerNumber: String(row.customerNumber),
    customerName: String(row.customerName ?? ""),
    figures,
    ...(coupling ? { accountId: coupling.dataverseId } : {}),
  });
}
