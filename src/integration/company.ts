// Several BC companies on one Dataverse environment (issue 10.19): Business Central's integration solution gives the
// Sales tables a company lookup (`bcbi_companyid`, to `bcbi_company`), and each company's default filters keep to
// "this company or none" (defaults/index.ts). Rows this company creates are stamped on create (the mapping's
// `createValues`); a row it takes over without a company (matched by name, or created in Sales and synced to BC)
// is claimed after the pass, so another company's next run no longer sees it and does not couple it a second time.

import type { DataversePage as Page, Result } from "../connectors/index.ts";
import type { TableMapping } from "../engine/model.ts";
import { HeadStart } from "../engine/pipeline/read.ts";
import type { IntegrationContext } from "./context.ts";
import { COMPANY_SCOPED_TABLES } from "./defaults/index.ts";
import { allRows } from "./direct-pass.ts";
import { editCheckColumns, stampOf, updateBehindMapping } from "./unsynced-edits.ts";

/** The connected company's name as Business Central has it (its id when setup did not record one). */
export const companyName = (ctx: Pick<IntegrationContext, "config" | "companyId">): string =>
  ctx.config.businessCentral?.companyName ?? ctx.companyId;

/** The pages of a mapping's Sales rows without a company, as claimCoupledRows reads them. */
type UnclaimedPages = AsyncIterable<Result<Page>>;

/** Whether the mapping's Sales rows carry this company's stamp (several companies share the environment). */
function claimsRows(ctx: IntegrationContext, mapping: TableMapping): boolean {
  return (
    Boolean(ctx.settings.dataverseCompanyId) &&
    mapping.kind === "table" &&
    COMPANY_SCOPED_TABLES.has(mapping.dataverse.table)
  );
}

function unclaimedPages(ctx: IntegrationContext, mapping: TableMapping): AsyncGenerator<Result<Page>> {
  return ctx.dataverse.pages(mapping.dataverse.entitySet, {
    filter: "_bcbi_companyid_value eq null",
    select: [mapping.dataverse.keyField, ...editCheckColumns(mapping)],
  });
}

/**
 * The read of a mapping's Sales rows without a company, begun before the mapping's turn (a scheduled sync begins
 * every mapping's at its start: most runs find none, and the mappings no longer wait for it one after the other).
 * Rows read early stay right to claim: each claim is written with If-Match on the version read, so a row changed
 * meanwhile is left for the next run. Undefined where the mapping claims nothing.
 */
export function readUnclaimedEarly(
  ctx: IntegrationContext,
  mapping: TableMapping,
): HeadStart<Result<Page>> | undefined {
  return claimsRows(ctx, mapping) ? new HeadStart(unclaimedPages(ctx, mapping)) : undefined;
}

/**
 * Stamps this company on the mapping's coupled Sales rows that have none; returns how many were claimed. `early`:
 * the read readUnclaimedEarly began, taken over instead of reading again.
 */
export async function claimCoupledRows(
  ctx: IntegrationContext,
  mapping: TableMapping,
  early?: HeadStart<Result<Page>>,
): Promise<number> {
  const company = ctx.settings.dataverseCompanyId;
  if (!company || !claimsRows(ctx, mapping)) return 0;
  const key = mapping.dataverse.keyField;
  const companyRef = `/bcbi_companies(${company})`;
  const pages: UnclaimedPages = early?.take() ?? unclaimedPages(ctx, mapping);
  const unclaimed = await allRows(pages);
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
