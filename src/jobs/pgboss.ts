import { EventEmitter } from "node:events";
import PgBoss from "pg-boss";
import type { QueueEntry, RunOutcome, Store } from "../store/index.ts";
import { type JobHandler, runQueueEntry } from "./scheduler.ts";

const QUEUE = "bcsync-queue-entry";

export interface PgBossWorkersOptions {
  /** The state store; must be PostgreSQL (pg-boss lives in the same database). */
  store: Store;
  databaseUrl: string;
  /** pg-boss's own schema (default `pgboss_bcsync`). */
  schema?: string;
  handlers: Record<string, JobHandler>;
  /** Entries this process runs at once. */
  concurrency?: number;
  /** Whether this process also looks for due entries and hands them out (any number may; claiming is exclusive). */
  dispatch?: boolean;
  pollSeconds?: number;
}

export interface PgBossWorkerEvents {
  completed: [QueueEntry, RunOutcome];
}

/**
 * Scale-out on PostgreSQL: dispatchers claim due job queue entries (the same compare-and-set as the single-process
 * scheduler) and send each to a pg-boss queue; workers in any number of processes take them from pg-boss, run them
 * and schedule the next run. pg-boss gives the fan-out, fetch with SKIP LOCKED and its monitoring; the job queue
 * entry stays the one record of what runs when.
 */
export class PgBossWorkers extends EventEmitter<PgBossWorkerEvents> {
  private readonly boss: PgBoss;
  private readonly abort = new AbortController();
  private dispatchTimer: NodeJS.Timeout | undefined;
  private dispatching: Promise<number> | undefined;
  readonly workerId = `pgboss-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly options: PgBossWorkersOptions) {
    super();
    if (options.store.dialect !== "postgres") throw new Error("pg-boss workers need the PostgreSQL state store");
    this.boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: options.schema ?? "pgboss_bcsync",
      supervise: true,
      schedule: false,
    });
  }

  async start(): Promise<void> {
    this.boss.on("error", () => undefined); // transient connection errors: pg-boss retries by itself
    await this.boss.start();
    await this.boss.createQueue(QUEUE);
    const workers = this.options.concurrency ?? 1;
    for (let i = 0; i < workers; i++) {
      await this.boss.work<{ entryId: string }>(
        QUEUE,
        { batchSize: 1, pollingIntervalSeconds: this.options.pollSeconds ?? 0.5 },
        async ([job]) => this.run(job.data.entryId),
      );
    }
    if (this.options.dispatch !== false) {
      const loop = async () => {
        this.dispatching = this.dispatchDue().catch(() => 0);
        await this.dispatching;
        if (!this.abort.signal.aborted) this.dispatchTimer = setTimeout(loop, (this.options.pollSeconds ?? 0.5) * 1000);
      };
      void loop();
    }
  }

  /** Claims every due entry and hands it to pg-boss; returns how many were sent. */
  async dispatchDue(now = new Date()): Promise<number> {
    const { store } = this.options;
    // Entries held by a worker process that died: the single-process scheduler frees them too.
    await store.queue.releaseStale(new Date(now.getTime() - 30 * 60_000).toISOString());
    let sent = 0;
    for (const entry of await store.queue.due(now, 100)) {
      if (!(await store.queue.claim(entry, this.workerId))) continue;
      const jobId = await this.boss
        .send(QUEUE, { entryId: entry.id }, { singletonKey: entry.id, retryLimit: 0 })
        .catch(() => null);
      if (jobId === null) {
        // Claimed but not handed out: release it through the normal failure path so it runs again.
        await store.queue.complete(entry.id, { kind: "failed", error: "could not hand the entry to pg-boss" }, now);
        continue;
      }
      sent++;
    }
    return sent;
  }

  private async run(entryId: string): Promise<void> {
    const { store, handlers } = this.options;
    const entry = await store.queue.get(entryId);
    if (entry?.status !== "in_process") return; // removed or already handled
    const outcome = await runQueueEntry(handlers, entry, this.abort.signal);
    const after = await store.queue.complete(entry.id, outcome);
    this.emit("completed", after, outcome);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
    await this.dispatching; // never close under a dispatch in flight: it uses the store
    await this.boss.stop({ graceful: true, wait: true });
  }
}
