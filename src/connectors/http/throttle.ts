// Keeps one principal's traffic to one service under its service protection limits: at most `maxConcurrent`
// requests in flight, at most `maxRequestsPerWindow` started in any sliding `windowMs`, nothing while the service
// asked us to wait (Retry-After), and no more parallelism than the service recommends (x-ms-dop-hint).

export interface ThrottleLimits {
  maxConcurrent: number;
  maxRequestsPerWindow: number;
  windowMs: number;
  /**
   * Extra time a start stays counted after its window, because the service counts a request when it arrives,
   * a little after we sent it. Default 2% of the window, at most 1 s.
   */
  marginMs?: number;
}

export interface ThrottleState {
  active: number;
  queued: number;
  startedInWindow: number;
  pausedUntil: number;
  effectiveConcurrency: number;
  effectiveRequestsPerWindow: number;
}

export type Release = () => void;

const QUIET_WINDOWS = 3;

/**
 * The first refusal is believed as measured (the configured limit was simply too high); later ones lower a
 * learned limit at most by half, because a measurement taken just after a pause (our window empty, the
 * service's not yet) would otherwise collapse it.
 */
function lowered(current: number, measured: number): number {
  const floor = current === Number.POSITIVE_INFINITY ? 1 : Math.floor(current / 2);
  return Math.min(current, Math.max(1, measured, floor));
}

export class Throttle {
  private active = 0;
  /** Waiting requests; the first `urgentWaiting` of them asked as urgent (see acquire). */
  private readonly waiters: Array<{ resolve: (release: Release) => void; since: number; urgent: boolean }> = [];
  private urgentWaiting = 0;
  /** Start times of requests in the current window, oldest first; `head` skips expired entries cheaply. */
  private starts: number[] = [];
  private head = 0;
  private pausedUntil = 0;
  private dopHint = Number.POSITIVE_INFINITY;
  /** Lower limits learned from the service's 429s, when it turns out stricter than configured. */
  private learnedConcurrency = Number.POSITIVE_INFINITY;
  private learnedRequests = Number.POSITIVE_INFINITY;
  /** When the service refused requests of this window (few; pruned with the window). */
  private rejections: number[] = [];
  /** Last refusal or last raise of a learned limit: learned limits are probed upward after quiet windows. */
  private lastLearnedChange = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly onWaited: (ms: number) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    if (limits.maxConcurrent < 1 || limits.maxRequestsPerWindow < 1 || limits.windowMs <= 0) {
      throw new Error(`invalid throttle limits ${JSON.stringify(limits)}`);
    }
  }

  /**
   * Resolves with a release function once a request may start; call it when the response is complete. An urgent
   * request waits only behind other urgent ones: reads, whose pages come one after another (each next link is in
   * the page before it), so a page waiting behind a full queue of bulk writes held up everything the read feeds
   * (a full sync's reverse pass took 3 s for 20 pages while the price list lines were written).
   */
  acquire(urgent = false): Promise<Release> {
    return new Promise((resolve) => {
      const waiter = { resolve, since: this.now(), urgent };
      if (urgent) this.waiters.splice(this.urgentWaiting++, 0, waiter);
      else this.waiters.push(waiter);
      this.pump();
    });
  }

  /** The service said "wait": hold every request of this principal until then. */
  pause(ms: number): void {
    const until = this.now() + ms;
    if (until > this.pausedUntil) this.pausedUntil = until;
  }

  /** Dataverse's recommended degree of parallelism; never raises concurrency above the configured limit. */
  setDegreeOfParallelism(hint: number): void {
    if (Number.isFinite(hint) && hint >= 1) {
      this.dopHint = Math.floor(hint);
      this.pump();
    }
  }

  /**
   * The service refused a request for one of its limits: believe it. Requests it admitted in the window (started
   * minus those it refused, which it does not count) bound its real limit from above; stay a little below that.
   */
  learnLimit(kind: "requests" | "concurrency" | undefined): void {
    const now = this.now();
    this.rejections.push(now);
    this.lastLearnedChange = now;
    this.expire(now);
    if (kind === "requests") {
      const admitted = this.starts.length - this.head - this.rejections.length;
      this.learnedRequests = lowered(this.learnedRequests, Math.floor(admitted * 0.95));
    } else if (kind === "concurrency") {
      this.learnedConcurrency = lowered(this.learnedConcurrency, this.active - 1);
    }
  }

  effectiveConcurrency(): number {
    return Math.min(this.limits.maxConcurrent, this.dopHint, this.learnedConcurrency);
  }

  effectiveRequestsPerWindow(): number {
    return Math.min(this.limits.maxRequestsPerWindow, this.learnedRequests);
  }

  state(): ThrottleState {
    this.expire(this.now());
    return {
      active: this.active,
      queued: this.waiters.length,
      startedInWindow: this.starts.length - this.head,
      pausedUntil: this.pausedUntil,
      effectiveConcurrency: this.effectiveConcurrency(),
      effectiveRequestsPerWindow: this.effectiveRequestsPerWindow(),
    };
  }

  /**
   * After QUIET_WINDOWS windows without a refusal, raise learned limits one step (5%, one more in flight): the
   * service may have been strict only for a while (another process sharing the principal has finished).
   */
  private probeUpward(now: number): void {
    if (this.learnedRequests === Number.POSITIVE_INFINITY && this.learnedConcurrency === Number.POSITIVE_INFINITY)
      return;
    if (now - this.lastLearnedChange < QUIET_WINDOWS * this.countedMs()) return;
    this.lastLearnedChange = now;
    if (this.learnedRequests !== Number.POSITIVE_INFINITY) {
      const raised = Math.ceil(this.learnedRequests * 1.05);
      this.learnedRequests = raised >= this.limits.maxRequestsPerWindow ? Number.POSITIVE_INFINITY : raised;
    }
    if (this.learnedConcurrency !== Number.POSITIVE_INFINITY) {
      const raised = this.learnedConcurrency + 1;
      this.learnedConcurrency = raised >= this.limits.maxConcurrent ? Number.POSITIVE_INFINITY : raised;
    }
  }

  private pump(): void {
    while (this.waiters.length > 0) {
      const now = this.now();
      this.probeUpward(now);
      if (now < this.pausedUntil) {
        this.wakeAt(this.pausedUntil);
        return;
      }
      if (this.active >= this.effectiveConcurrency()) return; // a release pumps again
      this.expire(now);
      if (this.starts.length - this.head >= this.effectiveRequestsPerWindow()) {
        this.wakeAt(this.starts[this.head] + this.countedMs() + 1);
        return;
      }
      const waiter = this.waiters.shift()!;
      if (waiter.urgent) this.urgentWaiting--;
      this.active++;
      this.starts.push(now);
      const waited = now - waiter.since;
      if (waited > 0) this.onWaited(waited);
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        this.active--;
        this.pump();
      });
    }
  }

  private expire(now: number): void {
    const cutoff = now - this.countedMs();
    while (this.rejections.length > 0 && this.rejections[0] <= cutoff) this.rejections.shift();
    while (this.head < this.starts.length && this.starts[this.head] <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
  }

  private countedMs(): number {
    return this.limits.windowMs + (this.limits.marginMs ?? Math.min(1000, this.limits.windowMs * 0.02));
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, at - this.now()),
    );
  }
}
