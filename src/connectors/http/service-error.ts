// Turns a service's error answer into a catalogued bcsync error that keeps the service's code, message, HTTP
// status, request id and the record involved.
import {
  CONNECTOR_CONCURRENCY_CONFLICT,
  CONNECTOR_DUPLICATE_KEY,
  CONNECTOR_NOT_FOUND,
  CONNECTOR_PAYLOAD_INVALID,
  CONNECTOR_SERVICE_ERROR,
  CONNECTOR_THROTTLED,
} from "../../errors/codes/connectors.ts";
import { type BcsyncError, bcsyncError } from "../../errors/define.ts";
import { redact } from "../secrets.ts";

export interface ErrorContext {
  service: string;
  method: string;
  path: string;
  record?: string;
  attempts?: number;
  /** The JSON body that was sent, to find the field a payload error is about. */
  body?: unknown;
}

export interface ServiceErrorDetail {
  code: string;
  message: string;
}

/** Reads `{"error":{"code","message"}}` (both services), falling back to the raw text. */
export function readErrorBody(text: string): ServiceErrorDetail {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (parsed?.error) {
      return {
        code: typeof parsed.error.code === "string" ? parsed.error.code : "",
        message: typeof parsed.error.message === "string" ? parsed.error.message : "",
      };
    }
  } catch {
    // not JSON: keep the text
  }
  return { code: "", message: text.slice(0, 500) };
}

/** Request id from the response headers, or the `CorrelationId: <guid>` Business Central puts in its messages. */
export function findRequestId(headers: Record<string, string>, message: string): string {
  for (const name of ["x-ms-service-request-id", "request-id", "x-ms-request-id", "req_id", "ms-correlation-x"]) {
    const value = headers[name];
    if (value) return value.split(",")[0].trim();
  }
  const correlation = /CorrelationId:\s*([0-9a-f-]{36})/i.exec(message);
  return correlation ? correlation[1] : "-";
}

const DUPLICATE_CODES = new Set(["0x80060892", "0x80040237", "0x80048cf3", "Internal_EntityWithSameKeyExists"]);
const CONCURRENCY_CODES = new Set(["0x80060882", "Request_EntityChanged"]);

export function mapServiceError(
  ctx: ErrorContext,
  status: number,
  headers: Record<string, string>,
  bodyText: string,
): BcsyncError {
  const detail = readErrorBody(bodyText);
  const serviceMessage = redact(detail.message, []);
  const requestId = findRequestId(headers, detail.message);
  const base = {
    service: ctx.service,
    path: ctx.path,
    httpStatus: status,
    serviceCode: detail.code || "-",
    serviceMessage,
    requestId,
    record: ctx.record ?? "-",
  };
  if (status === 429) {
    return bcsyncError(CONNECTOR_THROTTLED, {
      service: ctx.service,
      method: ctx.method,
      path: ctx.path,
      attempts: ctx.attempts ?? 1,
      requestId,
    });
  }
  if (status === 404) return bcsyncError(CONNECTOR_NOT_FOUND, base);
  const duplicate =
    DUPLICATE_CODES.has(detail.code) || /already exists|matching key values|duplicate/i.test(detail.message);
  const concurrency =
    CONCURRENCY_CODES.has(detail.code) || /changed the record|version of the existing record/i.test(detail.message);
  if ((status === 412 || status === 409 || status === 400) && duplicate)
    return bcsyncError(CONNECTOR_DUPLICATE_KEY, base);
  const field = status === 400 && detail.code === "0x80048d19" ? payloadField(detail.message, ctx.body) : undefined;
  if (field) return bcsyncError(CONNECTOR_PAYLOAD_INVALID, { ...base, method: ctx.method, field });
  if (status === 412 || (status === 409 && concurrency)) return bcsyncError(CONNECTOR_CONCURRENCY_CONFLICT, base);
  return bcsyncError(CONNECTOR_SERVICE_ERROR, { ...base, method: ctx.method });
}

/**
 * The field a Dataverse `0x80048d19 Error identified in Payload` is about (issue 14.5). The service names the
 * property when it does not exist on the table or a bind is malformed; for a value of the wrong type it quotes only
 * the literal ("Cannot convert the literal 'abc' to the expected type 'Edm.Int32'"), so the property is the one in
 * the body that was sent with that value. Undefined when neither says.
 */
export function payloadField(message: string, body: unknown): string | undefined {
  const named =
    /The property '([^']+)' does not exist/.exec(message) ??
    /(?:bind value for|values for|The value of) '([^']+)'/.exec(message);
  if (named) return named[1];
  const literal = /Cannot convert the literal '([\s\S]*?)' to the expected type '([^']+)'/.exec(message);
  if (!literal || !body || typeof body !== "object") return undefined;
  const fields = Object.entries(body as Record<string, unknown>)
    .filter(([, v]) => v !== null && typeof v !== "object" && String(v) === literal[1])
    .map(([k]) => k);
  return fields.length > 0 ? fields.join(", ") : undefined;
}
