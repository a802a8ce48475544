// The Dataverse multipart/mixed $batch format: a serializer (CRLF, absolute inner URLs, change sets with
// Content-IDs) and a response parser that accepts CRLF or LF and nested change set responses.
import { randomUUID } from "node:crypto";

export interface BatchOperation {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Relative to the Web API root (`accounts(…)`), a `$<contentId>` reference, or absolute. */
  url: string;
  headers?: Record<string, string>;
  /** JSON body (objects are serialized). */
  body?: unknown;
  /** Content-ID, to reference this operation's result from later operations of the same change set (`$1`). */
  contentId?: string;
  /** The record, for errors, when the URL does not name it (a create); never sent. */
  record?: string;
}

/** A change set runs atomically; a lone operation (GETs must be lone) runs on its own. */
export type BatchPart = { changeSet: BatchOperation[] } | { operation: BatchOperation };

export interface BatchPartResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

const CRLF = "\r\n";

export function serializeBatch(
  parts: readonly BatchPart[],
  apiRoot: URL,
  boundary = `batch_${randomUUID()}`,
): { contentType: string; body: string } {
  const lines: string[] = [];
  for (const part of parts) {
    lines.push(`--${boundary}`);
    if ("changeSet" in part) {
      const changeset = `changeset_${randomUUID()}`;
      lines.push(`Content-Type: multipart/mixed; boundary=${changeset}`, "");
      part.changeSet.forEach((op, i) => {
        lines.push(`--${changeset}`);
        lines.push(...operationLines(op, apiRoot, op.contentId ?? String(i + 1)));
      });
      lines.push(`--${changeset}--`, "");
    } else {
      lines.push(...operationLines(part.operation, apiRoot, part.operation.contentId));
    }
  }
  lines.push(`--${boundary}--`, "");
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: lines.join(CRLF) };
}

function operationLines(op: BatchOperation, apiRoot: URL, contentId: string | undefined): string[] {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  lines.push("");
  const target = op.url.startsWith("$") ? op.url : new URL(op.url, apiRoot).href;
  lines.push(`${op.method} ${target} HTTP/1.1`);
  const headers: Record<string, string> = { ...op.headers };
  const hasBody = op.body !== undefined;
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
    headers["Content-Type"] = "application/json; type=entry";
  }
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push("");
  lines.push(hasBody ? (typeof op.body === "string" ? op.body : JSON.stringify(op.body)) : "");
  return lines;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/multipart\/mixed/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Parses a $batch response into one entry per operation, change set responses flattened in order. */
export function parseBatchResponse(contentType: string | undefined, body: string): BatchPartResponse[] | undefined {
  return parseBatchResponseGroups(contentType, body)?.flat();
}

/**
 * Parses a $batch response into its top-level parts: a change set's responses stay together (one group), so a
 * failed change set answered with a single error part cannot shift the results of the parts after it.
 */
export function parseBatchResponseGroups(
  contentType: string | undefined,
  body: string,
): BatchPartResponse[][] | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  const parts = splitParts(body.replace(/\r\n/g, "\n"), boundary);
  if (!parts) return undefined;
  const groups: BatchPartResponse[][] = [];
  for (const raw of parts) {
    const group = parsePart(raw);
    if (!group) return undefined;
    groups.push(group);
  }
  return groups;
}

function parsePart(raw: string): BatchPartResponse[] | undefined {
  const { headers, rest } = splitHeaders(raw);
  const nested = boundaryOf(headers["content-type"]);
  if (nested) {
    const inner = splitParts(rest, nested);
    if (!inner) return undefined;
    const out: BatchPartResponse[] = [];
    for (const part of inner) {
      const responses = parsePart(part);
      if (!responses) return undefined;
      out.push(...responses);
    }
    return out;
  }
  const response = parseHttpResponse(rest);
  if (!response) return undefined;
  if (headers["content-id"] !== undefined) response.contentId = headers["content-id"];
  return [response];
}

function splitParts(text: string, boundary: string): string[] | undefined {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join("\n"));
      return parts;
    }
    if (trimmed === delimiter) {
      if (current) parts.push(current.join("\n"));
      current = [];
      continue;
    }
    current?.push(line);
  }
  return undefined;
}

function splitHeaders(text: string, skipLeadingBlank = true): { headers: Record<string, string>; rest: string } {
  const lines = text.split("\n");
  const headers: Record<string, string> = {};
  let i = 0;
  while (skipLeadingBlank && i < lines.length && lines[i].trim() === "") i++;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      break;
    }
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest: lines.slice(i).join("\n") };
}

function parseHttpResponse(text: string): BatchPartResponse | undefined {
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length && lines[i].trim() === "") i++;
  const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(lines[i] ?? "");
  if (!status) return undefined;
  const { headers, rest } = splitHeaders(lines.slice(i + 1).join("\n"), false);
  return { status: Number(status[1]), headers, body: rest.trim() };
}
