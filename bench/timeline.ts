// BENCH_TIMELINE's recorder, shared by bench/profile-run.ts (customers) and bench/items.ts: a client's methods
// wrapped so that every call, and every page of a paged read, leaves its start and end (ms since the recorder was
// made) and its record count, to see where a service's slots sit idle.

export interface TimelineEvent {
  kind: string;
  /** The entity set the call was for, where the caller asked for it. */
  set?: string;
  start: number;
  end: number;
  /** Records the call carried or the page brought (-1: a failed page). */
  n: number;
}

type Method = (...args: unknown[]) => unknown;
type Page = { ok: boolean; value?: { rows?: unknown[]; changed?: unknown[] } };

export class Timeline {
  readonly events: TimelineEvent[] = [];
  private readonly t0 = performance.now();

  /** Milliseconds since the recorder was made. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** `target[name]` (an async method) timed, one event a call; `n` from its arguments. */
  call(
    target: object,
    name: string,
    count: (args: unknown[]) => number,
    options: { kind?: string; withSet?: boolean } = {},
  ): void {
    const methods = target as Record<string, Method>;
    const original = methods[name].bind(target);
    methods[name] = async (...args: unknown[]) => {
      const start = this.now();
      try {
        return await original(...args);
      } finally {
        this.events.push({ ...this.label(name, args, options), start, end: this.now(), n: count(args) });
      }
    };
  }

  /** `target[name]` (an async generator of pages) timed, one event a page: from asking for it to having it. */
  pages(target: object, name: string, options: { kind?: string; withSet?: boolean } = {}): void {
    const methods = target as Record<string, Method>;
    const original = methods[name].bind(target) as (...args: unknown[]) => AsyncIterable<Page>;
    const timeline = this;
    methods[name] = async function* (...args: unknown[]) {
      let start = timeline.now();
      for await (const page of original(...args)) {
        const n = page.ok ? (page.value?.rows ?? page.value?.changed ?? []).length : -1;
        timeline.events.push({ ...timeline.label(name, args, options), start, end: timeline.now(), n });
        yield page;
        start = timeline.now();
      }
    };
  }

  private label(name: string, args: unknown[], options: { kind?: string; withSet?: boolean }) {
    return { kind: options.kind ?? name, ...(options.withSet ? { set: String(args[0]) } : {}) };
  }
}
