// The engine's view of records and couplings: what the planner reasons about, independent of the store's
// tables and the connectors' wire formats.

import type { PassDirection } from "./model.ts";

/** One record as read from either side. `values` holds the wire properties (BC fields or Dataverse attributes). */
export interface SideRecord {
  id: string;
  /** ISO timestamp of the last change (BC lastModifiedDateTime / Dataverse modifiedon). */
  modifiedAt: string;
  /** ETag / row version, when the service gives one. */
  version?: string;
  /** Who changed it last (Dataverse _modifiedby_value), for echo suppression. */
  modifiedBy?: string;
  values: Record<string, unknown>;
}

/** A change read from a source: the record, or a tombstone when the source reports it deleted. */
export type SourceChange = { kind: "upsert"; record: SideRecord } | { kind: "deleted"; id: string };

/** Last-synced values of one field mapping, as each side held them (lookups: the referenced id on DV). */
export interface SnapshotField {
  bc: unknown;
  dv: unknown;
}
/** Field key → last-synced values. The three-way merge's base. */
export type Snapshot = Record<string, SnapshotField>;

export type PassResult = "success" | "failure";

export interface FailureState {
  /** How many times in a row the same failure happened. */
  count: number;
  code?: string;
  message?: string;
}

/** The coupling of one BC record with one Dataverse row, as the planner needs it. */
export interface CouplingState {
  bcId: string;
  dataverseId: string;
  bcModifiedAt?: string;
  dataverseModifiedAt?: string;
  bcVersion?: string;
  dataverseVersion?: string;
  snapshot?: Snapshot;
  lastResult?: Partial<Record<PassDirection, PassResult>>;
  skipped?: boolean;
  failure?: FailureState;
  /** Field keys with an open conflict in the review queue: they wait for a decision. */
  openConflicts?: string[];
  /**
   * Field keys changed on one side that still have to flow in that pass (e.g. a Dataverse edit found while
   * writing other fields to Dataverse). They are synced even when the record otherwise looks like our echo.
   */
  pending?: Partial<Record<PassDirection, string[]>>;
}

export function sourceIdOf(c: CouplingState, pass: PassDirection): string {
  return pass === "toDataverse" ? c.bcId : c.dataverseId;
}

export function targetIdOf(c: CouplingState, pass: PassDirection): string {
  return pass === "toDataverse" ? c.dataverseId : c.bcId;
}

/**
 * How a record is named in messages: its number or code as people know it, else its name (or a person's first and
 * last name, an opportunity's description), else its id. Only what the pass read: the label comes from `values`.
 */
export function recordLabel(record: SideRecord): string {
  const v = record.values;
  const person = [v.firstName ?? v.firstname, v.surname ?? v.lastname].filter((p) => !isBlankText(p)).join(" ");
  const label = [v.number, v.code, v.displayName, v.name, v.fullname, person, v.description, v.subject].find(
    (l) => !isBlankText(l),
  );
  return label === undefined ? record.id : String(label);
}

/** The record as record-level errors name it (issue 14.5): its label and its id, or its id alone. */
export function recordName(record: SideRecord): string {
  const label = recordLabel(record);
  return label === record.id ? record.id : `${label} (${record.id})`;
}

function isBlankText(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}
