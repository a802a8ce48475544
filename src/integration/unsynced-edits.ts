// Writes to coupled Sales rows by a job that is not the rows' mapping (the statistics link on an account, this
// company's stamp on a row it takes over). Such a write is made as the integration user, and S15 then has the
// mapping's Dataverse → BC pass take the row as our own and leave it out: a Sales user's edit made just before it,
// not yet carried to Business Central, would never be. Business Central's own integration has this window; we
// close it. A row whose last change is a person's, newer than the version the mapping last synced, is left for the
// job's next run (the pass carries the edit first), and the write goes with If-Match on the version checked, so an
// edit landing between the check and the write is not masked either.

import type { Row } from "../connectors/index.ts";
import { writeBudgetOf } from "../engine/adapters/common.ts";
import { isIntegrationUser } from "../engine/integration-users.ts";
import type { TableMapping } from "../engine/model.ts";
import { batchSize, inParallel } from "../engine/pipeline/write.ts";
import { chunks } from "../engine/prefetch.ts";
import { CONNECTOR_OUTCOME_UNKNOWN } from "../errors/codes/connectors.ts";
import { type BcsyncError, bcsyncError } from "../errors/define.ts";
import type { Coupling } from "../store/repositories/couplings.ts";
import type { IntegrationContext } from "./context.ts";

/** Who changed a Sales row last and its version (ETag), as read just before the write. */
export interface RowStamp {
  version?: string;
  modifiedBy?: string;
}

/** Written now; left for the next run because a person's edit waits for the mapping's pass; or refused. */
export type WriteBehindMapping = { kind: "written" } | { kind: "deferred" } | { kind: "failed"; error: BcsyncError };

/** The columns a raw Dataverse read needs for {@link stampOf} (its ETag comes with every row). */
export const editCheckColumns = (mapping: TableMapping): string[] => [mapping.dataverse.modifiedByField];

/** The stamp of a raw Dataverse row read with {@link editCheckColumns}. */
export function stampOf(mapping: TableMapping, row: Row): RowStamp {
  const etag = row["@odata.etag"];
  const by = row[mapping.dataverse.modifiedByField];
  return {
    ...(typeof etag === "string" ? { version: etag } : {}),
    ...(typeof by === "string" ? { modifiedBy: by.toLowerCase() } : {}),
  };
}

/**
 * True when the Sales row's last change was made by someone other than the integration users and the mapping has
 * not synced that version to Business Central yet. Mappings that never read Sales (Business Central → Dataverse
 * only) have nothing to carry back, and a row read without its modifier cannot tell: both count as synced.
 */
export function hasUnsyncedEdit(
  mapping: TableMapping,
  stamp: RowStamp,
  coupling: Pick<Coupling, "dataverseVersion">,
  integrationUsers: readonly string[] | undefined,
): boolean {
  if (mapping.direction === "toDataverse") return false;
  if (!integrationUsers?.length || stamp.modifiedBy === undefined) return false;
  if (isIntegrationUser(integrationUsers, stamp.modifiedBy)) return false;
  return stamp.version === undefined || stamp.version !== coupling.dataverseVersion;
}

/** One write behind the mapping: the coupled row, its stamp as just read, and the changes. */
export interface WriteBehind {
  coupling: Pick<Coupling, "dataverseId" | "dataverseVersion">;
  stamp: RowStamp;
  changes: Row;
}

/** Most operations a $batch request carries here (each one row's PATCH with its own If-Match); fewer to fill slots. */
const WRITES_PER_BATCH = 100;

/**
 * Updates coupled Sales rows of `mapping` unless a person's edit on one waits for the mapping's Dataverse → BC
 * pass; one outcome per write, in input order. The writes go in $batch requests (each PATCH with If-Match on the
 * version checked: UpdateMultiple takes no per-row condition), as many at once as Dataverse's budget allows.
 */
export async function updateBehindMapping(
  ctx: Pick<IntegrationContext, "dataverse" | "engine">,
  mapping: TableMapping,
  writes: readonly WriteBehind[],
): Promise<WriteBehindMapping[]> {
  const users = ctx.engine.integrationUsers?.dataverse;
  const outcomes: WriteBehindMapping[] = writes.map((w) =>
    hasUnsyncedEdit(mapping, w.stamp, w.coupling, users) ? { kind: "deferred" } : { kind: "written" },
  );
  const due = [...writes.keys()].filter((i) => outcomes[i].kind === "written");
  const budget = writeBudgetOf(ctx.dataverse.throttleStates(), WRITES_PER_BATCH);
  await inParallel(chunks(due, batchSize(due.length, budget)), budget.concurrency, async (part) => {
    const results = await ctx.dataverse.batchOperations(
      part.map((i) => ({
        method: "PATCH" as const,
        url: `${mapping.dataverse.entitySet}(${writes[i].coupling.dataverseId})`,
        headers: { "If-Match": writes[i].stamp.version ?? "*" },
        body: writes[i].changes,
      })),
    );
    for (const [n, i] of part.entries()) {
      const result = results.ok ? results.value[n] : undefined;
      if (result && result.status < 300) continue;
      // Changed since it was read: whoever changed it, the next run checks again.
      if (result?.status === 412) outcomes[i] = { kind: "deferred" };
      else if (!results.ok) outcomes[i] = { kind: "failed", error: results.error };
      else {
        const id = writes[i].coupling.dataverseId;
        outcomes[i] = { kind: "failed", error: result?.error ?? missingOutcome(mapping.dataverse.entitySet, id) };
      }
    }
  });
  return outcomes;
}

/** A $batch answer without a part for this write: it may or may not have been applied. */
function missingOutcome(entitySet: string, id: string): BcsyncError {
  return bcsyncError(CONNECTOR_OUTCOME_UNKNOWN, {
    service: "Dataverse",
    method: "PATCH",
    path: `${entitySet}(${id})`,
    reason: "its $batch answer has no part for it",
    record: id,
  });
}
