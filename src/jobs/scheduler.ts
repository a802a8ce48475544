import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { QueueEntry, RunOutcome, Store } from "../store/index.ts";

/** Runs one job queue entry; resolves with whether the run did anything (idle runs put recurring entries on hold). */
export type JobHandler = (entry: QueueEntry, context: { signal: AbortSignal }) => Promise<{ idle: boolean }>;

export interface SchedulerEvents {
  started: [QueueEntry];
  completed: [QueueEntry, RunOutcome];
  idle: [];
}

export interface SchedulerOptions {
  store: Store;
  /** Handlers by entry kind (`mapping`, `statistics`, `availability`, ...). */
  handlers: Record<string, JobHandler>;
  pollMs?: number;
  workerId?: string;
  /** Entries locked longer than this by a worker are taken to be orphaned by a crash and run again. */
  staleAfterMs?: number;
  now?: () => Date;
}

/**
 * The job queue's worker: finds due entries, claims each (a compare-and-set, so several schedulers on one
 * PostgreSQL store never run an entry twice), runs its handler and schedules the next run from the outcome.
 * Entries run one at a time per scheduler, in due order: dependency order comes from their due times.
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly workerId: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: SchedulerOptions) {
    super();
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  }

  /** Runs every entry due now, once; resolves with how many ran. */
  async tick(): Promise<number> {
    const { store } = this.options;
    const now = this.options.now?.() ?? new Date();
    const staleBefore = new Date(now.getTime() - (this.options.staleAfterMs ?? 30 * 60_000)).toISOString();
    await store.queue.releaseStale(staleBefore);
    let ran = 0;
    // Drain in pages: each run moves its entry's next run into the future, so the loop ends.
    for (;;) {
      let claimed = 0;
      for (const entry of await store.queue.due(now, 20)) {
        if (this.abort.signal.aborted) break;
        if (!(await store.queue.claim(entry, this.workerId))) continue;
        claimed++;
        this.emit("started", entry);
        const outcome = await runQueueEntry(this.options.handlers, entry, this.abort.signal);
        const completedAt = this.options.now?.() ?? new Date();
        const after = await store.queue.complete(entry.id, outcome, completedAt);
        // Due again already (a change arrived during the run): look once more right after this tick.
        if (after.nextRunAt !== null && after.nextRunAt <= completedAt.toISOString()) this.again = true;
        this.emit("completed", after, outcome);
      }
      ran += claimed;
      if (claimed === 0 || this.abort.signal.aborted) break;
    }
    if (ran === 0) this.emit("idle");
    return ran;
  }

  /** Polls until stopped. */
  start(): void {
    const loop = async () => {
      this.timer = undefined;
      this.again = false;
      this.running = this.tick().then(() => undefined);
      await this.running.catch(() => undefined);
      this.running = undefined;
      if (this.abort.signal.aborted) return;
      // A nudge during the tick asks for another one at once; otherwise wait for the next poll.
      this.timer = setTimeout(loop, this.again ? 0 : (this.options.pollMs ?? 5000));
    };
    this.loop = loop;
    void loop();
  }

  /** Looks for due entries now instead of at the next poll (a trigger woke an entry). */
  nudge(): void {
    if (!this.loop || this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    void this.loop();
  }

  private loop: (() => Promise<void>) | undefined;
  private again = false;

  /** Stops polling and waits for the entry in flight. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}

/** Runs an entry's handler and turns its result or its throw into an outcome; never throws. */
export async function runQueueEntry(
  handlers: Record<string, JobHandler>,
  entry: QueueEntry,
  signal: AbortSignal,
): Promise<RunOutcome> {
  const handler = handlers[entry.kind];
  if (!handler) return { kind: "failed", error: `no handler for job queue entries of kind '${entry.kind}'` };
  try {
    const { idle } = await handler(entry, { signal });
    return { kind: "succeeded", idle };
  } catch (error) {
    return { kind: "failed", error: error instanceof Error ? error.message : String(error) };
  }
}
