// Several BC companies on one Dataverse environment (issue 10.19): Business Central's integration solution gives the
// Sales tables a company lookup (`bcbi_companyid`, to `bcbi_company`), and each company's default filters keep to
// "this company or none" (defaults/index.ts). Rows this company creates are stamped on create (the mapping's
// `createValues`); a row it takes over without a company (matched by name, or created in Sales and synced to BC)
// is claimed after the pass, so another company's next run no longer sees it and does not couple it a second time.

import type { TableMapping } from "../engine/model.ts";
import type { IntegrationContext } from "./context.ts";
import { COMPANY_SCOPED_TABLES } from "./defaults/index.ts";
import { allRows } from "./direct-pass.ts";
import { editCheckColumns, stampOf, updateBehindMapping } from "./unsynced-edits.ts";

/** The connected company's name as Business Central has it (its id when setup did not record one). */
export const companyName = (ctx: Pick<IntegrationContext, "config" | "companyId">): string =>
  ctx.config.businessCentral?.companyName ?? ctx.companyId;

/** Stamps this company on the mapping's coupled Sales rows that have none; returns how many were claimed. */
export async function claimCoupledRows(ctx: IntegrationContext, mapping: TableMapping): Promise<number> {
  const company = ctx.settings.dataverseCompanyId;
  if (!company || mapping.kind !== "table" || !COMPANY_SCOPED_TABLES.has(mapping.dataverse.table)) return 0;
  const key = mapping.dataverse.keyField;
  const companyRef = `/bcbi_companies(${company})`;
  const unclaimed = await allRows(
    ctx.dataverse.pages(mapping.dataverse.entitySet, {
      filter: "_bcbi_companyid_value eq null",
      select: [key, ...editCheckColumns(mapping)],
    }),
  );
  if (unclaimed.length === 0) return 0;
  const coupled = await ctx.store.couplings.findMany(
    mapping.name,
    "dataverse",
    unclaimed.map((r) => String(r[key]).toLowerCase()),
  );
  const claims = unclaimed.flatMap((row) => {
    const coupling = coupled.get(String(row[key]).toLowerCase());
    return coupling
      ? [{ coupling, stamp: stampOf(mapping, row), changes: { "bcbi_companyid@odata.bind": companyRef } }]
      : [];
  });
  // A row with a Sales user's edit not yet in BC is claimed on a later run, after the pass has carried it.
  const outcomes = await updateBehindMapping(ctx, mapping, claims);
  return outcomes.filter((o) => o.kind === "written").length;
}
