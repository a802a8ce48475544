// What the engine needs of every row a service hands it, checked before the row becomes a record (issue 14): an id
// that is a GUID (it becomes a coupling key; "undefined" or "[object Object]" would couple garbage), a change stamp
// that is a date (the watermark is built from it), the row's ETag on reads (the If-Match of the next update and
// echo detection; without it an update would go with If-Match "*" and overwrite an edit made meanwhile), and plain
// values where the mapping reads values. A row that fails is refused alone, with the field that failed.

import { CONNECTOR_RECORD_MALFORMED } from "../../errors/codes/connectors.ts";
import { bcsyncError } from "../../errors/define.ts";
import type { PortError } from "../ports.ts";
import { isGuid, portError } from "./common.ts";

export const ETAG = "@odata.etag";

export interface RowRules {
  key: string;
  /** Absent where the read does not select it (a secondary page's fields, read by id). */
  modified?: string;
  /** Properties the mapping reads as values: an object or an array there is refused. */
  values: readonly string[];
  /** Properties that must be text or null when present (Dataverse `_modifiedby_value`). */
  texts?: readonly string[];
  /**
   * Reads need the ETag. A write's answer may lack it: the record's version is then unknown and the next update
   * reads the record first (the documented fallback).
   */
  requireVersion: boolean;
}

export interface RowFault {
  /** The record's id when it has a usable one, else where it was in the answer. */
  record: string;
  /** The id alone, when usable (the sync log's source id). */
  id?: string;
  field: string;
  reason: string;
}

/** Undefined when the row is usable; else the first thing wrong with it. `index`: its place in the answer. */
export function checkRow(row: unknown, rules: RowRules, index: number): RowFault | undefined {
  const where = `#${index + 1} of the page`;
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    return { record: where, field: "(row)", reason: `the row is ${describe(row)}, not a JSON object` };
  }
  const r = row as Record<string, unknown>;
  const key = r[rules.key];
  if (typeof key !== "string" || !isGuid(key)) {
    return { record: where, field: rules.key, reason: `the id is ${describe(key)}, not a GUID` };
  }
  const id = key.toLowerCase();
  const fault = (field: string, reason: string): RowFault => ({ record: id, id, field, reason });
  const stamp = rules.modified === undefined ? "" : r[rules.modified];
  if (rules.modified !== undefined && (typeof stamp !== "string" || Number.isNaN(Date.parse(stamp)))) {
    return fault(rules.modified, `the change stamp is ${describe(stamp)}, not a date and time`);
  }
  const etag = r[ETAG];
  if (rules.requireVersion ? typeof etag !== "string" || etag === "" : etag !== undefined && typeof etag !== "string") {
    return fault(ETAG, `the ETag is ${describe(etag)}; the next update needs it to refuse overwriting a newer edit`);
  }
  for (const p of rules.texts ?? []) {
    const v = r[p];
    if (v !== undefined && v !== null && typeof v !== "string")
      return fault(p, `${describe(v)} where text is expected`);
  }
  for (const p of rules.values) {
    const v = r[p];
    if (v !== null && typeof v === "object") {
      return fault(p, `${describe(v)} where a value (text, number, true/false or null) is expected`);
    }
  }
  return undefined;
}

/** The catalogued error for a refused row, as the runner logs it (the field and the record id in the sync log). */
export function rowError(service: string, path: string, fault: RowFault): PortError {
  return portError(
    bcsyncError(CONNECTOR_RECORD_MALFORMED, {
      service,
      path,
      record: fault.record,
      field: fault.field,
      reason: fault.reason,
    }),
  );
}

/** A value's kind, for messages; a short id-like text is quoted, record data is not. */
function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value === "" ? "empty" : `the text ${JSON.stringify(value.slice(0, 40))}`;
  return `the ${typeof value} ${String(value)}`;
}
