// The engine's ports: the least the runner needs from each side. An adapter per connector
// (src/engine/adapters/) implements them over real HTTP; the runner knows nothing of URLs or wire formats
// beyond the property names in the mapping.

import type { PlanError } from "./convert.ts";
import type { MatchCondition } from "./matching.ts";
import type { TableMapping } from "./model.ts";
import type { WriteBudget } from "./pipeline/write.ts";
import type { SideRecord, SourceChange } from "./records.ts";

export type Side = "bc" | "dataverse";

export type PortResult<T> = { ok: true; value: T } | { ok: false; error: PortError };

/** A failure at the port: the catalogued error plus what the service said, for the sync log. */
export interface PortError extends PlanError {
  requestId?: string;
  detail?: string;
  /** HTTP status when the service answered. */
  status?: number;
}

export interface ReadChangesOptions {
  select: readonly string[];
  /** The mapping's filter for this side (OData). */
  filter?: string;
  pageSize: number;
  /** A smaller first page, where the side can ask for one (Business Central): the first writes start sooner. */
  firstPageSize?: number;
  /** Records modified at or after this instant (the watermark minus the overlap window); absent = all. */
  modifiedSince?: string;
  /**
   * Leave out the records one of these users changed last, where the side records who did (Dataverse's modifiedby;
   * BC's own integration filters the same way): the integration users' rows are echoes of the engine's own writes.
   * Sides that cannot tell ignore it.
   */
  notModifiedBy?: readonly string[];
  /** Change tracking: continue from this delta link (sides with `supportsDelta`). */
  deltaLink?: string;
  /** Use change tracking (a first read without deltaLink reads everything and returns a link). */
  useDelta?: boolean;
}

/** One page of changes, oldest first when read by watermark. `deltaLink` arrives with the last page. */
export interface ChangePage {
  changes: SourceChange[];
  deltaLink?: string;
  /**
   * Rows of the page the service answered malformed (an id that is not a GUID, a value that is an object, no ETag):
   * not records, so not in `changes`. The runner logs each and keeps the watermark before them (issue 14).
   */
  refused?: RefusedRow[];
}

/** A row refused at the port; `id` when the row had a usable one. */
export interface RefusedRow {
  id?: string;
  error: PortError;
}

export type WriteOutcome =
  | {
      ok: true;
      id: string;
      record?: SideRecord;
      /**
       * The record was written, but not all of it: these wire properties were not (e.g. a BC secondary page
       * refused them). The runner keeps them out of the snapshot and retries the record.
       */
      partial?: { properties: string[]; error: PortError };
    }
  | { ok: false; error: PortError; notFound?: boolean };

/**
 * Field validation (BC "Validate Field", FieldMapping.validate): wire properties whose field mapping says not to
 * run the destination's validation. Business Central's API pages (v2.0 and the companion API) always run a
 * field's OnValidate trigger when they set it and offer no switch, so the BC port accepts the list and writes as
 * usual; Dataverse has no per-field validation to skip (business rules and plug-ins always run): a no-op there.
 */
export interface WriteValidation {
  skipValidation?: string[];
}

export interface CreateItem extends WriteValidation {
  /** A client-chosen primary key (see `newKey`), so a crashed create can be found again. */
  key?: string;
  values: Record<string, unknown>;
}

export interface UpdateItem extends WriteValidation {
  id: string;
  values: Record<string, unknown>;
  /** Write only if the record still has this version (a concurrent edit answers 412, retried next run). */
  ifMatch?: string;
}

/** What a side of one table mapping offers the runner. */
export interface EntityPort {
  readonly side: Side;
  /** Records read by this port carry ids in this form (lower-case GUIDs). */
  readonly supportsDelta: boolean;
  /** Whether this mapping's table has change tracking switched on (read once; false where unsupported). */
  changeTracking(): Promise<boolean>;
  readChanges(options: ReadChangesOptions): AsyncIterable<PortResult<ChangePage>>;
  /**
   * How many records match an OData filter (none: all), where the side can say exactly and cheaply (Business
   * Central's `$count`; Dataverse caps its count at 5,000, so its port has none); undefined when it cannot.
   */
  countRecords?(filter?: string): Promise<number | undefined>;
  /**
   * A full sync is about to write through this port: what its writes will need can be read now, beside the sync's
   * first page, instead of in front of its first write. Never called by an incremental run.
   */
  prepareFullSync?(): void;
  /** The most characters each text property takes, where the side's metadata says (checked before writing). */
  columnLimits?(): Promise<Map<string, number>>;
  /** What else the side's metadata says a value must be (checked before writing); empty when it cannot be read. */
  columnRules?(): Promise<ColumnRules>;
  /**
   * An update may carry the version stored at the last sync instead of one just read: the side compares it with
   * the record's current version and refuses a stale one (412). Dataverse's row version changes on every write of
   * the row. Business Central's companion pages carry ETags of their own, so its port reads before it writes.
   */
  readonly updatesByStoredVersion?: boolean;
  /** Records by id; absent ids are gone. */
  getByIds(ids: readonly string[], select: readonly string[]): Promise<PortResult<SideRecord[]>>;
  /** Records matching an OData filter (match candidates, lookups by code). */
  query(filter: string, select: readonly string[], top: number): Promise<PortResult<SideRecord[]>>;
  /** A fresh primary key for a create, or undefined when the side assigns keys itself. */
  newKey(): string | undefined;
  /**
   * How many write requests the side takes at once for this client and how many records one may carry; the
   * runner splits a page's writes to match. Absent: one request of up to 1,000 records at a time.
   */
  writeBudget?(): WriteBudget;
  create(items: readonly CreateItem[]): Promise<PortResult<WriteOutcome[]>>;
  update(items: readonly UpdateItem[]): Promise<PortResult<WriteOutcome[]>>;
  delete(ids: readonly string[]): Promise<PortResult<WriteOutcome[]>>;
  /** Every record's id and stamps (reconciliation, deletion detection), page by page. */
  scan(select: readonly string[], filter?: string, pageSize?: number): AsyncIterable<PortResult<SideRecord[]>>;
  /**
   * false when the side refuses an `or` between conditions on different fields (Business Central); the match
   * queries then OR only conditions on one field. Absent: allowed.
   */
  readonly orAcrossFields?: boolean;
  /** OData filter for one group of match conditions (AND). */
  matchFilter(conditions: readonly MatchCondition[]): string;
  /** OData filter: `property` equals one of `values`. */
  inFilter(property: string, values: readonly string[]): string;
}

/** One value of a Dataverse option set with its label (in the user's language). */
export interface OptionValue {
  value: number;
  label: string;
}

/** Builds the port of one side for a table mapping (entity set, keys) — adapters export one of these. */
export interface PortFactory {
  forMapping(mapping: TableMapping, side: Side): EntityPort;
  /** The options of a Dataverse option-set attribute (metadata API); undefined when there is no such attribute. */
  optionSet(table: string, attribute: string): Promise<PortResult<OptionValue[] | undefined>>;
  /**
   * Adds an option with this label (and value, when given) to the option set; when the label is already there,
   * that option is the answer and nothing is written. Undefined when there is no such attribute. Optional: ports without it leave missing options to the user.
   */
  insertOption?(
    table: string,
    attribute: string,
    label: string,
    value?: number,
  ): Promise<PortResult<OptionValue | undefined>>;
}

/** Rules from a side's metadata that the planner checks before writing, so a refusal is a field error (14.6). */
export interface ColumnRules {
  /** Properties that must hold a value (Dataverse RequiredLevel SystemRequired/ApplicationRequired). */
  required: ReadonlySet<string>;
  /** Properties holding e-mail addresses (Dataverse Format Email; Business Central's e-mail fields). */
  email: ReadonlySet<string>;
  /** The valid values of choice properties (Dataverse option sets). */
  options: ReadonlyMap<string, ReadonlySet<number>>;
}

export const NO_COLUMN_RULES: ColumnRules = { required: new Set(), email: new Set(), options: new Map() };
