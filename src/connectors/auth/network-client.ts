// MSAL's network module on undici, so MSAL can trust the emulators' CA in-process (MSAL's own agent options do
// not reach its discovery calls; see toolchain-notes).
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import type { Agent } from "undici";

/**
 * Where a request to the identity platform could not be made at all (refused connection, unknown host, TLS, time
 * out): MSAL reports such a failure as it reports an authority that answered "no" (endpoints_resolution_error), so
 * the token provider asks here which of the two it was.
 */
export interface TransportFailures {
  /** The last transport failure since `clear`, if any. */
  last(): { url: string; reason: string } | undefined;
  clear(): void;
}

export function undiciNetworkClient(
  agent: Agent,
  timeoutMs = 30_000,
): INetworkModule & { transportFailures: TransportFailures } {
  let lastFailure: { url: string; reason: string } | undefined;
  async function send<T>(
    method: "GET" | "POST",
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    const res = await agent
      .request({
        origin: target.origin,
        path: target.pathname + target.search,
        method,
        headers: options?.headers,
        body: method === "POST" ? options?.body : undefined,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      .catch((error: unknown) => {
        lastFailure = { url: `${target.origin}${target.pathname}`, reason: transportReason(error) };
        throw error;
      });
    const text = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = { error: "invalid_response", error_description: text.slice(0, 200) };
    }
    return { headers, body: body as T, status: res.statusCode };
  }
  return {
    sendGetRequestAsync: (url, options) => send("GET", url, options),
    sendPostRequestAsync: (url, options) => send("POST", url, options),
    transportFailures: {
      last: () => lastFailure,
      clear: () => {
        lastFailure = undefined;
      },
    },
  };
}

/** The socket-level cause (ECONNREFUSED, ENOTFOUND, a certificate error…) of a request that was never answered. */
function transportReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = (error as { code?: string })?.code ?? cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
