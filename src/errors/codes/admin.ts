import { defineError } from "../define.ts";

// The administrator's daily tasks (src/admin/), shared by the CLI and the REST API: conflicts, held deletions,
// couplings, item availability and customer statistics of one record.

export const ADMIN_CONFLICT_NOT_OPEN = defineError<{ id: string }>({
  code: "BCSYNC_E_ADMIN_CONFLICT_NOT_OPEN",
  message: "There is no open conflict {id}.",
  status: 404,
  fix: "List the open conflicts with `npx bcsync conflicts` and use one of their ids; a resolved conflict cannot be resolved again.",
});

export const ADMIN_CONFLICT_NOT_RESOLVED = defineError<{ id: string; mapping: string; field: string; reason: string }>({
  code: "BCSYNC_E_ADMIN_CONFLICT_NOT_RESOLVED",
  message: "{mapping}: the conflict {id} on field {field} could not be resolved: {reason}.",
  status: 409,
  fix: "Fix what the reason names (a deleted record can be uncoupled with `npx bcsync couplings {mapping} --uncouple BC_ID`), then run `npx bcsync conflicts resolve {id}` again.",
});

export const ADMIN_HELD_DELETION_NOT_HELD = defineError<{ id: string }>({
  code: "BCSYNC_E_ADMIN_HELD_DELETION_NOT_HELD",
  message: "There is no held deletion {id} waiting for a decision.",
  status: 404,
  fix: "List the deletions waiting for approval with `npx bcsync deletions` and use one of their ids.",
});

export const ADMIN_COUPLING_NOT_FOUND = defineError<{ mapping: string; id: string }>({
  code: "BCSYNC_E_ADMIN_COUPLING_NOT_FOUND",
  message: "{mapping}: no record {id} is coupled.",
  status: 404,
  fix: "List the mapping's couplings with `npx bcsync couplings {mapping}`; the id is the BC record id or the Dataverse row id.",
});

export const ADMIN_RECORD_NOT_FOUND = defineError<{ what: string; key: string; service: string }>({
  code: "BCSYNC_E_ADMIN_RECORD_NOT_FOUND",
  message: "{service} has no {what} {key}.",
  status: 404,
  fix: "Give the {what}'s number as Business Central shows it (for example 1896-S), or its id.",
});

export const ADMIN_SYNC_ERROR_NOT_FOUND = defineError<{ id: string }>({
  code: "BCSYNC_E_ADMIN_SYNC_ERROR_NOT_FOUND",
  message: "There is no standing sync error {id}.",
  status: 404,
  fix: "List the standing errors with `npx bcsync errors` and use one of their ids; an error a later run cleared is gone.",
});

export const ADMIN_JOB_ENTRY_RUNNING = defineError<{ entry: string }>({
  code: "BCSYNC_E_ADMIN_JOB_ENTRY_RUNNING",
  message: "Job queue entry {entry} is running now (in bcsync serve or a worker); it was not started a second time.",
  status: 409,
  fix: "Wait for that run to finish (`npx bcsync jobs` shows its status), or make the entry due again with `npx bcsync jobs run {entry}`.",
});
