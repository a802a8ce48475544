// Query strings and headers of Dataverse requests: OData options, Prefer, impersonation.
import { isIdempotentRequest } from "../http/retry.ts";
import type { BatchOperation } from "./batch.ts";
import type { Impersonation, QueryOptions, WriteOptions } from "./types.ts";

export function queryString(options: QueryOptions): string {
  const params: string[] = [];
  if (options.select?.length) params.push(`$select=${options.select.join(",")}`);
  if (options.filter) params.push(`$filter=${encodeURIComponent(options.filter)}`);
  if (options.orderby) params.push(`$orderby=${encodeURIComponent(options.orderby)}`);
  if (options.expand) params.push(`$expand=${encodeURIComponent(options.expand)}`);
  if (options.top !== undefined) params.push(`$top=${options.top}`);
  return params.length ? `?${params.join("&")}` : "";
}

export function readHeaders(options: QueryOptions & { trackChanges?: boolean }): Record<string, string> {
  const prefer: string[] = [];
  if (options.pageSize) prefer.push(`odata.maxpagesize=${Math.min(options.pageSize, 5000)}`);
  if (options.annotations) prefer.push(`odata.include-annotations="${options.annotations}"`);
  if (options.trackChanges) prefer.push("odata.track-changes");
  const headers = impersonationHeaders(options.impersonate);
  if (prefer.length) headers.prefer = prefer.join(",");
  return headers;
}

export function writeHeaders(options: WriteOptions): Record<string, string> {
  const headers: Record<string, string> = { ...impersonationHeaders(options.impersonate), ...options.headers };
  if (options.returnRepresentation) headers.prefer = "return=representation";
  return headers;
}

export function impersonationHeaders(impersonate: Impersonation | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (impersonate?.callerObjectId) headers.callerobjectid = impersonate.callerObjectId;
  if (impersonate?.callerId) headers.mscrmcallerid = impersonate.callerId;
  return headers;
}

export function isIdempotentOperation(op: BatchOperation): boolean {
  return isIdempotentRequest(op.method, op.headers ?? {});
}

export function recordOf(op: BatchOperation): string {
  if (op.record) return op.record;
  const m = /\(([^)]*)\)/.exec(op.url);
  return m ? m[1] : op.url;
}
