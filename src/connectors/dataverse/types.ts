// The Dataverse client's types: settings, options, pages and per-record results.
import type { BcsyncError } from "../../errors/define.ts";
import type { ThrottleLimits } from "../http/throttle.ts";
import type { ConnectorSettings } from "../settings.ts";

export type Row = Record<string, unknown>;

/** api-limits.md: per user, per web server, 5-minute sliding window. */
export const DATAVERSE_DEFAULT_LIMITS: ThrottleLimits = {
  maxConcurrent: 52,
  maxRequestsPerWindow: 6000,
  windowMs: 300_000,
};

export interface DataverseSettings extends ConnectorSettings {
  /** Web API version, default "9.2". */
  apiVersion?: string;
  /** Operations per $batch request when the connector splits (Dataverse allows 1000). */
  batchSize?: number;
  /** Records per CreateMultiple/UpdateMultiple/UpsertMultiple request. */
  bulkSize?: number;
}

export interface Impersonation {
  /** Entra object id of the user (`CallerObjectId`, preferred). */
  callerObjectId?: string;
  /** systemuserid (`MSCRMCallerID`, legacy). */
  callerId?: string;
}

export interface WriteOptions {
  impersonate?: Impersonation;
  /** Prefer: return=representation; the written row comes back. */
  returnRepresentation?: boolean;
  /** Extra headers, e.g. `MSCRM.BypassCustomPluginExecution`. */
  headers?: Record<string, string>;
  /** How errors name the record (e.g. the BC number it comes from); default the key or the entity set. */
  record?: string;
}

export interface QueryOptions {
  select?: readonly string[];
  filter?: string;
  orderby?: string;
  expand?: string;
  top?: number;
  /** Prefer: odata.maxpagesize (≤ 5000). */
  pageSize?: number;
  /** Prefer: odata.include-annotations="…" */
  annotations?: string;
  impersonate?: Impersonation;
}

export interface Page {
  rows: Row[];
  /** Persist to resume the read after a crash. */
  nextLink?: string;
}

export interface ChangePage {
  /** New or updated rows, full selected columns with `@odata.etag`. */
  changed: Row[];
  /** Ids of deleted rows. */
  deleted: string[];
  nextLink?: string;
  /** On the last page only: persist it, the next delta read starts from it. */
  deltaLink?: string;
}

export interface WriteResult {
  id?: string;
  etag?: string;
  row?: Row;
  /** Upsert: true when the row was created (known only with returnRepresentation). */
  created?: boolean;
}

export type UpsertMode = "upsert" | "createOnly" | "updateOnly";

export interface BatchOperationResult {
  status: number;
  contentId?: string;
  /** Parsed JSON body, when there is one. */
  body?: unknown;
  id?: string;
  error?: BcsyncError;
}

export type RecordOutcome = { ok: true; id?: string } | { ok: false; error: BcsyncError };

export interface BulkResult {
  /** One outcome per input record, in input order. */
  outcomes: RecordOutcome[];
  /** How the records were written: the bulk message, or $batch because the table does not support it. */
  strategy: "bulk" | "batch";
}

export type BulkMessage = "CreateMultiple" | "UpdateMultiple" | "UpsertMultiple";
