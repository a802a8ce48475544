// The Sales integration's settings (seed S5, S6, S7) and their rules. They live in the configuration under
// `integration` (src/config/schema.ts leaves that object to this module). Rules are checked here, once, so the
// CLI, the console and the job queue agree on what a valid combination is.

import { z } from "zod";
import { type BcsyncError, bcsyncError } from "../errors/catalogue.ts";
import {
  INTEGRATION_AUTO_CREATE_NEEDS_LEGACY,
  INTEGRATION_SALES_ORDER_MODES_EXCLUSIVE,
  INTEGRATION_SETTINGS_INVALID,
} from "../errors/codes/integration.ts";
import type { DefaultOptions } from "./defaults/index.ts";
import type { JobSwitches } from "./jobs.ts";

export const IntegrationSettingsSchema = z.object({
  /** "Aktivér Dynamics 365 Sales-forbindelse": the connection is used by the job queue and `bcsync sync`. */
  enabled: z.boolean().default(true),
  /** "Importér Dynamics 365 Sales-løsning": install the integration solution (roles, tables, nav_connection). */
  installSolution: z.boolean().default(true),
  /** "Synkroniser automatisk varetilgængelighed": the item availability job every 30 minutes (S19). */
  itemAvailability: z.boolean().default(false),
  /** "Aktivér integration af ældre salgsordrer": Sales → BC order creation (S9). */
  legacySalesOrders: z.boolean().default(false),
  /** "Tovejs synkronisering af salgsordrer" (S8). */
  bidirectionalSalesOrders: z.boolean().default(false),
  /** "Dynamics 365 SDK-version": only meaningful on premises; kept for the connection string form (S20). */
  sdkVersion: z.string().min(1).optional(),
  /** "URL-adresse til Dynamics 365 Sales": opens coupled records in Sales (S6). Default: the Dataverse URL. */
  salesUrl: z.url().optional(),
  /** Settings on the Sales side (S7). */
  sales: z
    .object({
      /** "Opret salgsordrer automatisk": create a BC order when a Sales order is submitted. */
      autoCreateSalesOrders: z.boolean().default(false),
      /** "Behandl salgstilbud automatisk": process a Sales quote in BC when it is activated. */
      autoProcessSalesQuotes: z.boolean().default(false),
    })
    .default({ autoCreateSalesOrders: false, autoProcessSalesQuotes: false }),
  /** Feature update "multiple units of measure" (S12/S13). */
  unitGroupsEnabled: z.boolean().default(true),
  /** Dataverse ownership model (BC "CDS Connection Setup"). */
  ownershipModel: z.enum(["person", "team"]).default("person"),
  /**
   * The connected BC company's row in Sales (`bcbi_company`, from the integration solution). Setup finds or creates
   * it; with it, the company-scoped mappings keep to "this company or none" and stamp what they create (S11, several
   * BC companies on one Dataverse environment).
   */
  dataverseCompanyId: z.uuid().optional(),
});
export type IntegrationSettings = z.infer<typeof IntegrationSettingsSchema>;
export type IntegrationSettingsInput = z.input<typeof IntegrationSettingsSchema>;

export type SettingsResult = { ok: true; value: IntegrationSettings } | { ok: false; error: BcsyncError };

/** Parses and checks the settings; the first broken rule is returned as a catalogued error. */
export function parseIntegrationSettings(raw: unknown): SettingsResult {
  const parsed = IntegrationSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: bcsyncError(INTEGRATION_SETTINGS_INVALID, {
        key: issue.path.join(".") || "(root)",
        reason: issue.message,
      }),
    };
  }
  const broken = checkRules(parsed.data);
  return broken ? { ok: false, error: broken } : { ok: true, value: parsed.data };
}

/** The seed's rules between settings. */
export function checkRules(s: IntegrationSettings): BcsyncError | undefined {
  if (s.legacySalesOrders && s.bidirectionalSalesOrders)
    return bcsyncError(INTEGRATION_SALES_ORDER_MODES_EXCLUSIVE, {});
  if (s.sales.autoCreateSalesOrders && !s.legacySalesOrders)
    return bcsyncError(INTEGRATION_AUTO_CREATE_NEEDS_LEGACY, {});
  return undefined;
}

/**
 * "Salgsordreintegration er aktiveret" (S7): the Sales organization flag `issopintegrationenabled`. BC sets it
 * with the legacy mode; it is derived, never set on its own.
 */
export function salesOrderIntegrationEnabled(s: IntegrationSettings): boolean {
  return s.legacySalesOrders;
}

export function defaultOptionsOf(s: IntegrationSettings): DefaultOptions {
  return {
    unitGroupsEnabled: s.unitGroupsEnabled,
    bidirectionalSalesOrders: s.bidirectionalSalesOrders,
    legacySalesOrders: s.legacySalesOrders,
    ownershipModel: s.ownershipModel,
    ...(s.dataverseCompanyId ? { dataverseCompanyId: s.dataverseCompanyId } : {}),
  };
}

export function jobSwitchesOf(s: IntegrationSettings): JobSwitches {
  return {
    itemAvailability: s.itemAvailability,
    autoCreateSalesOrders: s.sales.autoCreateSalesOrders,
    autoProcessSalesQuotes: s.sales.autoProcessSalesQuotes,
  };
}
