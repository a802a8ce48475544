// Deletion detection and the mass-delete guard. An outage or a paging bug looks like "everything was deleted",
// so more deletions in one run than the mapping's threshold are held for approval instead of executed.

import { type PassDirection, passesOf, type TableMapping } from "./model.ts";

type CoupledIds = { bcId: string; dataverseId: string };

/** Couplings whose record on `side` is not among the ids known to exist there (lower-case ids). */
export function couplingsWithMissingRecord<C extends CoupledIds>(
  couplings: Iterable<C>,
  side: "bc" | "dataverse",
  existingIds: { has(id: string): boolean },
): C[] {
  const out: C[] = [];
  for (const c of couplings) {
    const id = (side === "bc" ? c.bcId : c.dataverseId).toLowerCase();
    if (!existingIds.has(id)) out.push(c);
  }
  return out;
}

export interface DeletionDecision {
  execute: boolean;
  held: number;
}

/** Deletions run only when there are at most `threshold` of them in the run (0 = hold every deletion). */
export function massDeleteDecision(count: number, threshold: number): DeletionDecision {
  if (count === 0) return { execute: true, held: 0 };
  return count > threshold ? { execute: false, held: count } : { execute: true, held: 0 };
}

/**
 * A deleted record whose counterpart a pass finds gone is left to the other pass when that pass propagates the
 * deletion: with `propagateDeletes` on a bidirectional mapping, the pass reading the deleting side deletes the
 * survivor. Settling it here by the deletion-conflict policy first (Remove Coupling) would uncouple the pair, and
 * the deletion would then never reach the survivor.
 */
export function deletionPropagatesFromTarget(mapping: TableMapping, pass: PassDirection): boolean {
  if (!mapping.propagateDeletes) return false;
  const reverse: PassDirection = pass === "toDataverse" ? "fromDataverse" : "toDataverse";
  return passesOf(mapping.direction).includes(reverse);
}
