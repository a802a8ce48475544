// Writes to a coupled Sales row by a job that is not the row's mapping (the statistics link on an account, this
// company's stamp on a row it takes over). Such a write is made as the integration user, and S15 then has the
// mapping's Dataverse → BC pass take the row as our own and leave it out: a Sales user's edit made just before it,
// not yet carried to Business Central, would never be. Business Central's own integration has this window; we
// close it. A row whose last change is a person's, newer than the version the mapping last synced, is left for the
// job's next run (the pass carries the edit first), and the write goes with If-Match on the version checked, so an
// edit landing between the check and the write is not masked either.

import { fail, ok, type Result, type Row } from "../connectors/index.ts";
import type { TableMapping } from "../engine/model.ts";
import { sameValue } from "../engine/values.ts";
import { CONNECTOR_CONCURRENCY_CONFLICT } from "../errors/codes/connectors.ts";
import type { Coupling } from "../store/repositories/couplings.ts";
import type { IntegrationContext } from "./context.ts";

/** Written now, or left for the next run because a person's edit waits for the mapping's pass. */
export type WriteBehindMapping = "written" | "deferred";

/** The columns a row must be read with for {@link hasUnsyncedEdit} (its ETag comes with every read). */
export const editCheckColumns = (mapping: TableMapping): string[] => [mapping.dataverse.modifiedByField];

/**
 * True when the Sales row's last change was made by someone other than the integration user and the mapping has
 * not synced that version to Business Central yet. Mappings that never read Sales (Business Central → Dataverse
 * only) have nothing to carry back, and a row read without its modifier cannot tell: both count as synced.
 */
export function hasUnsyncedEdit(
  mapping: TableMapping,
  row: Row,
  coupling: Pick<Coupling, "dataverseVersion">,
  integrationUser: string | undefined,
): boolean {
  if (mapping.direction === "toDataverse") return false;
  const modifiedBy = row[mapping.dataverse.modifiedByField];
  if (integrationUser === undefined || typeof modifiedBy !== "string") return false;
  if (sameValue(modifiedBy.toLowerCase(), integrationUser.toLowerCase())) return false;
  return row["@odata.etag"] === undefined || String(row["@odata.etag"]) !== coupling.dataverseVersion;
}

/**
 * Updates a coupled Sales row unless a person's edit on it waits for the mapping's Dataverse → BC pass.
 * `current` is the row as just read, with {@link editCheckColumns} and its ETag.
 */
export async function updateBehindMapping(
  ctx: Pick<IntegrationContext, "dataverse" | "engine">,
  mapping: TableMapping,
  coupling: Pick<Coupling, "dataverseId" | "dataverseVersion">,
  current: Row,
  changes: Row,
): Promise<Result<WriteBehindMapping>> {
  if (hasUnsyncedEdit(mapping, current, coupling, ctx.engine.integrationUser?.dataverse)) return ok("deferred");
  const etag = current["@odata.etag"];
  const written = await ctx.dataverse.update(
    mapping.dataverse.entitySet,
    coupling.dataverseId,
    changes,
    typeof etag === "string" ? { etag } : {},
  );
  if (written.ok) return ok("written");
  // Changed since it was read: whoever changed it, the next run checks again.
  if (written.error.code === CONNECTOR_CONCURRENCY_CONFLICT.code) return ok("deferred");
  return fail(written.error);
}
