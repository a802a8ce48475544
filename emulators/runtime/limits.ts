// Service protection limits per principal (user or app), as Dataverse and Business Central enforce them:
// a sliding window on the number of requests and on combined server execution time, plus a cap on concurrent
// requests with an optional FIFO wait queue. Each API emulator keeps one `ServiceProtection` and maps a rejection
// to its own 429 body. Retry-After is computed from the window, so a client that honours it is admitted next time.

import type { LimitsConfig } from "../contracts.ts";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Timers for the queue timeout; tests pass their own to fire them by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Why a request was refused. `queue_timeout`: it waited in the concurrency queue longer than `maxQueueWaitMs`
 * (Business Central answers that with 503, the others with 429).
 */
export type LimitReason = "requests" | "execution_time" | "concurrency" | "queue_timeout";

export interface Admitted {
  ok: true;
  /** Call once when the request finished, with the server time it took; frees the concurrency slot. */
  done(executionMs: number): void;
  /** How long the request waited in the queue for a slot (0 when admitted at once). */
  queuedMs: number;
}

export interface Rejected {
  ok: false;
  reason: LimitReason;
  /** Whole seconds until the limit that refused this request lets one through again (at least 1). */
  retryAfterSeconds: number;
  /** The limit that was hit, for error messages ("exceeded the limit of 6000 …"). */
  limit: number;
}

export type Admission = Admitted | Rejected;

export interface LimitsSnapshot {
  requestsInWindow: number;
  executionMsInWindow: number;
  active: number;
  queued: number;
  /** For `x-ms-ratelimit-burst-remaining-xrm-requests`. */
  remainingRequests: number;
  /** For `x-ms-ratelimit-time-remaining-xrm-requests`. */
  remainingExecutionMs: number;
}

/** Dataverse: api-limits.md — per user per web server, 5-minute sliding window; concurrency fails at once. */
export const DATAVERSE_LIMITS: LimitsConfig = Object.freeze({
  windowMs: 300_000,
  maxRequestsPerWindow: 6000,
  maxExecutionMsPerWindow: 1_200_000,
  maxConcurrent: 52,
  maxQueued: 0,
});

/** Business Central online: operational-limits-online.md — 6000 per 5 min, 5 processing, 95 queued. */
export const BUSINESS_CENTRAL_LIMITS: LimitsConfig = Object.freeze({
  windowMs: 300_000,
  maxRequestsPerWindow: 6000,
  maxExecutionMsPerWindow: 0,
  maxConcurrent: 5,
  maxQueued: 95,
  maxQueueWaitMs: 480_000,
});

/** No limits at all (`--limits off`). */
export const NO_LIMITS: LimitsConfig = Object.freeze({
  windowMs: 300_000,
  maxRequestsPerWindow: Number.POSITIVE_INFINITY,
  maxExecutionMsPerWindow: 0,
  maxConcurrent: Number.POSITIVE_INFINITY,
  maxQueued: 0,
});

/** Resolves the `limits` option of an emulator against its service's preset; absent means realistic. */
export function resolveLimits(
  spec: "realistic" | "off" | Partial<LimitsConfig> | undefined,
  preset: LimitsConfig,
): LimitsConfig {
  if (spec === undefined || spec === "realistic") return { ...preset };
  if (spec === "off") return { ...NO_LIMITS };
  return { ...preset, ...spec };
}

/** Timestamps (and a value per timestamp) in arrival order, pruned from the front as the window slides. */
class WindowSeries {
  private times: number[] = [];
  private values: number[] = [];
  private head = 0;
  total = 0;

  get count(): number {
    return this.times.length - this.head;
  }

  add(time: number, value: number): void {
    this.times.push(time);
    this.values.push(value);
    this.total += value;
  }

  /** Drops entries at or before `cutoff` (they left the window). */
  prune(cutoff: number): void {
    while (this.head < this.times.length && this.times[this.head] <= cutoff) {
      this.total -= this.values[this.head];
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
    if (this.count === 0) this.total = 0; // no float drift on an empty window
  }

  /** Time of the i-th entry still in the window (0 = oldest). */
  timeAt(i: number): number {
    return this.times[this.head + i];
  }

  valueAt(i: number): number {
    return this.values[this.head + i];
  }
}

interface Waiter {
  enqueuedAt: number;
  resolve(admission: Admission): void;
  timer?: unknown;
}

class PrincipalState {
  readonly requests = new WindowSeries();
  readonly execution = new WindowSeries();
  active = 0;
  readonly queue: Waiter[] = [];
}

export class ServiceProtection {
  readonly config: LimitsConfig;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly principals = new Map<string, PrincipalState>();

  constructor(config: LimitsConfig, options: { clock?: Clock; timers?: Timers } = {}) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
  }

  /**
   * Decides whether a request of `principal` may run now. Resolves at once, except when the request waits in the
   * concurrency queue (Business Central); an aborted `signal` takes it out of the queue (rejected as concurrency).
   */
  admit(principal: string, options: { signal?: AbortSignal } = {}): Promise<Admission> {
    const state = this.stateOf(principal);
    const now = this.clock.now();
    this.slide(state, now);

    const { maxRequestsPerWindow, maxExecutionMsPerWindow, windowMs } = this.config;
    const requests = state.requests;
    if (requests.count >= maxRequestsPerWindow) {
      // The window admits again once enough of the oldest requests have left it.
      const freeingAt = requests.timeAt(requests.count - maxRequestsPerWindow) + windowMs;
      return Promise.resolve(this.reject("requests", freeingAt - now, maxRequestsPerWindow));
    }
    const execution = state.execution;
    if (maxExecutionMsPerWindow > 0 && execution.total >= maxExecutionMsPerWindow) {
      let remaining = execution.total;
      let i = 0;
      while (remaining >= maxExecutionMsPerWindow && i < execution.count) remaining -= execution.valueAt(i++);
      const freeingAt = execution.timeAt(i - 1) + windowMs;
      return Promise.resolve(this.reject("execution_time", freeingAt - now, maxExecutionMsPerWindow));
    }

    if (state.active < this.config.maxConcurrent) {
      requests.add(now, 1);
      state.active++;
      return Promise.resolve(this.admitted(state, 0));
    }
    if (state.queue.length >= this.config.maxQueued || options.signal?.aborted) {
      return Promise.resolve(this.reject("concurrency", 1000, this.config.maxConcurrent));
    }
    // Queued requests count toward the rate at arrival, as the service counts every request it accepts.
    requests.add(now, 1);
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = { enqueuedAt: now, resolve };
      state.queue.push(waiter);
      const leave = (rejection: Rejected) => {
        const index = state.queue.indexOf(waiter);
        if (index < 0) return;
        state.queue.splice(index, 1);
        if (waiter.timer !== undefined) this.timers.clearTimeout(waiter.timer);
        resolve(rejection);
      };
      const maxWait = this.config.maxQueueWaitMs;
      if (maxWait !== undefined && maxWait > 0 && Number.isFinite(maxWait)) {
        waiter.timer = this.timers.setTimeout(() => leave(this.reject("queue_timeout", 1000, maxWait)), maxWait);
      }
      options.signal?.addEventListener(
        "abort",
        () => leave(this.reject("concurrency", 1000, this.config.maxConcurrent)),
        {
          once: true,
        },
      );
    });
  }

  snapshot(principal: string): LimitsSnapshot {
    const state = this.stateOf(principal);
    this.slide(state, this.clock.now());
    const { maxRequestsPerWindow, maxExecutionMsPerWindow } = this.config;
    return {
      requestsInWindow: state.requests.count,
      executionMsInWindow: state.execution.total,
      active: state.active,
      queued: state.queue.length,
      remainingRequests: Math.max(0, maxRequestsPerWindow - state.requests.count),
      remainingExecutionMs:
        maxExecutionMsPerWindow > 0
          ? Math.max(0, maxExecutionMsPerWindow - state.execution.total)
          : Number.POSITIVE_INFINITY,
    };
  }

  private admitted(state: PrincipalState, queuedMs: number): Admitted {
    let finished = false;
    return {
      ok: true,
      queuedMs,
      done: (executionMs: number) => {
        if (finished) return;
        finished = true;
        const now = this.clock.now();
        if (executionMs > 0) state.execution.add(now, executionMs);
        const next = state.queue.shift();
        if (next) {
          if (next.timer !== undefined) this.timers.clearTimeout(next.timer);
          // The slot passes straight to the oldest waiter; `active` stays the same.
          next.resolve(this.admitted(state, now - next.enqueuedAt));
        } else {
          state.active--;
        }
      },
    };
  }

  private reject(reason: LimitReason, waitMs: number, limit: number): Rejected {
    return { ok: false, reason, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), limit };
  }

  private slide(state: PrincipalState, now: number): void {
    const cutoff = now - this.config.windowMs;
    state.requests.prune(cutoff);
    state.execution.prune(cutoff);
  }

  private stateOf(principal: string): PrincipalState {
    let state = this.principals.get(principal);
    if (!state) {
      state = new PrincipalState();
      this.principals.set(principal, state);
    }
    return state;
  }
}
