// What a person (or the REST API) does to job queue entries, as Business Central's Job Queue Entries page offers
// it: run now, put on hold, resume. Kept apart from the routes so the CLI and the console use the same rules.

import { bcsyncError, SERVER_NOT_FOUND } from "../errors/catalogue.ts";
import type { QueueEntry, Store } from "../store/index.ts";
import type { ChangeWaker } from "./waker.ts";

export class JobQueueControl {
  constructor(
    private readonly store: Store,
    private readonly waker: ChangeWaker,
  ) {}

  list(): Promise<QueueEntry[]> {
    return this.store.queue.list();
  }

  async get(id: string): Promise<QueueEntry> {
    const entry = await this.store.queue.get(id);
    if (!entry) throw bcsyncError(SERVER_NOT_FOUND, { what: `Job queue entry ${id}` });
    return entry;
  }

  /** Due now, whatever it waited for (an interval, an inactivity timeout, a retry, a hold); the scheduler is nudged. */
  async runNow(id: string): Promise<QueueEntry> {
    const entry = await this.get(id);
    // An entry running now is left alone: the waker asks for one more run when this one completes.
    if (entry.status !== "in_process") await this.store.queue.setStatus(entry.id, "ready", new Date().toISOString());
    if (entry.mappingName) this.waker.wake(entry.mappingName);
    await this.waker.flush();
    return this.get(id);
  }

  /** On hold: no interval, trigger or wake runs it until it is resumed. */
  async hold(id: string): Promise<QueueEntry> {
    const entry = await this.get(id);
    await this.store.queue.setStatus(entry.id, "on_hold");
    return this.get(id);
  }

  /** Back from a hold (by a person or for inactivity): ready and due now. */
  resume(id: string): Promise<QueueEntry> {
    return this.runNow(id);
  }
}
