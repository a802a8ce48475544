// A small HTTP reverse proxy for tests that puts itself between bcsync and an emulator and rewrites answers the
// way a broken service, gateway or proxy would (issue 14): a row with a wrong type, a missing ETag, a body cut
// short or re-encoded, a nextLink that loops or leaves the host. Requests pass through unchanged; the emulator's
// own origin in answers (its nextLinks) is replaced by the proxy's, as a reverse proxy's configuration would.
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedRequest {
  method: string;
  /** Path and query, decoded (`/api/data/v9.2/accounts?$select=name`). */
  path: string;
}

export interface ProxiedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Returns the body to send instead (bytes, or a value sent as JSON), or undefined to pass the answer through. */
export type Rewrite = (req: ProxiedRequest, answer: ProxiedAnswer) => Buffer | object | undefined;

export interface RewritingProxy {
  /** The proxy's origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The rewrite in force; undefined passes every answer through. */
  rewrite: Rewrite | undefined;
  /** Answers rewritten so far (a test asserts its fault was injected). */
  readonly rewritten: number;
  close(): Promise<void>;
}

export async function startRewritingProxy(target: string): Promise<RewritingProxy> {
  const upstream = new URL(target);
  let rewritten = 0;
  let origin = "";
  const proxy: { rewrite: Rewrite | undefined } = { rewrite: undefined };
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readAll(req);
      const answer = await forward(upstream, req, body);
      const text = answer.body.toString("latin1");
      // Links in answers name the emulator: they are made to name the proxy (latin1 keeps every byte as it was).
      answer.body = Buffer.from(text.split(upstream.origin).join(origin), "latin1");
      const path = decodeURIComponent(req.url ?? "/");
      const replaced = proxy.rewrite?.({ method: req.method ?? "GET", path }, answer);
      if (replaced !== undefined) {
        rewritten++;
        answer.body = Buffer.isBuffer(replaced) ? replaced : Buffer.from(JSON.stringify(replaced));
      }
      const headers = { ...answer.headers };
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      res.writeHead(answer.status, { ...headers, "content-length": String(answer.body.length) });
      res.end(answer.body);
    } catch (err) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    get rewrite() {
      return proxy.rewrite;
    },
    set rewrite(r: Rewrite | undefined) {
      proxy.rewrite = r;
    },
    get rewritten() {
      return rewritten;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<ProxiedAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    delete headers["accept-encoding"];
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (res) => {
        readAll(res).then((b) => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) h[k] = Array.isArray(v) ? v.join(", ") : v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: b });
        }, reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}

/** A collection answer with its rows changed by `change` (row, index); other answers untouched. */
export function rewriteRows(
  answer: ProxiedAnswer,
  change: (row: Record<string, unknown>, index: number) => unknown,
): object | undefined {
  if (answer.status !== 200) return undefined;
  const parsed = JSON.parse(answer.body.toString("utf8")) as { value?: unknown };
  if (!Array.isArray(parsed.value)) return undefined;
  return { ...parsed, value: parsed.value.map((row, i) => change(row as Record<string, unknown>, i)) };
}

/** The JSON of an answer, when it is one. */
export function answerJson(answer: ProxiedAnswer): Record<string, unknown> | undefined {
  try {
    return JSON.parse(answer.body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
