// The sales order mode in Sales (seed S7, bc-reference §4): legacy sales order integration sets the organization's
// `issopintegrationenabled`; switching it off is refused while submitted Sales orders wait to be created in Business
// Central, as Business Central refuses it (they would never reach BC: bidirectional mode only takes orders a user
// submits after the switch, and the auto-create job goes with the legacy mode).

import type { DataverseClient } from "../connectors/dataverse/client.ts";
import type { Row } from "../connectors/index.ts";
import { ok, type Result } from "../connectors/result.ts";
import { type BcsyncError, bcsyncError } from "../errors/catalogue.ts";
import { INTEGRATION_LEGACY_ORDERS_WAITING } from "../errors/codes/integration.ts";
import { allRows, firstRow } from "./direct-pass.ts";
import { SALES_ORDER_STATE } from "./flows/states.ts";
import type { IntegrationSettings } from "./settings.ts";

export interface SalesOrderModeReport {
  /** The organization's flag before and after. */
  wasEnabled: boolean;
  enabled: boolean;
}

export async function applySalesOrderMode(
  client: DataverseClient,
  settings: Pick<IntegrationSettings, "legacySalesOrders">,
): Promise<Result<SalesOrderModeReport>> {
  let row: Row | undefined;
  let count = 0;
  try {
    row = await firstRow(client.pages("organizations", { select: ["organizationid", "issopintegrationenabled"] }));
    if (!row) return ok({ wasEnabled: false, enabled: false });
    if (row.issopintegrationenabled === true && !settings.legacySalesOrders) {
      const waiting = await allRows(
        client.pages("salesorders", {
          filter: `statecode eq ${SALES_ORDER_STATE.submitted} and lastbackofficesubmit eq null`,
          select: ["salesorderid"],
        }),
      );
      count = waiting.length;
    }
  } catch (error) {
    return { ok: false, error: error as BcsyncError }; // connector reads fail with catalogued errors
  }
  const wasEnabled = row.issopintegrationenabled === true;
  const enabled = settings.legacySalesOrders;
  if (count > 0) return { ok: false, error: bcsyncError(INTEGRATION_LEGACY_ORDERS_WAITING, { count }) };
  if (wasEnabled !== enabled) {
    const updated = await client.update("organizations", String(row.organizationid), {
      issopintegrationenabled: enabled,
    });
    if (!updated.ok) return updated;
  }
  return ok({ wasEnabled, enabled });
}
