import { defineError } from "../define.ts";

// The live service (`bcsync serve`): its REST API answers every error with one of these codes (or the code of the
// catalogued error behind it), as `{ "error": { "code", "message", "fix" } }`.

export const SERVER_UNAUTHENTICATED = defineError<Record<string, never>>({
  code: "BCSYNC_E_SERVER_UNAUTHENTICATED",
  message: "Sign in first: this route needs a session or an API token.",
  status: 401,
  fix: "Sign in with POST /api/v1/session (the console does), or send `Authorization: Bearer <token>` with a token made by `npx bcsync users token NAME`.",
});

export const SERVER_LOGIN_FAILED = defineError<Record<string, never>>({
  code: "BCSYNC_E_SERVER_LOGIN_FAILED",
  message: "The user name or the password is wrong.",
  status: 401,
  fix: "Check both; an administrator can set a new password with `npx bcsync users reset-password NAME`.",
});

export const SERVER_CSRF_MISSING = defineError<Record<string, never>>({
  code: "BCSYNC_E_SERVER_CSRF_MISSING",
  message: "This request changes something but carries no valid CSRF token.",
  status: 403,
  fix: "Read the token from GET /api/v1/session and send it as the `x-csrf-token` header with the session cookie (scripts: use an API token instead of a session).",
});

export const SERVER_RATE_LIMITED = defineError<{ retryAfter: string }>({
  code: "BCSYNC_E_SERVER_RATE_LIMITED",
  message: "Too many attempts; try again in {retryAfter}.",
  status: 429,
  fix: "Wait, then try again. Repeated failed sign-ins are slowed down on purpose.",
});

export const SERVER_NOT_FOUND = defineError<{ what: string }>({
  code: "BCSYNC_E_SERVER_NOT_FOUND",
  message: "{what} was not found.",
  status: 404,
  fix: "Check the name or id; the OpenAPI page at /docs lists every route.",
});

export const SERVER_BAD_REQUEST = defineError<{ reason: string }>({
  code: "BCSYNC_E_SERVER_BAD_REQUEST",
  message: "The request is not valid: {reason}",
  status: 400,
  fix: "Send what the route's schema asks for; the OpenAPI page at /docs shows it.",
});

export const SERVER_USER_EXISTS = defineError<{ username: string }>({
  code: "BCSYNC_E_SERVER_USER_EXISTS",
  message: "A user named {username} exists already.",
  status: 409,
  fix: "Pick another name, or give this one a new password with `npx bcsync users reset-password {username}`.",
});

export const SERVER_COMPANY_TWICE = defineError<{ config: string; company: string }>({
  code: "BCSYNC_E_SERVER_COMPANY_TWICE",
  message: "{config} connects the company {company} again; one service connects each Business Central company once.",
  status: 400,
  fix: "Give each --config of `npx bcsync serve` a configuration for another company (`npx bcsync setup --company NAME --config FILE` writes one); a second process for the same company shares its job queue with `--pg-boss` instead.",
});

export const SERVER_PG_BOSS_NEEDS_POSTGRES = defineError<Record<string, never>>({
  code: "BCSYNC_E_SERVER_PG_BOSS_NEEDS_POSTGRES",
  message: "--pg-boss shares the job queue through PostgreSQL, but this configuration keeps its state in SQLite.",
  status: 400,
  fix: "Set store.url to a postgres:// address in the configuration (or BCSYNC_STORE__URL), run `npx bcsync setup` against it, or leave out --pg-boss to run the job queue in this one process.",
});

export const SERVER_MAPPING_EDIT_INVALID = defineError<{ mapping: string; issue: string }>({
  code: "BCSYNC_E_SERVER_MAPPING_EDIT_INVALID",
  message: "The change to table mapping {mapping} is not valid: {issue}. Nothing was changed.",
  status: 400,
  fix: "Correct the request (GET /api/v1/mappings lists each mapping's fields by name, direction and filters; `npx bcsync mappings export` shows the same), or edit an exported file and import it with `npx bcsync mappings import FILE`.",
});

export const SERVER_SETUP_ANSWERS_INVALID = defineError<{ problems: string }>({
  code: "BCSYNC_E_SERVER_SETUP_ANSWERS_INVALID",
  message: "Some setup answers are not valid: {problems}",
  status: 400,
  fix: "Correct the answers named (the console shows each beside its field), then test or save again.",
});

export const SERVER_SETUP_NO_CONFIG_FILE = defineError<Record<string, never>>({
  code: "BCSYNC_E_SERVER_SETUP_NO_CONFIG_FILE",
  message: "This service was started without a configuration file, so the setup has nowhere to be saved.",
  status: 409,
  fix: "Start the service with `npx bcsync serve --config bcsync.config.json` (the file `bcsync setup` wrote), or run `npx bcsync setup` in a terminal.",
});

export const SERVER_FULL_SYNC_RUNNING = defineError<Record<string, never>>({
  code: "BCSYNC_E_SERVER_FULL_SYNC_RUNNING",
  message: "A full synchronization is running already.",
  status: 409,
  fix: "Wait for it to finish: the Full synchronization review page (GET /api/v1/review) shows each mapping's progress.",
});
