// Latency and fault injection, deterministic for a given seed: the n-th request an injector sees always gets
// the same decision, so a failing sync scenario replays exactly. Faults are the ones a client meets online:
// a 500, a 503 with Retry-After (gateway/maintenance), a connection dropped without a response, a slow answer,
// and (off unless weighted) an answer lost after the service applied the request, a 429 with Retry-After (the
// service protection limits' answer, whatever the caller's real usage) and a token refused as expired (401, as a
// token that expired mid-run is refused: the client must fetch a new one). A `poison` text makes every
// request whose body holds it fail with a 500, as a service defect one record triggers would: retries do not help.

import { FAULT_KINDS, type FaultConfig, type FaultKind } from "../contracts.ts";

export { FAULT_KINDS, type FaultKind };

export type FaultDecision =
  | { kind: "none"; latencyMs: number }
  | { kind: "error500"; latencyMs: number }
  | { kind: "error503"; latencyMs: number; retryAfterSeconds: number }
  /** A 429 as the service protection limits answer it, with Retry-After. */
  | { kind: "error429"; latencyMs: number; retryAfterSeconds: number }
  /** The bearer token is refused as expired (401), as a token that expired mid-run is. */
  | { kind: "tokenExpired"; latencyMs: number }
  /** Destroy the socket without writing a response. */
  | { kind: "drop"; latencyMs: number }
  /** Answer normally, but only after `latencyMs` (which includes the slow-down). */
  | { kind: "slow"; latencyMs: number }
  /** Run the request, then destroy the socket instead of answering: the client cannot know it was applied. */
  | { kind: "lostAnswer"; latencyMs: number };

export interface FaultOptions extends Partial<FaultConfig> {
  /** Relative weights of the fault kinds; default 500: 3, 503: 3, drop: 2, slow: 2. A weight of 0 disables one. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Extra delay of a slow response, ms (default 2000). */
  slowMs?: number;
  /** Retry-After of an injected 503 or 429, seconds (default 1). */
  retryAfterSeconds?: number;
}

// lostAnswer, error429 and tokenExpired are off by default so that seeded runs written before they existed see
// the same faults.
const DEFAULT_WEIGHTS: Record<FaultKind, number> = {
  error500: 3,
  error503: 3,
  drop: 2,
  slow: 2,
  lostAnswer: 0,
  error429: 0,
  tokenExpired: 0,
};

/** mulberry32: tiny, fast, good enough for choosing faults; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  readonly latencyMs: number;
  private rate: number;
  private readonly random: () => number;
  private readonly weights: [FaultKind, number][];
  private readonly totalWeight: number;
  private readonly slowMs: number;
  private readonly retryAfterSeconds: number;
  private readonly poison: Buffer | undefined;
  /** Faults decided so far, by kind (what a fault suite reports as injected). */
  readonly injected: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;

  constructor(options: FaultOptions = {}, seed = 1) {
    this.latencyMs = Math.max(0, options.latencyMs ?? 0);
    this.rate = Math.min(1, Math.max(0, options.faultRate ?? 0));
    this.random = seededRandom(seed);
    const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    this.weights = (Object.entries(weights) as [FaultKind, number][]).filter(([, w]) => w > 0);
    this.totalWeight = this.weights.reduce((sum, [, w]) => sum + w, 0);
    this.slowMs = options.slowMs ?? 2000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.poison = options.poison ? Buffer.from(options.poison, "utf8") : undefined;
  }

  get faultRate(): number {
    return this.rate;
  }

  /**
   * No more random faults from now on (latency and the poison stay): a fault suite reads the state its runs left
   * behind, the same way on every seed, after the runs it measures met their faults.
   */
  stopFaults(): void {
    this.rate = 0;
  }

  /** Whether a request body holds the poison text (answered 500 every time). */
  poisoned(body: Buffer | string | undefined): boolean {
    if (!this.poison || body === undefined) return false;
    return (typeof body === "string" ? Buffer.from(body, "utf8") : body).includes(this.poison);
  }

  /** True when this injector never changes a request (lets the pipeline skip it). */
  get inert(): boolean {
    return this.latencyMs === 0 && (this.faultRate === 0 || this.totalWeight === 0) && !this.poison;
  }

  /** The decision for the next request. */
  decide(): FaultDecision {
    const latencyMs = this.latencyMs;
    if (this.faultRate === 0 || this.totalWeight === 0) return { kind: "none", latencyMs };
    // Always draw twice so the sequence of decisions does not depend on which branch earlier draws took.
    const hit = this.random();
    const pick = this.random() * this.totalWeight;
    if (hit >= this.faultRate) return { kind: "none", latencyMs };
    let acc = 0;
    let kind: FaultKind = this.weights[this.weights.length - 1][0];
    for (const [k, w] of this.weights) {
      acc += w;
      if (pick < acc) {
        kind = k;
        break;
      }
    }
    this.injected[kind]++;
    switch (kind) {
      case "error503":
      case "error429":
        return { kind, latencyMs, retryAfterSeconds: this.retryAfterSeconds };
      case "slow":
        return { kind, latencyMs: latencyMs + this.slowMs };
      default:
        return { kind, latencyMs };
    }
  }
}
