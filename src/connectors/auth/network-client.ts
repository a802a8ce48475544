// MSAL's network module on undici, so MSAL can trust the emulators' CA in-process (MSAL's own agent options do
// not reach its discovery calls; see toolchain-notes).
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import type { Agent } from "undici";

export function undiciNetworkClient(agent: Agent, timeoutMs = 30_000): INetworkModule {
  async function send<T>(
    method: "GET" | "POST",
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    const res = await agent.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method,
      headers: options?.headers,
      body: method === "POST" ? options?.body : undefined,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
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
  };
}
