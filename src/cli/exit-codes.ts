// The exit codes of every bcsync command, in one place: scripts and job schedulers branch on them, so they never
// change meaning (README "Exit codes" and docs/errors.md list them). A run with failures never exits 0.

import {
  CONNECTOR_AUTH_FAILED,
  CONNECTOR_AUTHORITY_UNREACHABLE,
  CONNECTOR_UNAVAILABLE,
} from "../errors/codes/connectors.ts";
import { BcsyncError } from "../errors/define.ts";

export const EXIT = {
  /** Everything asked for was done; no record failed, nothing is waiting for a decision. */
  ok: 0,
  /** The command could not do its work: a catalogued error, or a mapping whose run failed as a whole. */
  error: 1,
  /** The command line was wrong (unknown option, missing argument). */
  usage: 2,
  /** The run finished, but records failed, conflicted or wait for approval (held deletions): see the summary. */
  recordFailures: 3,
  /**
   * A service could not be reached (network, DNS, TLS, or it kept answering 5xx/429 past the retries), the
   * sign-in authority included.
   */
  unreachable: 4,
  /** A service refused the login (wrong client id, secret, tenant or authority). */
  authentication: 5,
  /** A bug in bcsync: the message carries a stack to report. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a catalogued error: refused logins and unreachable services have their own. */
export function exitCodeOf(error: unknown): ExitCode {
  if (!(error instanceof BcsyncError)) return EXIT.internal;
  if (error.code === CONNECTOR_AUTH_FAILED.code) return EXIT.authentication;
  if (error.code === CONNECTOR_UNAVAILABLE.code || error.code === CONNECTOR_AUTHORITY_UNREACHABLE.code) {
    return EXIT.unreachable;
  }
  return EXIT.error;
}

/** Sets the process exit code to the worst seen so far (error outranks record failures; never lowers it). */
export function raiseExitCode(code: ExitCode): void {
  const current = typeof process.exitCode === "number" ? process.exitCode : 0;
  if (code === EXIT.ok) return;
  if (current === 0 || current === EXIT.recordFailures) process.exitCode = code;
}

/** What each exit code means, for people: docs/errors.md is generated from this list (README repeats it). */
export const EXIT_CODE_MEANINGS: readonly { code: ExitCode; meaning: string }[] = [
  { code: EXIT.ok, meaning: "Everything asked for was done; no record failed, nothing waits for a decision." },
  {
    code: EXIT.error,
    meaning:
      "The command could not do its work: a catalogued error, a mapping whose run failed as a whole, a job queue entry whose run failed (`worker --once`), or a mapping already running in another process.",
  },
  { code: EXIT.usage, meaning: "Wrong command line (unknown option, missing argument)." },
  {
    code: EXIT.recordFailures,
    meaning:
      "The run finished but records failed, or deletions wait for approval: the summary says which; `npx bcsync errors` lists them.",
  },
  {
    code: EXIT.unreachable,
    meaning: "A service or the sign-in authority could not be reached (network, TLS, or 5xx/429 past the retries).",
  },
  { code: EXIT.authentication, meaning: "A service refused the login (client id, secret, tenant, authority)." },
  { code: EXIT.internal, meaning: "A bug in bcsync (the message carries a stack to report)." },
];
