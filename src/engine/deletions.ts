// Deletion detection and the mass-delete guard. An outage or a paging bug looks like "everything was deleted",
// so more deletions in one run than the mapping's threshold are held for approval instead of executed.

import type { CouplingState } from "./records.ts";

/** Couplings whose record on `side` is not among the ids that exist there (a full id scan). */
export function couplingsWithMissingRecord(
  couplings: Iterable<CouplingState>,
  side: "bc" | "dataverse",
  existingIds: ReadonlySet<string>,
): CouplingState[] {
  const out: CouplingState[] = [];
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
