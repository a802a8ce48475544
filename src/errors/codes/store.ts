import { defineError } from "../define.ts";

export const STORE_COUPLING_EXISTS = defineError<{ mapping: string; side: string; id: string; otherId: string }>({
  code: "BCSYNC_E_STORE_COUPLING_EXISTS",
  message: "The {side} record {id} is already coupled to {otherId} in mapping {mapping}.",
  status: 409,
  fix: "Uncouple the existing coupling first (`npx bcsync couplings {mapping} --uncouple {id}`), or couple a different record.",
});

export const STORE_UNSUPPORTED_URL = defineError<{ url: string }>({
  code: "BCSYNC_E_STORE_UNSUPPORTED_URL",
  message: "The state store URL {url} is not supported.",
  status: 400,
  fix: "Use a postgres:// or postgresql:// URL for PostgreSQL, or leave it unset for the embedded SQLite store.",
});

export const STORE_MIGRATION_FAILED = defineError<{ migration: string; reason: string }>({
  code: "BCSYNC_E_STORE_MIGRATION_FAILED",
  message: "State store migration {migration} failed: {reason}.",
  status: 500,
  fix: "Nothing was half applied (each migration runs in a transaction). Fix the cause and run bcsync again.",
});

export const STORE_NOT_FOUND = defineError<{ entity: string; key: string }>({
  code: "BCSYNC_E_STORE_NOT_FOUND",
  message: "No {entity} '{key}' in the state store.",
  status: 404,
  fix: "List what exists (for example `bcsync mappings list`) and use one of those names.",
});

export const STORE_MAPPING_BUSY = defineError<{ mapping: string; holder: string; since: string }>({
  code: "BCSYNC_E_STORE_MAPPING_BUSY",
  message:
    "{mapping} is being synchronized by another bcsync process ({holder}, since {since}); this run left it alone so the two do not write the same records twice.",
  status: 409,
  fix: "Let that run finish (`npx bcsync jobs` shows the job queue) and run it again; a process that died gives the mapping up within two minutes, or at once on the same machine.",
});

export const STORE_RUN_INTERRUPTED = defineError<{ mapping: string; direction: string; started: string }>({
  code: "BCSYNC_E_STORE_RUN_INTERRUPTED",
  message:
    "{mapping} ({direction}): the run started at {started} never finished; its process ended (killed, crashed or lost its store) before it could say so.",
  status: 500,
  fix: "Nothing to undo: what it wrote is kept and the next run picks up the rest (its write intents and watermark). If runs keep ending this way, look at the process's own log or the machine's (out of memory, a supervisor's kill).",
});

export const STORE_DISK_FULL = defineError<{ reason: string }>({
  code: "BCSYNC_E_STORE_DISK_FULL",
  message:
    "The state store could not be written: the disk (or file system) holding it is full ({reason}); the run stopped.",
  status: 507,
  fix: "Free space on the disk of the data directory (or move `dataDir` to a larger one) and run again: what was written before is kept, and the next run picks up the rest.",
});

export const STORE_CONNECTION_LOST = defineError<{ reason: string }>({
  code: "BCSYNC_E_STORE_CONNECTION_LOST",
  message:
    "The connection to the PostgreSQL state store was lost in the middle of the run ({reason}); the run stopped.",
  status: 503,
  fix: "Check that the database is up and reachable (a restart, failover or an administrator's pg_terminate_backend ends sessions), then run `npx bcsync sync` again: what was committed is kept and the next run picks up where this one stopped. A run this error stops exits with code 1.",
});
