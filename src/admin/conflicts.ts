// Conflicts as an administrator reviews them: one row per field changed on both sides since the last sync, with the
// base (last synced), Business Central and Dataverse values; each is resolved on its own (field by field) by keeping
// one side, whose current value is then written to the other side (engine/reconcile.ts resolveConflict).

import { resolveConflict } from "../engine/reconcile.ts";
import { ADMIN_CONFLICT_NOT_OPEN, ADMIN_CONFLICT_NOT_RESOLVED, bcsyncError } from "../errors/catalogue.ts";
import type { IntegrationContext } from "../integration/context.ts";
import type { Conflict, Store } from "../store/index.ts";
import { fail, ok, type Result } from "./result.ts";

export type ConflictSide = "bc" | "dataverse";

export interface ConflictDecision {
  id: string;
  keep: ConflictSide;
}

/** Open conflicts (or every conflict with `all`), oldest first. */
export async function listConflicts(
  store: Store,
  filter: { mappingName?: string; all?: boolean } = {},
): Promise<Conflict[]> {
  return store.conflicts.list({
    ...(filter.mappingName ? { mappingName: filter.mappingName } : {}),
    ...(filter.all ? {} : { status: "open" as const }),
  });
}

/**
 * Applies decisions one field at a time, in the order given; stops at the first one that cannot be applied (the
 * earlier ones stay applied: each is its own write) and answers with that error.
 */
export async function resolveConflicts(
  ctx: IntegrationContext,
  decisions: readonly ConflictDecision[],
): Promise<Result<Conflict[]>> {
  const resolved: Conflict[] = [];
  for (const decision of decisions) {
    const conflict = await ctx.store.conflicts.get(decision.id);
    if (conflict?.status !== "open") return fail(bcsyncError(ADMIN_CONFLICT_NOT_OPEN, { id: decision.id }));
    const outcome = await resolveConflict(ctx.engine, conflict.id, decision.keep);
    if (!outcome.ok)
      return fail(
        bcsyncError(ADMIN_CONFLICT_NOT_RESOLVED, {
          id: conflict.id,
          mapping: conflict.mappingName,
          field: conflict.field,
          reason: outcome.reason,
        }),
      );
    const after = await ctx.store.conflicts.get(conflict.id);
    if (after) resolved.push(after);
  }
  return ok(resolved);
}
