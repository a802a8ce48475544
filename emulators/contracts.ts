// The contracts between the emulators' parts, fixed up front so the identity emulator, the shared runtime and
// both API emulators can be built side by side. Implementations live in their folders; this file has types only.

/** Claims of a verified access token, as the API emulators need them. */
export interface TokenClaims {
  /** The app registration's client id (`appid` / `azp`). */
  appId: string;
  tenantId: string;
  audience: string;
  /** Object id of the service principal. */
  objectId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** App roles granted to the app (e.g. `API.ReadWrite.All` for Business Central), when the token carries any. */
  roles?: readonly string[];
}

export type TokenRejection =
  | "missing"
  | "malformed"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "wrong_issuer";

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenRejection; detail: string };

/** Verifies bearer tokens issued by the identity emulator. */
export interface TokenVerifier {
  /** `authorization` is the raw header value; `audiences` are the accepted `aud` values (origins, no trailing /). */
  verify(authorization: string | undefined, audiences: readonly string[]): TokenCheck;
}

/** Service protection limits. `off` disables them; `realistic` uses the service's documented numbers. */
export interface LimitsConfig {
  windowMs: number;
  maxRequestsPerWindow: number;
  /** Combined server execution time allowed per window (Dataverse: 1,200 s in 5 min). 0 = not enforced. */
  maxExecutionMsPerWindow: number;
  maxConcurrent: number;
  /** Requests allowed to wait for a concurrency slot (Business Central: 95); beyond, 429. 0 = reject at once. */
  maxQueued: number;
  /** How long a request may wait in that queue before it fails (Business Central: 8 min, then 503). */
  maxQueueWaitMs?: number;
}

/** Server time a request costs; the emulator really waits it, so throughput ceilings look like a tenant's. */
export interface CostModel {
  perRequestMs: number;
  perRecordReadMs: number;
  perRecordWrittenMs: number;
}

/** The faults an API emulator can inject (see emulators/runtime/faults.ts for what each does). */
export const FAULT_KINDS = ["error500", "error503", "drop", "slow", "lostAnswer", "error429", "tokenExpired"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultConfig {
  /** Extra latency added to every response, ms. */
  latencyMs: number;
  /** Share of requests (0..1) that fail with a fault: 500, 503, a dropped connection or a slow response. */
  faultRate: number;
  /**
   * Relative weights of the fault kinds (default 500: 3, 503: 3, drop: 2, slow: 2, lostAnswer: 0, error429: 0,
   * tokenExpired: 0); a weight of 0 disables one. `lostAnswer` runs the request and then drops the connection
   * without the answer; `error429` answers as the service protection limits do (with Retry-After);
   * `tokenExpired` refuses the bearer token as expired (401).
   */
  weights?: Partial<Record<FaultKind, number>>;
  /** A request whose body holds this text is answered 500 every time (a defect one record triggers). */
  poison?: string;
  /** Extra delay of a slow response, ms (default 2000). */
  slowMs?: number;
  /** Retry-After of an injected 503 or 429, seconds (default 1). */
  retryAfterSeconds?: number;
}

export type SeedSpec = "empty" | "demo" | `scale:${number}`;

/** Options every API emulator accepts. */
export interface ApiEmulatorOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Where data persists across restarts; absent: in memory only. */
  dataDir?: string;
  seed?: SeedSpec;
  limits?: "realistic" | "off" | Partial<LimitsConfig>;
  cost?: "realistic" | "off" | Partial<CostModel>;
  faults?: Partial<FaultConfig>;
  /** Verifies bearer tokens. Absent only in low-level unit tests: then every request acts as the first demo app. */
  tokens?: TokenVerifier;
  /** Deterministic randomness for seeds and faults. */
  randomSeed?: number;
}

export interface RunningEmulator {
  /** Origin, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /**
   * What the emulator served since it started, counted on the service's side (admitted requests only): benchmarks
   * and tests count a client's requests and rows with it, whatever client they run.
   */
  tally: WorkTally;
  close(): Promise<void>;
}

/** Requests an API emulator admitted and the rows they read and wrote (the cost model's units). */
export interface WorkTally {
  requests: number;
  /** Requests by HTTP method (GET = reads; a `$batch` is one POST). */
  byMethod: Record<string, number>;
  rowsRead: number;
  rowsWritten: number;
}

export function newWorkTally(): WorkTally {
  return { requests: 0, byMethod: {}, rowsRead: 0, rowsWritten: 0 };
}

/** Counts one admitted request (both emulators, whatever their HTTP stack). */
export function tallyRequest(tally: WorkTally, method: string): void {
  tally.requests++;
  tally.byMethod[method] = (tally.byMethod[method] ?? 0) + 1;
}

/** Counts the rows one request's work read and wrote. */
export function tallyWork(tally: WorkTally, work: { read?: number; written?: number }): void {
  tally.rowsRead += work.read ?? 0;
  tally.rowsWritten += work.written ?? 0;
}
