import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { JobQueueEntriesTable, QueueEntryStatus } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso, toFlag } from "./executor.ts";

export interface QueueEntry {
  id: string;
  kind: string;
  mappingName: string | null;
  description: string;
  recurring: boolean;
  intervalMinutes: number;
  inactivityTimeoutMinutes: number;
  status: QueueEntryStatus;
  nextRunAt: string | null;
  lastRunAt: string | null;
  maxAttempts: number;
  attempts: number;
  rerunDelaySeconds: number;
  lastError: string | null;
  lockedBy: string | null;
  /** A change arrived while the entry was in process: its completion schedules the next run now. */
  wakeRequested: boolean;
}

export interface QueueEntryInput {
  kind: string;
  mappingName?: string | null;
  description: string;
  recurring?: boolean;
  intervalMinutes: number;
  inactivityTimeoutMinutes: number;
  status?: QueueEntryStatus;
  nextRunAt?: string | null;
  maxAttempts?: number;
  rerunDelaySeconds?: number;
}

/** How a run ended, as the queue needs it. `idle`: nothing inserted, modified, deleted or failed. */
export type RunOutcome = { kind: "succeeded"; idle: boolean } | { kind: "failed"; error: string };

/**
 * The status a queue entry moves to after a run, as Business Central's job queue does it: a recurring entry whose
 * run was idle waits for its inactivity timeout; a failure is retried after the rerun delay until attempts run out.
 */
export function nextQueueState(
  entry: Pick<
    QueueEntry,
    | "recurring"
    | "intervalMinutes"
    | "inactivityTimeoutMinutes"
    | "attempts"
    | "maxAttempts"
    | "rerunDelaySeconds"
    | "wakeRequested"
  >,
  outcome: RunOutcome,
  now: Date,
): { status: QueueEntryStatus; nextRunAt: string | null; attempts: number } {
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  if (outcome.kind === "failed") {
    const attempts = entry.attempts + 1;
    if (attempts < entry.maxAttempts)
      return { status: "ready", nextRunAt: at(entry.rerunDelaySeconds * 1000), attempts };
    // A recurring entry is not lost to a bad spell: it tries again at its next interval, with a fresh count.
    if (entry.recurring) return { status: "error", nextRunAt: at(entry.intervalMinutes * 60_000), attempts: 0 };
    return { status: "error", nextRunAt: null, attempts };
  }
  if (!entry.recurring) return { status: "finished", nextRunAt: null, attempts: 0 };
  // A change arrived during the run (seed S17): it may have come after the run read its table, so run again now.
  if (entry.wakeRequested) return { status: "ready", nextRunAt: now.toISOString(), attempts: 0 };
  if (outcome.idle)
    return { status: "on_hold_inactivity", nextRunAt: at(entry.inactivityTimeoutMinutes * 60_000), attempts: 0 };
  return { status: "ready", nextRunAt: at(entry.intervalMinutes * 60_000), attempts: 0 };
}

const RUNNABLE: QueueEntryStatus[] = ["ready", "on_hold_inactivity", "error"];

/** Job queue entries: what runs when. Claiming is a compare-and-set, so several workers never run one entry twice. */
export class JobQueueRepository {
  constructor(private readonly db: Executor) {}

  async create(input: QueueEntryInput): Promise<QueueEntry> {
    const row: JobQueueEntriesTable = {
      id: randomUUID(),
      kind: input.kind,
      mapping_name: input.mappingName ?? null,
      description: input.description,
      recurring: toFlag(input.recurring ?? true),
      interval_minutes: input.intervalMinutes,
      inactivity_timeout_minutes: input.inactivityTimeoutMinutes,
      status: input.status ?? "ready",
      next_run_at: input.nextRunAt ?? nowIso(),
      last_run_at: null,
      max_attempts: input.maxAttempts ?? 10,
      attempts: 0,
      rerun_delay_seconds: input.rerunDelaySeconds ?? 30,
      last_error: null,
      locked_by: null,
      locked_at: null,
      wake_requested: 0,
      updated_at: nowIso(),
    };
    await this.db.insertInto("job_queue_entries").values(row).execute();
    return fromRow(row);
  }

  async list(): Promise<QueueEntry[]> {
    const rows = await this.db
      .selectFrom("job_queue_entries")
      .selectAll()
      .orderBy("kind")
      // coalesce: SQLite sorts NULLs first and PostgreSQL last; this gives both the same order.
      .orderBy(sql`coalesce(mapping_name, '')`)
      .execute();
    return rows.map(fromRow);
  }

  async get(id: string): Promise<QueueEntry | undefined> {
    const row = await this.db.selectFrom("job_queue_entries").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async deleteForMapping(mappingName: string): Promise<void> {
    await this.db.deleteFrom("job_queue_entries").where("mapping_name", "=", mappingName).execute();
  }

  async deleteAll(): Promise<void> {
    await this.db.deleteFrom("job_queue_entries").execute();
  }

  /** Entries due at `now`, oldest first. */
  async due(now: Date, limit = 10): Promise<QueueEntry[]> {
    const rows = await this.db
      .selectFrom("job_queue_entries")
      .selectAll()
      .where("status", "in", RUNNABLE)
      .where("next_run_at", "is not", null)
      .where("next_run_at", "<=", now.toISOString())
      .where("locked_by", "is", null)
      .orderBy("next_run_at")
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /**
   * Entries running or due at `now`: none means the queue is at rest (a service's first round of runs is over, say,
   * before a person's edits are made in a test or a benchmark; see test/server/serve-live.test.ts).
   */
  async busy(now: Date): Promise<QueueEntry[]> {
    const rows = await this.db
      .selectFrom("job_queue_entries")
      .selectAll()
      .where((eb) =>
        eb.or([
          eb("status", "=", "in_process"),
          eb.and([
            eb("status", "in", RUNNABLE),
            eb("next_run_at", "is not", null),
            eb("next_run_at", "<=", now.toISOString()),
          ]),
        ]),
      )
      .execute();
    return rows.map(fromRow);
  }

  /** Takes an entry for a worker; false when another worker got it first. */
  async claim(entry: QueueEntry, workerId: string): Promise<boolean> {
    const now = nowIso();
    const r = await this.db
      .updateTable("job_queue_entries")
      .set({ status: "in_process", locked_by: workerId, locked_at: now, last_run_at: now, updated_at: now })
      .where("id", "=", entry.id)
      .where("status", "=", entry.status)
      .where("locked_by", "is", null)
      // An entry read as due that another worker has run (and rescheduled) since is not due any more: without
      // this, a worker with a stale `due` list claimed it again right after its run (seen with two pg-boss workers).
      .where((eb) =>
        entry.nextRunAt === null ? eb("next_run_at", "is", null) : eb("next_run_at", "=", entry.nextRunAt),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Releases an entry after its run and schedules the next one (see `nextQueueState`). */
  async complete(id: string, outcome: RunOutcome, now = new Date()): Promise<QueueEntry> {
    // Compare-and-set on the wake flag: a wake landing between the read and the write is not lost (the write
    // misses and is computed again with it).
    for (;;) {
      const entry = await this.get(id);
      if (!entry) throw new Error(`job queue entry ${id} vanished while running`);
      const next = nextQueueState(entry, outcome, now);
      const r = await this.db
        .updateTable("job_queue_entries")
        .set({
          status: next.status,
          next_run_at: next.nextRunAt,
          attempts: next.attempts,
          last_error: outcome.kind === "failed" ? outcome.error : null,
          locked_by: null,
          locked_at: null,
          wake_requested: 0,
          updated_at: nowIso(),
        })
        .where("id", "=", id)
        .where("wake_requested", "=", toFlag(entry.wakeRequested))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return (await this.get(id))!;
    }
  }

  /** Frees entries held by workers that died (locked longer ago than `staleBefore`), so they run again. */
  async releaseStale(staleBefore: string): Promise<number> {
    const r = await this.db
      .updateTable("job_queue_entries")
      .set({ status: "ready", locked_by: null, locked_at: null, next_run_at: nowIso(), updated_at: nowIso() })
      .where("status", "=", "in_process")
      .where("locked_at", "<", staleBefore)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * A change arrived for a mapping: wake its entries that wait out an inactivity timeout, to run 30 s from now,
   * unless they are due within the next 60 s anyway (Business Central's rule).
   */
  async reactivate(mappingName: string, now = new Date()): Promise<number> {
    const soon = new Date(now.getTime() + 60_000).toISOString();
    const r = await this.db
      .updateTable("job_queue_entries")
      .set({ status: "ready", next_run_at: new Date(now.getTime() + 30_000).toISOString(), updated_at: nowIso() })
      .where("mapping_name", "=", mappingName)
      .where("status", "in", ["ready", "on_hold_inactivity"])
      .where("recurring", "=", 1)
      .where((eb) => eb.or([eb("next_run_at", "is", null), eb("next_run_at", ">", soon)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * A change arrived for a mapping (a trigger): its recurring entries run now, whether they wait out an inactivity
   * timeout, their interval or a failure's retry. Entries put on hold by a person stay on hold. Returns how many
   * were woken; an entry running right now (in any process) is marked instead, and its completion runs it again.
   */
  async wake(mappingName: string, now = new Date()): Promise<number> {
    const at = now.toISOString();
    await this.db
      .updateTable("job_queue_entries")
      .set({ wake_requested: 1 })
      .where("mapping_name", "=", mappingName)
      .where("status", "=", "in_process")
      .where("recurring", "=", 1)
      .execute();
    const r = await this.db
      .updateTable("job_queue_entries")
      .set({ status: "ready", next_run_at: at, updated_at: nowIso() })
      .where("mapping_name", "=", mappingName)
      .where("status", "in", ["ready", "on_hold_inactivity", "error"])
      .where("recurring", "=", 1)
      .where((eb) => eb.or([eb("next_run_at", "is", null), eb("next_run_at", ">", at)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async setStatus(id: string, status: QueueEntryStatus, nextRunAt?: string | null): Promise<void> {
    await this.db
      .updateTable("job_queue_entries")
      .set({ status, ...(nextRunAt !== undefined ? { next_run_at: nextRunAt } : {}), updated_at: nowIso() })
      .where("id", "=", id)
      .execute();
  }
}

function fromRow(row: JobQueueEntriesTable): QueueEntry {
  return {
    id: row.id,
    kind: row.kind,
    mappingName: row.mapping_name,
    description: row.description,
    recurring: Number(row.recurring) === 1,
    intervalMinutes: Number(row.interval_minutes),
    inactivityTimeoutMinutes: Number(row.inactivity_timeout_minutes),
    status: row.status,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    maxAttempts: Number(row.max_attempts),
    attempts: Number(row.attempts),
    rerunDelaySeconds: Number(row.rerun_delay_seconds),
    lastError: row.last_error,
    lockedBy: row.locked_by,
    wakeRequested: Number(row.wake_requested) === 1,
  };
}
