// Turns change notifications into job runs (seed S17: a change re-arms the entry on hold for its table), fast and
// cheap: wakes for one mapping that arrive within the debounce window are one run. A wake for a mapping whose entry
// is running now (in this process or any other) is kept on the entry in the store, and the completion of that run
// schedules the next one at once, so a change made during a run is never left to the next interval.

import { EventEmitter } from "node:events";
import type { Store } from "../store/index.ts";
import type { Scheduler } from "./scheduler.ts";

export interface WakerOptions {
  store: Store;
  /** The local scheduler to nudge; absent when other processes (pg-boss workers) run the entries. */
  scheduler?: Scheduler;
  /** Wakes within this window are one (default 1 s). */
  debounceMs?: number;
}

export interface WakerEvents {
  /** Entries were woken for these mappings (tests and metrics await it). */
  woke: [mappings: string[]];
}

export class ChangeWaker extends EventEmitter<WakerEvents> {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: WakerOptions) {
    super();
  }

  /** A change arrived for a mapping's table. */
  wake(mappingName: string): void {
    this.pending.add(mappingName);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush();
    }, this.options.debounceMs ?? 1000);
  }

  /** Applies the wakes collected so far (used by stop, and by tests that must not wait for the window). */
  async flush(): Promise<void> {
    const names = [...this.pending];
    this.pending.clear();
    if (names.length === 0) return;
    const woken: string[] = [];
    for (const name of names) if ((await this.options.store.queue.wake(name)) > 0) woken.push(name);
    if (woken.length > 0) {
      this.options.scheduler?.nudge();
      this.emit("woke", woken);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }
}
