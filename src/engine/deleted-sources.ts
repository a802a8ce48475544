// Source deletions that leave no change behind. Business Central has no change tracking, and a full sync reads
// Dataverse without its delta link, so a coupled record deleted at the source never arrives as a tombstone: it is
// found by its absence. With `propagateDeletes` that absence must reach the other side (the counterpart is
// deleted); found only as "the counterpart is gone" by the other pass, it would be settled by the deletion-conflict
// policy instead, and the survivor would stay.

import { couplingsWithMissingRecord } from "./deletions.ts";
import type { IdLookup } from "./id-set.ts";
import type { EntityPort, PortResult, Side } from "./ports.ts";
import { getAllByIds } from "./prefetch.ts";

/** Rows per request of an id scan: the largest page both services serve (Dataverse's maximum is 5,000). */
export const ID_SCAN_PAGE_SIZE = 5000;

export interface DeletedSourceSearch {
  /** The source side's port (not filtered by the mapping: a record out of the filter still exists). */
  port: EntityPort;
  side: Side;
  /** The mapping's couplings (paged from the store). */
  couplings: AsyncIterable<{ bcId: string; dataverseId: string }>;
  /**
   * Source ids known to exist: those a full pass has just read. Absent, every id of the source is read (one
   * id-only scan, `ID_SCAN_PAGE_SIZE` rows a request).
   */
  known?: { has(id: string): boolean };
  /** Ids this pass has already settled (retried, reconciled): not looked at again. */
  settled: IdLookup;
}

/**
 * Ids of coupled source records that no longer exist. Every candidate is confirmed absent by asking for it by id
 * right before it is reported, so a record the scan missed (created since, or only out of the mapping's filter)
 * is never taken for deleted. Any failed read reports the error and no deletion: an outage must not look like
 * "everything was deleted".
 */
export async function deletedSources(search: DeletedSourceSearch): Promise<PortResult<string[]>> {
  let exists = search.known;
  if (!exists) {
    const scan = await everyId(search.port);
    if (!scan.ok) return scan;
    exists = scan.value;
  }
  const candidates: string[] = [];
  for await (const page of pagesOf(search.couplings, 1000)) {
    for (const c of couplingsWithMissingRecord(page, search.side, exists)) {
      const id = (search.side === "bc" ? c.bcId : c.dataverseId).toLowerCase();
      if (!search.settled.has(id)) candidates.push(id);
    }
  }
  if (candidates.length === 0) return { ok: true, value: [] };
  const found = await getAllByIds(search.port, candidates, []);
  if (!found.ok) return found;
  return { ok: true, value: candidates.filter((id) => !found.value.has(id)) };
}

/** Every id of the source's table, whatever the mapping's filter, in pages of `ID_SCAN_PAGE_SIZE`. */
async function everyId(port: EntityPort): Promise<PortResult<Set<string>>> {
  const ids = new Set<string>();
  for await (const page of port.readChanges({ select: [], pageSize: ID_SCAN_PAGE_SIZE })) {
    if (!page.ok) return page;
    for (const change of page.value.changes) ids.add(change.kind === "upsert" ? change.record.id : change.id);
  }
  return { ok: true, value: ids };
}

async function* pagesOf<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let page: T[] = [];
  for await (const item of items) {
    page.push(item);
    if (page.length === size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
