// An MSAL `INetworkModule` on undici that trusts the emulators' self-signed certificate: the in-process way to
// point MSAL Node at the identity emulator (toolchain-notes: `customAgentOptions.ca` alone is not enough).

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { Agent, fetch } from "undici";

export function trustingNetworkClient(caPem: string): INetworkModule & { close(): Promise<void> } {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  async function send<T>(url: string, method: "GET" | "POST", options?: NetworkRequestOptions) {
    const response = await fetch(url, {
      method,
      headers: options?.headers,
      body: method === "POST" ? (options?.body ?? "") : undefined,
      dispatcher,
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { headers, body: (await response.json()) as T, status: response.status } satisfies NetworkResponse<T>;
  }
  return {
    sendGetRequestAsync: (url, options) => send(url, "GET", options),
    sendPostRequestAsync: (url, options) => send(url, "POST", options),
    close: () => dispatcher.close(),
  };
}
