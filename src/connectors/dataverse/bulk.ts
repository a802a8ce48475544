// Bulk messages (CreateMultiple / UpdateMultiple / UpsertMultiple): their targets, the per-record $batch
// operation used when a table lacks the message, and how to tell "not supported" from a data error.
import type { BatchOperation } from "./batch.ts";
import { keySegment, type RecordKey } from "./keys.ts";
import type { BulkMessage, Row } from "./types.ts";

export function bulkTarget(logicalName: string, item: { key?: RecordKey; row: Row }, primaryKey: string): Row {
  const target: Row = { "@odata.type": `Microsoft.Dynamics.CRM.${logicalName}`, ...item.row };
  if (item.key === undefined) return target;
  if (typeof item.key === "string") target[primaryKey] = item.key;
  else Object.assign(target, item.key);
  return target;
}

export function fallbackOperation(
  message: BulkMessage,
  entitySet: string,
  item: { key?: RecordKey; row: Row },
  primaryKey?: string,
): BatchOperation {
  if (message === "CreateMultiple" || item.key === undefined) {
    // A create with a client-chosen key names its record by that key in errors.
    const id = primaryKey === undefined ? undefined : item.row[primaryKey];
    return { method: "POST", url: entitySet, body: item.row, ...(typeof id === "string" ? { record: id } : {}) };
  }
  const url = `${entitySet}${keySegment(item.key)}`;
  if (message === "UpdateMultiple") return { method: "PATCH", url, body: item.row, headers: { "If-Match": "*" } };
  return { method: "PATCH", url, body: item.row };
}

/**
 * The service's answer when a table has no such message: 405/501, "Resource not found for the segment" (no such
 * action on that entity set), or a message saying the table does not support it. A 404 for a missing record
 * (UpdateMultiple of a deleted row, 0x80040217) is a data error, not missing support.
 */
export function isBulkUnsupported(status: number, code: string, message: string, bulkMessage: string): boolean {
  if (status === 405 || status === 501) return true;
  if (code === "0x80040217") return false;
  if (/resource not found for the segment/i.test(message) || code === "0x8006088a") return true;
  return (
    /not supported|does not support|isn't supported|is not enabled|not enabled for|unrecognized/i.test(message) &&
    (message.includes(bulkMessage) || /entit|table|message/i.test(message))
  );
}
