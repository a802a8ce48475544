// Reading a service's answer body as JSON, strictly: bytes that are not UTF-8 are refused instead of being turned
// into U+FFFD (Buffer.toString does that silently, and a replaced character would be synced as if the service had
// sent it), and a body that does not parse is a reason, never a SyntaxError thrown through the connector.

import { bcsyncError } from "../../errors/catalogue.ts";
import { CONNECTOR_RESPONSE_MALFORMED, CONNECTOR_RESPONSE_UNREADABLE } from "../../errors/codes/connectors.ts";
import { fail, ok, type Result } from "../result.ts";
import type { ServiceResponse } from "./service-client.ts";

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The body as text; fails on any byte sequence that is not UTF-8 (a leading BOM is dropped). */
export function decodeText(body: Uint8Array): Decoded<string> {
  try {
    return { ok: true, value: STRICT_UTF8.decode(body) };
  } catch {
    return { ok: false, reason: `the body is not UTF-8 (invalid bytes at offset ${firstInvalidUtf8(body)})` };
  }
}

/** The body parsed as JSON; the reason names what was wrong (encoding, an empty body, where parsing stopped). */
export function decodeJson<T = unknown>(body: Uint8Array): Decoded<T> {
  const text = decodeText(body);
  if (!text.ok) return text;
  if (text.value.trim() === "") return { ok: false, reason: "the body is empty where JSON was expected" };
  try {
    return { ok: true, value: JSON.parse(text.value) as T };
  } catch (err) {
    // V8's message names the position ("… at position 42"); the text itself is not quoted: it may hold record data.
    const detail = err instanceof Error ? err.message.replace(/"[^"]*"/g, "…").slice(0, 160) : "parse error";
    return { ok: false, reason: `the body is not JSON (${detail}; ${body.length} bytes)` };
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    const slice = bytes.subarray(i, i + len);
    try {
      STRICT_UTF8.decode(slice);
    } catch {
      return i;
    }
    i += len;
  }
  return i;
}

/** Where an answer came from, for the catalogued errors below (a path under the API root: never a credential). */
export interface AnswerSource {
  service: "Business Central" | "Dataverse";
  path: string;
  method?: string;
  record?: string;
}

/** An answer's body as JSON, or BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE naming the service, request and reason. */
export function answerJson<T>(res: ServiceResponse, from: AnswerSource): Result<T> {
  const body = decodeJson<T>(res.body);
  if (body.ok) return ok(body.value);
  return fail(
    bcsyncError(CONNECTOR_RESPONSE_UNREADABLE, {
      service: from.service,
      method: from.method ?? "GET",
      path: from.path,
      reason: `status ${res.status}: ${body.reason}`,
      record: from.record ?? "-",
    }),
  );
}

/** A well-formed answer that still cannot be used (a paging loop, no `value` array): BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED. */
export function malformedAnswer<T>(from: AnswerSource, reason: string): Result<T> {
  return fail(bcsyncError(CONNECTOR_RESPONSE_MALFORMED, { service: from.service, path: from.path, reason }));
}
