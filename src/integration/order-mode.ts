// The sales order mode in Sales (seed S7, bc-reference §4): legacy sales order integration sets the organization's
// `issopintegrationenabled`; switching it off is refused while submitted Sales orders wait to be created in Business
// Central, as Business Central refuses it (they would never reach BC: bidirectional mode only takes orders a user
// submits after the switch, and the auto-create job goes with the legacy mode).

import type { DataverseClient } from "../connectors/dataverse/client.ts";
import { ok, type Result } from "../connectors/result.ts";
import { bcsyncError } from "../errors/catalogue.ts";
import { INTEGRATION_LEGACY_ORDERS_WAITING } from "../errors/codes/integration.ts";
import { SALES_ORDER_STATE } from "./flows/states.ts";
import type { IntegrationSettings } from "./settings.ts";

export interface SalesOrderModeReport {
  /** The organization's flag before and after. */
  wasEnabled: boolean;
  enabled: boolean;
}

async function firstPage(client: DataverseClient, set: string, options: Parameters<DataverseClient["pages"]>[1]) {
  for await (const page of client.pages(set, options)) return page;
  return { ok: true as const, value: { rows: [] } };
}

export async function applySalesOrderMode(
  client: DataverseClient,
  settings: Pick<IntegrationSettings, "legacySalesOrders">,
): Promise<Result<SalesOrderModeReport>> {
  const org = await firstPage(client, "organizations", { select: ["organizationid", "issopintegrationenabled"] });
  if (!org.ok) return org;
  const row = org.value.rows[0];
  if (!row) return ok({ wasEnabled: false, enabled: false });
  const wasEnabled = row.issopintegrationenabled === true;
  const enabled = settings.legacySalesOrders;
  if (wasEnabled && !enabled) {
    const waiting = await firstPage(client, "salesorders", {
      filter: `statecode eq ${SALES_ORDER_STATE.submitted} and lastbackofficesubmit eq null`,
      select: ["salesorderid"],
    });
    if (!waiting.ok) return waiting;
    const count = waiting.value.rows.length;
    if (count > 0) return { ok: false, error: bcsyncError(INTEGRATION_LEGACY_ORDERS_WAITING, { count }) };
  }
  if (wasEnabled !== enabled) {
    const updated = await client.update("organizations", String(row.organizationid), {
      issopintegrationenabled: enabled,
    });
    if (!updated.ok) return updated;
  }
  return ok({ wasEnabled, enabled });
}
