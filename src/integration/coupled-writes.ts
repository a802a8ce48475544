// The writes of the integration's hand-written BC → Dataverse passes (document lines, sales prices), set-based:
// UpdateMultiple and CreateMultiple spread over Dataverse's slots, each row's coupling recorded as its outcome comes.
//
// A new row's coupling is recorded before its create, under an id chosen here: a run stopped between the two finds
// the coupling without its snapshot, and its update, answered "not found", creates the row under that id. So a row
// is never created twice, as one created and then coupled could be; a row deleted in Sales is created again the
// same way.

import type { Row } from "../connectors/index.ts";
import { writeBudgetOf } from "../engine/adapters/common.ts";
import type { TableMapping } from "../engine/model.ts";
import { batchSize, inParallel } from "../engine/pipeline/write.ts";
import { chunks } from "../engine/prefetch.ts";
import { newRecordId } from "../engine/record-id.ts";
import { CONNECTOR_DUPLICATE_KEY, CONNECTOR_NOT_FOUND } from "../errors/codes/connectors.ts";
import type { SyncCounters } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";

/** One row to write for the BC record `bcId`: its mapped values, and what a create adds to them. */
export interface CoupledWrite {
  bcId: string;
  /** The coupled row's id (an update), or undefined: a create, under an id chosen here. */
  dataverseId?: string;
  values: Row;
  snapshotHash: string;
  /** Values only a create sends (the row's parents, fixed settings). */
  onCreate?: Row;
}

/** Most rows a bulk request carries here; fewer when that fills more of Dataverse's slots. */
const ROWS_PER_REQUEST = 500;

/**
 * Writes these rows of `mapping` in bulk and records each outcome: the coupling's snapshot and `inserted` or
 * `modified` for a row written, `fail` for one refused (the others go on).
 */
export async function writeCoupledRows(
  ctx: Pick<IntegrationContext, "dataverse" | "store">,
  mapping: TableMapping,
  jobId: string,
  writes: readonly CoupledWrite[],
  counters: SyncCounters,
  fail: (bcId: string, message: string) => Promise<void>,
): Promise<void> {
  type Keyed = CoupledWrite & { dataverseId: string };
  const updates = writes.filter((w): w is Keyed => w.dataverseId !== undefined);
  const creates: Keyed[] = writes
    .filter((w) => w.dataverseId === undefined)
    .map((w) => ({ ...w, dataverseId: newRecordId() }));
  await ctx.store.couplings.coupleMany(
    creates.map((c) => ({ mappingName: mapping.name, bcId: c.bcId, dataverseId: c.dataverseId, snapshotHash: null })),
  );
  const budget = writeBudgetOf(ctx.dataverse.throttleStates(), ROWS_PER_REQUEST);
  const written = async (row: Keyed, counter: "inserted" | "modified") => {
    await ctx.store.couplings.recordSuccess(mapping.name, row.bcId, {
      direction: "toDataverse",
      jobId,
      snapshot: row.values,
      snapshotHash: row.snapshotHash,
    });
    counters[counter]++;
  };
  const lost: Keyed[] = [];
  const size = batchSize(writes.length, budget);
  await inParallel(chunks(updates, size), budget.concurrency, async (part) => {
    const res = await ctx.dataverse.updateMultiple(
      mapping.dataverse.entitySet,
      mapping.dataverse.table,
      part.map((w) => ({ key: w.dataverseId, row: w.values })),
    );
    for (const [i, row] of part.entries()) {
      const outcome = res.ok ? res.value.outcomes[i] : { ok: false as const, error: res.error };
      if (outcome?.ok) await written(row, "modified");
      else if (outcome?.error.code === CONNECTOR_NOT_FOUND.code) lost.push(row);
      else await fail(row.bcId, outcome?.error.message ?? "no outcome");
    }
  });
  // Rows coupled but not there (deleted in Sales, or a create a stopped run never sent) are created again.
  const all = [...creates, ...lost];
  await inParallel(chunks(all, batchSize(all.length, budget)), budget.concurrency, async (part) => {
    const res = await ctx.dataverse.createMultiple(
      mapping.dataverse.entitySet,
      mapping.dataverse.table,
      part.map((w) => ({ ...w.values, ...w.onCreate, [mapping.dataverse.keyField]: w.dataverseId })),
    );
    for (const [i, row] of part.entries()) {
      const outcome = res.ok ? res.value.outcomes[i] : { ok: false as const, error: res.error };
      // Already there under its id: an earlier attempt's create applied (its answer was lost).
      if (outcome?.ok || outcome?.error.code === CONNECTOR_DUPLICATE_KEY.code) await written(row, "inserted");
      else await fail(row.bcId, outcome?.error.message ?? "no outcome");
    }
  });
}
