// Counters per service client, read as a plain snapshot by the engine and the benchmarks.

export interface ConnectorMetrics {
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  /** Attempts beyond the first. */
  retries: number;
  /** Responses with status 429. */
  throttled429: number;
  /** Responses with status 503. */
  unavailable503: number;
  /** Attempts that failed below HTTP (refused, reset, dropped, timed out). */
  transportFailures: number;
  /** Writes reported as "outcome unknown" instead of being repeated. */
  outcomeUnknown: number;
  /** Time requests waited for the throttle (rate window, concurrency, Retry-After pauses), ms summed over requests. */
  throttledMs: number;
  bytesOut: number;
  bytesIn: number;
  /** Responses per status code. */
  byStatus: Record<string, number>;
  /** Most requests in flight at once (admitted by the throttle, answer not yet complete): the fan-out reached. */
  maxInFlight: number;
}

export function emptyMetrics(): ConnectorMetrics {
  return {
    requests: 0,
    retries: 0,
    throttled429: 0,
    unavailable503: 0,
    transportFailures: 0,
    outcomeUnknown: 0,
    throttledMs: 0,
    bytesOut: 0,
    bytesIn: 0,
    byStatus: {},
    maxInFlight: 0,
  };
}

export class MetricsRecorder {
  private readonly m = emptyMetrics();
  private inFlight = 0;

  /** A request was sent; `finished` must follow once its answer is in (or it failed). */
  started(): void {
    this.inFlight++;
    if (this.inFlight > this.m.maxInFlight) this.m.maxInFlight = this.inFlight;
  }

  finished(): void {
    this.inFlight--;
  }

  attempt(isRetry: boolean, bytesOut: number): void {
    this.m.requests++;
    if (isRetry) this.m.retries++;
    this.m.bytesOut += bytesOut;
  }

  response(status: number, bytesIn: number): void {
    this.m.bytesIn += bytesIn;
    this.m.byStatus[status] = (this.m.byStatus[status] ?? 0) + 1;
    if (status === 429) this.m.throttled429++;
    if (status === 503) this.m.unavailable503++;
  }

  transportFailure(): void {
    this.m.transportFailures++;
  }

  unknownOutcome(): void {
    this.m.outcomeUnknown++;
  }

  waited(ms: number): void {
    this.m.throttledMs += ms;
  }

  snapshot(): ConnectorMetrics {
    return { ...this.m, byStatus: { ...this.m.byStatus } };
  }
}
