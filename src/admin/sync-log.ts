// The sync log as an administrator reads it (BC's Integration Synch. Job Log and its errors): recent runs with
// their counters, and the errors that are current — those of each mapping's latest run in each direction, since a
// later run that succeeded for a record replaces its error. Shared by the CLI (`bcsync log`, `bcsync errors`).

import type { Store, SyncError, SyncJob } from "../store/index.ts";

export interface RunFilter {
  mappingName?: string;
  limit?: number;
}

/** Newest runs first (dry runs included: they are marked). */
export async function recentRuns(store: Store, filter: RunFilter = {}): Promise<SyncJob[]> {
  return store.jobs.list({ ...filter, limit: filter.limit ?? 50 });
}

/** The latest finished, real (not dry) run of each mapping and direction. */
export async function latestRuns(store: Store, mappingName?: string): Promise<SyncJob[]> {
  const latest = new Map<string, SyncJob>();
  for (const job of await store.jobs.list({ ...(mappingName ? { mappingName } : {}), limit: 1000 })) {
    if (job.dryRun || !job.finishedAt) continue;
    const key = `${job.mappingName}|${job.direction}`;
    if (!latest.has(key)) latest.set(key, job);
  }
  return [...latest.values()];
}

/** Errors still standing: those of the latest run of each mapping and direction. */
export async function currentErrors(store: Store, filter: RunFilter = {}): Promise<SyncError[]> {
  const out: SyncError[] = [];
  for (const job of await latestRuns(store, filter.mappingName)) {
    if (job.failed === 0 && job.status !== "failed") continue;
    out.push(...(await store.jobs.errors({ jobId: job.id, limit: filter.limit ?? 1000 })));
  }
  return out.slice(0, filter.limit ?? 1000);
}
