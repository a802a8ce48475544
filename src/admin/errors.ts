// Standing sync errors, one at a time (BC's Coupled Data Synchronization Errors page): retry one (its mapping
// runs again, fully, so a record that failed before it was ever coupled is planned again), skip one (its record
// is set aside until un-skipped, as Business Central does after repeated identical failures), un-skip.

import { ADMIN_COUPLING_NOT_FOUND, ADMIN_SYNC_ERROR_NOT_FOUND, bcsyncError } from "../errors/catalogue.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { type MappingSyncResult, syncMappings } from "../integration/sync.ts";
import type { Coupling, Store, SyncError } from "../store/index.ts";
import { fail, ok, type Result } from "./result.ts";
import { currentErrors } from "./sync-log.ts";

/** A standing error by id (errors a later run replaced are not standing). */
export async function findStandingError(store: Store, id: string): Promise<Result<SyncError>> {
  const error = (await currentErrors(store)).find((e) => e.id === id);
  return error ? ok(error) : fail(bcsyncError(ADMIN_SYNC_ERROR_NOT_FOUND, { id }));
}

/** Runs the error's mapping again (full); the error is gone when its record now syncs. */
export async function retryError(ctx: IntegrationContext, id: string): Promise<Result<MappingSyncResult[]>> {
  const error = await findStandingError(ctx.store, id);
  if (!error.ok) return error;
  return ok(await syncMappings(ctx, { names: [error.value.mappingName], full: true }));
}

/** The coupling of the record an error is about, by the side the error's run read from. */
async function couplingOf(store: Store, error: SyncError): Promise<Coupling | undefined> {
  const ids = [error.sourceId, error.destinationId].filter((x): x is string => Boolean(x)).map((x) => x.toLowerCase());
  for (const id of ids) {
    const c =
      (await store.couplings.getByBcId(error.mappingName, id)) ??
      (await store.couplings.getByDataverseId(error.mappingName, id));
    if (c) return c;
  }
  return undefined;
}

/**
 * Sets the error's record aside: no run syncs it until it is un-skipped. Recorded as a failure that skips at once
 * (skipAfter 1), so the coupling keeps the error as its reason, exactly as an automatic skip does.
 */
export async function skipError(store: Store, id: string): Promise<Result<Coupling>> {
  const error = await findStandingError(store, id);
  if (!error.ok) return error;
  const coupling = await couplingOf(store, error.value);
  if (!coupling)
    return fail(
      bcsyncError(ADMIN_COUPLING_NOT_FOUND, {
        mapping: error.value.mappingName,
        id: error.value.sourceId ?? error.value.destinationId ?? id,
      }),
    );
  await store.couplings.recordFailure(error.value.mappingName, coupling.bcId, {
    direction: error.value.direction === "fromDataverse" ? "fromDataverse" : "toDataverse",
    jobId: error.value.jobId,
    error: error.value.message,
    skipAfter: 1,
  });
  return ok((await store.couplings.getByBcId(error.value.mappingName, coupling.bcId)) ?? coupling);
}

/** Takes one skipped record (by BC id) or every skipped record of a mapping back into synchronization. */
export async function unskipRecords(store: Store, mappingName: string, bcId?: string): Promise<number> {
  return store.couplings.unskip(mappingName.toUpperCase(), bcId?.toLowerCase());
}
