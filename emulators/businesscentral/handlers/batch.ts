// JSON `$batch` (use-odata-batch.md): up to 100 operations, each run like a single request. By default every
// operation is its own transaction and processing stops at the first failure unless the client sends
// `Prefer: odata.continue-on-error`; with `Isolation: snapshot` the batch is one transaction: the first failure
// rolls everything back; the operations before it keep their (undone) responses, the failed one reports its
// error and the rest do not run (the documented example).
// `dependsOn` lists ids that must have succeeded; otherwise the operation answers 424.

import {
  type BatchRequest,
  type BatchResponse,
  type BatchResponsePart,
  parseBatch,
  serializeBatchResponse,
} from "../../odata/index.ts";
import type { Row } from "../entities/types.ts";
import { BcError, bcErrors } from "../errors.ts";
import type { BcDatabase } from "../store/database.ts";
import { type ApiCore, errorResponse, type InnerResponse } from "./core.ts";

export const MAX_BATCH_OPERATIONS = 100;

interface BatchOperation {
  id?: string | null;
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface OperationResult {
  id: string | null;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** The inner URL relative to the API root (absolute, rooted and relative forms are accepted). */
export function innerPath(url: string, apiRoute: string): { path: string; query: string } {
  let rest = url;
  const marker = `/api/${apiRoute}/`;
  const at = rest.indexOf(marker);
  if (at >= 0) rest = rest.slice(at + marker.length);
  rest = rest.replace(/^\/+/, "");
  const q = rest.indexOf("?");
  return q < 0 ? { path: rest, query: "" } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

function lower(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

function toResult(id: string | null, response: InnerResponse): OperationResult {
  if (response.text !== undefined)
    return { id, status: response.status, headers: { ...response.headers }, body: response.text };
  const headers: Record<string, string> = { ...response.headers, "odata-version": "4.0" };
  if (response.body !== undefined) headers["content-type"] = "application/json; odata.metadata=minimal";
  return response.body === undefined
    ? { id, status: response.status, headers }
    : { id, status: response.status, headers, body: response.body };
}

function failedDependency(id: string | null, message: string): OperationResult {
  const error = new BcError(424, "BadRequest_FailedDependency", message);
  return { id, status: 424, headers: { "content-type": "application/json" }, body: error.body() };
}

export interface BatchOutcome {
  body: { responses: OperationResult[] };
  work: { read: number; written: number };
}

export function runBatch(
  core: ApiCore,
  db: BcDatabase,
  apiRoute: string,
  payload: unknown,
  outerHeaders: Record<string, string | undefined>,
): BatchOutcome {
  const requests = (payload as { requests?: unknown })?.requests;
  if (!Array.isArray(requests))
    throw bcErrors.badRequest("The batch request body must be a JSON object with a 'requests' array.");
  if (requests.length > MAX_BATCH_OPERATIONS) throw bcErrors.batchTooLarge(MAX_BATCH_OPERATIONS);
  const snapshot = /snapshot/i.test(outerHeaders.isolation ?? "");
  const continueOnError = /odata\.continue-on-error/i.test(outerHeaders.prefer ?? "");
  const work = { read: 0, written: 0 };
  const results: OperationResult[] = [];
  const succeeded = new Set<string>();

  const runOne = (op: BatchOperation): OperationResult => {
    const id = op.id === undefined || op.id === null ? null : String(op.id);
    const missing = (op.dependsOn ?? []).filter((d) => !succeeded.has(String(d)));
    if (missing.length > 0)
      return failedDependency(id, `The request depends on request(s) ${missing.join(", ")} that did not succeed.`);
    if (typeof op.method !== "string" || typeof op.url !== "string") {
      return toResult(id, errorResponse(bcErrors.badRequest("Each batch request needs a 'method' and a 'url'.")));
    }
    const { path, query } = innerPath(op.url, apiRoute);
    if (path.startsWith("subscriptions") || path.startsWith("$batch"))
      return toResult(id, errorResponse(bcErrors.badRequest(`'${path}' cannot be used inside a batch request.`)));
    const headers = lower(op.headers);
    if (outerHeaders.company && !headers.company) headers.company = outerHeaders.company;
    let response: InnerResponse;
    try {
      response = core.handle({ method: op.method.toUpperCase(), path, query, headers, body: op.body });
    } catch (error) {
      if (snapshot) throw new SnapshotFailure(id, error);
      response = errorResponse(error);
    }
    work.read += response.work.read;
    work.written += response.work.written;
    if (response.status < 400 && id !== null) succeeded.add(id);
    return toResult(id, response);
  };

  const ops = requests as BatchOperation[];
  if (snapshot) {
    try {
      db.transaction(() => {
        for (const op of ops) results.push(runOne(op));
      });
    } catch (error) {
      if (!(error instanceof SnapshotFailure)) throw error;
      // As in use-odata-batch.md: the requests that ran keep their responses, the failed one reports its
      // error, nothing after it runs, and none of the changes are applied.
      results.push(toResult(error.id, errorResponse(error.cause)));
      return { body: { responses: results }, work };
    }
    return { body: { responses: results }, work };
  }

  for (const op of ops) {
    const result = runOne(op);
    results.push(result);
    if (result.status >= 400 && !continueOnError) break;
  }
  return { body: { responses: results }, work };
}

class SnapshotFailure extends Error {
  readonly id: string | null;
  constructor(id: string | null, cause: unknown) {
    super("snapshot batch failed", { cause });
    this.id = id;
  }
}

export type { Row };

/**
 * multipart/mixed `$batch` (the OData stack behind the API accepts it too): top-level requests run one by one,
 * a change set is all-or-nothing and answers with the failing request's error alone (OData 4.0). `$<Content-ID>`
 * references resolve to the entity a change-set request created.
 */
export function runMultipartBatch(
  core: ApiCore,
  db: BcDatabase,
  apiRoute: string,
  raw: string,
  contentType: string | undefined,
  outerHeaders: Record<string, string | undefined>,
): { body: string; contentType: string; work: { read: number; written: number } } {
  const parsed = parseBatch(raw, contentType);
  if (!parsed.ok) throw bcErrors.badRequest(parsed.message);
  const count = parsed.parts.reduce((n, p) => n + (p.kind === "request" ? 1 : p.requests.length), 0);
  if (count > MAX_BATCH_OPERATIONS) throw bcErrors.batchTooLarge(MAX_BATCH_OPERATIONS);
  const continueOnError = /odata\.continue-on-error/i.test(outerHeaders.prefer ?? "");
  const work = { read: 0, written: 0 };
  const created = new Map<string, string>();
  const run = (r: BatchRequest): BatchResponse => {
    let target = r.url;
    const ref = /^\$([A-Za-z0-9_.-]+)(.*)$/.exec(target);
    if (ref) {
      const base = created.get(ref[1]);
      if (base === undefined) throw bcErrors.badRequest(`Content-ID reference '$${ref[1]}' is not known.`);
      target = base + ref[2];
    }
    const { path, query } = innerPath(target, apiRoute);
    if (path.startsWith("subscriptions") || path.startsWith("$batch"))
      throw bcErrors.badRequest(`'${path}' cannot be used inside a batch request.`);
    let body: unknown;
    if (r.body.trim()) {
      try {
        body = JSON.parse(r.body);
      } catch {
        throw bcErrors.badRequest("The request body is not valid JSON.");
      }
    }
    const headers: Record<string, string | undefined> = { ...r.headers };
    if (outerHeaders.company && !headers.company) headers.company = outerHeaders.company;
    const response = core.handle({ method: r.method.toUpperCase(), path, query, headers, body });
    work.read += response.work.read;
    work.written += response.work.written;
    const id = (response.body as { id?: unknown } | undefined)?.id;
    if (r.contentId && response.status === 201 && typeof id === "string") created.set(r.contentId, `${path}(${id})`);
    return toBatchResponse(response, r.contentId);
  };
  const parts: BatchResponsePart[] = [];
  for (const part of parsed.parts) {
    if (part.kind === "request") {
      let response: BatchResponse;
      try {
        response = run(part.request);
      } catch (error) {
        response = toBatchResponse(errorResponse(error), part.request.contentId);
      }
      parts.push({ kind: "response", response });
      if (response.status >= 400 && !continueOnError) break;
      continue;
    }
    try {
      const responses = db.transaction(() => part.requests.map(run));
      parts.push({ kind: "changeset", responses });
    } catch (error) {
      const failed = toBatchResponse(errorResponse(error));
      parts.push({ kind: "response", response: failed });
      if (!continueOnError) break;
    }
  }
  const serialized = serializeBatchResponse(parts);
  return { ...serialized, work };
}

function toBatchResponse(response: InnerResponse, contentId?: string): BatchResponse {
  const headers: Record<string, string> = { ...response.headers, "odata-version": "4.0" };
  if (response.body !== undefined) headers["content-type"] = "application/json; odata.metadata=minimal";
  const out: BatchResponse = {
    status: response.status,
    headers,
    body: response.body === undefined ? "" : JSON.stringify(response.body),
  };
  if (contentId) out.contentId = contentId;
  return out;
}
