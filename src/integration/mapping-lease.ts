// One run of a mapping at a time, across every process on the state store (issue 14.4): two `bcsync sync CUSTOMER
// --full` at once on one store produced duplicate keys, "already coupled" failures and needless rewrites. A run takes
// the mapping's lease, renews it while it works, and gives it back; a second process is told who holds it. A lease
// whose process died expires after LEASE_TTL_MS; on the same machine a dead holder (its pid gone) is taken over at
// once, so a restart after SIGKILL does not wait.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { bcsyncError } from "../errors/catalogue.ts";
import { STORE_MAPPING_BUSY, STORE_RUN_INTERRUPTED } from "../errors/codes/store.ts";
import type { Store } from "../store/index.ts";

export const LEASE_TTL_MS = 120_000;

const HOST = hostname();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A holder on this machine whose process is gone. */
function deadHere(holder: string): boolean {
  const [host, pid] = holder.split(":");
  return host === HOST && Number.isInteger(Number(pid)) && !processAlive(Number(pid));
}

/**
 * Runs `work` holding the store's lease `name` (a mapping, or a narrower unit of work such as one order's creation):
 * taken, renewed while `work` runs, given back; held by a live process elsewhere, it is BCSYNC_E_STORE_MAPPING_BUSY.
 */
export async function withLease<T>(store: Store, name: string, work: () => Promise<T>): Promise<T> {
  const holder = `${HOST}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let taken = await store.leases.acquire(name, holder, LEASE_TTL_MS);
  if (!taken.ok && deadHere(taken.lease.holder))
    taken = await store.leases.acquire(name, holder, LEASE_TTL_MS, new Date(), taken.lease.holder);
  if (!taken.ok)
    throw bcsyncError(STORE_MAPPING_BUSY, {
      mapping: name,
      holder: taken.lease.holder,
      since: taken.lease.acquiredAt,
    });
  const heartbeat = setInterval(() => {
    store.leases.renew(name, holder, LEASE_TTL_MS).catch(() => undefined); // the next beat tries again
  }, LEASE_TTL_MS / 4);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await store.leases.release(name, holder);
  }
}

/** Runs one pass set of a mapping under its lease, first ending the jobs of a process that died holding it. */
export async function withMappingLease<T>(store: Store, mappingName: string, work: () => Promise<T>): Promise<T> {
  return withLease(store, mappingName, async () => {
    // Holding the lease, no live process runs this mapping: a job still "running" belongs to a process that died
    // (SIGKILL, a lost store connection) and would otherwise claim to be running for ever (issue 14).
    await store.jobs.failAbandoned(mappingName, (job) => {
      const error = bcsyncError(STORE_RUN_INTERRUPTED, {
        mapping: mappingName,
        direction: job.direction,
        started: job.startedAt,
      });
      return `${error.code}: ${error.message}`;
    });
    return work();
  });
}
