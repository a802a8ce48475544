// One undici Agent per service client: keep-alive connections, timeouts, and an optional CA for the emulators'
// self-signed certificate. Failures below HTTP are classified as "not sent" (safe to repeat) or "lost" (the
// request may have reached the service).
import { Agent } from "undici";
import type { AttemptOutcome } from "./retry.ts";

export interface TransportOptions {
  /** PEM of an extra CA to trust (the emulators' certificate). */
  caPem?: string;
  /** Connections per origin. */
  connections?: number;
  connectTimeoutMs?: number;
  /** Time to the response headers. */
  headersTimeoutMs?: number;
  /** Time between body chunks. */
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

export interface RawRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type TransportResult = { ok: true; response: RawResponse } | { ok: false; outcome: AttemptOutcome };

const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

export class Transport {
  readonly agent: Agent;

  constructor(private readonly options: TransportOptions = {}) {
    this.agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      headersTimeout: options.headersTimeoutMs ?? 120_000,
      bodyTimeout: options.bodyTimeoutMs ?? 120_000,
      connect: options.caPem ? { ca: options.caPem } : undefined,
    });
  }

  async send(req: RawRequest): Promise<TransportResult> {
    try {
      const res = await this.agent.request({
        origin: req.url.origin,
        path: req.url.pathname + req.url.search,
        method: req.method as "GET",
        headers: req.headers,
        body: req.body,
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
      }
      return { ok: true, response: { status: res.statusCode, headers, body: Buffer.concat(chunks) } };
    } catch (err) {
      return { ok: false, outcome: classifyFailure(err) };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export function classifyFailure(err: unknown): AttemptOutcome {
  const code = errorCode(err);
  const reason = `${code ?? "error"}: ${err instanceof Error ? err.message : String(err)}`;
  if (code !== undefined && NOT_SENT_CODES.has(code)) return { kind: "not-sent", reason };
  return { kind: "lost", reason };
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    current = (current as { cause?: unknown }).cause;
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
