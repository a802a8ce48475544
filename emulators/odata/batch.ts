// multipart/mixed $batch: parse requests (CRLF or LF, nested change sets, Content-ID, absolute or relative
// inner URLs) and serialise responses (always CRLF, as the services do).
import { randomUUID } from "node:crypto";

export interface BatchRequest {
  method: string;
  /** The request target exactly as written in the part (absolute, service-relative, or `$1/...`). */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchPart = { kind: "request"; request: BatchRequest } | { kind: "changeset"; requests: BatchRequest[] };

export type BatchParse = { ok: true; parts: BatchPart[] } | { ok: false; message: string };

export interface BatchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchResponsePart =
  | { kind: "response"; response: BatchResponse }
  | { kind: "changeset"; responses: BatchResponse[] };

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/mixed/i.test(contentType)) return undefined;
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Splits a multipart body into its parts' raw text (line endings already normalised to LF). */
function splitParts(body: string, boundary: string): string[] | undefined {
  const delimiter = `--${boundary}`;
  const lines = body.split("\n");
  const parts: string[] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join("\n"));
      current = trimmed === delimiter ? [] : undefined;
      if (trimmed.endsWith("--") && trimmed !== delimiter) {
        closed = true;
        break;
      }
      continue;
    }
    current?.push(line);
  }
  return closed ? parts : undefined;
}

function splitHeaders(text: string): { headers: Record<string, string>; rest: string } {
  const lines = text.split("\n");
  const headers: Record<string, string> = {};
  let i = 0;
  while (i < lines.length && lines[i].trim() === "" && i === 0) i++;
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

function parseHttpPart(partHeaders: Record<string, string>, content: string): BatchRequest | string {
  const lines = content.split("\n");
  let i = 0;
  while (i < lines.length && lines[i].trim() === "") i++;
  const requestLine = lines[i]?.trim() ?? "";
  // The URL is what lies between the first and the last space: clients write `$filter` values unencoded.
  const m = /^([A-Z]+)\s+(.+?)(?:\s+HTTP\/\d(?:\.\d)?)?$/.exec(requestLine);
  if (!m) return `Invalid request line '${requestLine}' in the batch.`;
  const { headers, rest } = splitHeaders(lines.slice(i + 1).join("\n"));
  const body = rest.replace(/\n+$/, "");
  const contentId = partHeaders["content-id"] ?? headers["content-id"];
  return { method: m[1], url: m[2], headers, body, ...(contentId ? { contentId } : {}) };
}

/** Parses a `$batch` body; `contentType` is the outer Content-Type header (with the boundary). */
export function parseBatch(body: string, contentType: string | undefined): BatchParse {
  const boundary = boundaryOf(contentType);
  if (!boundary)
    return { ok: false, message: "The batch request must have a multipart/mixed content type with a boundary." };
  const normalised = body.replace(/\r\n/g, "\n");
  const rawParts = splitParts(normalised, boundary);
  if (!rawParts)
    return { ok: false, message: `The batch body does not end with the closing boundary '--${boundary}--'.` };
  const parts: BatchPart[] = [];
  for (const raw of rawParts) {
    const { headers, rest } = splitHeaders(raw);
    const innerBoundary = boundaryOf(headers["content-type"]);
    if (innerBoundary) {
      const inner = splitParts(rest, innerBoundary);
      if (!inner) return { ok: false, message: `The change set does not end with '--${innerBoundary}--'.` };
      const requests: BatchRequest[] = [];
      for (const innerRaw of inner) {
        const split = splitHeaders(innerRaw);
        if (boundaryOf(split.headers["content-type"])) return { ok: false, message: "Change sets cannot be nested." };
        const request = parseHttpPart(split.headers, split.rest);
        if (typeof request === "string") return { ok: false, message: request };
        requests.push(request);
      }
      parts.push({ kind: "changeset", requests });
    } else {
      const request = parseHttpPart(headers, rest);
      if (typeof request === "string") return { ok: false, message: request };
      parts.push({ kind: "request", request });
    }
  }
  return { ok: true, parts };
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "Unknown";
}

function serializeResponse(r: BatchResponse): string {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (r.contentId) lines.push(`Content-ID: ${r.contentId}`);
  lines.push("", `HTTP/1.1 ${r.status} ${statusText(r.status)}`);
  for (const [name, value] of Object.entries(r.headers)) lines.push(`${name}: ${value}`);
  lines.push("", r.body);
  return lines.join("\r\n");
}

/** Serialises a batch response; returns the body and the Content-Type header value. */
export function serializeBatchResponse(
  parts: BatchResponsePart[],
  boundary = `batchresponse_${randomUUID()}`,
): { body: string; contentType: string } {
  const chunks: string[] = [];
  for (const part of parts) {
    chunks.push(`--${boundary}`);
    if (part.kind === "response") {
      chunks.push(serializeResponse(part.response));
    } else {
      const cs = `changesetresponse_${randomUUID()}`;
      chunks.push(`Content-Type: multipart/mixed; boundary=${cs}`, "");
      for (const r of part.responses) chunks.push(`--${cs}`, serializeResponse(r));
      chunks.push(`--${cs}--`);
    }
  }
  chunks.push(`--${boundary}--`, "");
  return { body: chunks.join("\r\n"), contentType: `multipart/mixed; boundary=${boundary}` };
}

/** Serialises requests into a batch body (used by tests and clients); CRLF line breaks. */
export function serializeBatchRequest(
  parts: BatchPart[],
  boundary = `batch_${randomUUID()}`,
): { body: string; contentType: string } {
  const chunks: string[] = [];
  const request = (r: BatchRequest): string[] => {
    const head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
    if (r.contentId) head.push(`Content-ID: ${r.contentId}`);
    head.push("", `${r.method} ${r.url} HTTP/1.1`);
    for (const [n, v] of Object.entries(r.headers)) head.push(`${n}: ${v}`);
    head.push("", r.body);
    return head;
  };
  for (const part of parts) {
    chunks.push(`--${boundary}`);
    if (part.kind === "request") chunks.push(...request(part.request));
    else {
      const cs = `changeset_${randomUUID()}`;
      chunks.push(`Content-Type: multipart/mixed; boundary=${cs}`, "");
      for (const r of part.requests) chunks.push(`--${cs}`, ...request(r));
      chunks.push(`--${cs}--`);
    }
  }
  chunks.push(`--${boundary}--`, "");
  return { body: chunks.join("\r\n"), contentType: `multipart/mixed; boundary=${boundary}` };
}

/** Parses a batch response body back into parts (for tests and clients). */
export function parseBatchResponse(body: string, contentType: string | undefined): BatchResponsePart[] | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  const raw = splitParts(body.replace(/\r\n/g, "\n"), boundary);
  if (!raw) return undefined;
  const one = (text: string): BatchResponse => {
    const { headers: partHeaders, rest } = splitHeaders(text);
    const lines = rest.split("\n");
    const m = /^HTTP\/\d\.\d\s+(\d+)/.exec(lines[0] ?? "");
    const { headers, rest: respBody } = splitHeaders(lines.slice(1).join("\n"));
    const contentId = partHeaders["content-id"];
    return {
      status: Number(m?.[1] ?? 0),
      headers,
      body: respBody.replace(/\n+$/, ""),
      ...(contentId ? { contentId } : {}),
    };
  };
  return raw.map((text) => {
    const { headers, rest } = splitHeaders(text);
    const inner = boundaryOf(headers["content-type"]);
    if (inner) return { kind: "changeset", responses: (splitParts(rest, inner) ?? []).map(one) };
    return { kind: "response", response: one(text) };
  });
}

/**
 * Turns an inner request URL into a path relative to the service root (`accounts(…)?$select=…`), replacing a
 * leading `$<contentId>` with the URL that request created. undefined when it points outside the service.
 */
export function relativeInnerUrl(
  url: string,
  serviceRoot: URL,
  created: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  let target = url;
  const ref = /^\$([A-Za-z0-9_.-]+)(.*)$/.exec(target);
  if (ref) {
    const base = created.get(ref[1]);
    if (base === undefined) return undefined;
    target = base + ref[2];
  }
  const rootPath = serviceRoot.pathname.endsWith("/") ? serviceRoot.pathname : `${serviceRoot.pathname}/`;
  if (/^https?:\/\//i.test(target)) {
    const u = new URL(target);
    target = u.pathname + u.search;
  }
  if (target.startsWith("/")) {
    if (!target.startsWith(rootPath)) return undefined;
    return target.slice(rootPath.length);
  }
  return target;
}
