// Held deletions (BC's mass-deletion safeguard): a run that would delete more counterparts than the mapping's
// threshold holds them for a person to approve (they are deleted now, with their couplings) or reject (nothing is
// deleted; the couplings stay, so the next run sees the same missing records and may hold them again).

import { approveHeldDeletion, type PassReport } from "../engine/runner.ts";
import { ADMIN_HELD_DELETION_NOT_HELD, bcsyncError } from "../errors/catalogue.ts";
import type { IntegrationContext } from "../integration/context.ts";
import type { HeldDeletion, Store } from "../store/index.ts";
import { fail, ok, type Result } from "./result.ts";

export async function listHeldDeletions(
  store: Store,
  filter: { mappingName?: string; all?: boolean } = {},
): Promise<HeldDeletion[]> {
  return store.heldDeletions.list({
    ...(filter.mappingName ? { mappingName: filter.mappingName } : {}),
    ...(filter.all ? {} : { status: "held" as const }),
  });
}

/** Deletes the held records' counterparts now (one sync-log run with its counters). */
export async function approveDeletion(ctx: IntegrationContext, id: string): Promise<Result<PassReport>> {
  const held = await ctx.store.heldDeletions.get(id);
  if (held?.status !== "held") return fail(bcsyncError(ADMIN_HELD_DELETION_NOT_HELD, { id }));
  return ok(await approveHeldDeletion(ctx.engine, id));
}

/** Discards a held deletion: nothing is deleted. */
export async function rejectDeletion(store: Store, id: string): Promise<Result<HeldDeletion>> {
  const held = await store.heldDeletions.get(id);
  if (held?.status !== "held") return fail(bcsyncError(ADMIN_HELD_DELETION_NOT_HELD, { id }));
  await store.heldDeletions.decide(id, "rejected");
  const after = await store.heldDeletions.get(id);
  return after ? ok(after) : fail(bcsyncError(ADMIN_HELD_DELETION_NOT_HELD, { id }));
}
