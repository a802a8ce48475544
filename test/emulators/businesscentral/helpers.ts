// Shared set-up for the Business Central emulator scenarios: an emulator on a free port and a small fetch helper
// that speaks JSON like Microsoft's documented examples.

import {
  type BusinessCentralEmulator,
  type BusinessCentralEmulatorOptions,
  startBusinessCentralEmulator,
} from "../../../emulators/businesscentral/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field; typing each shape adds nothing.
export type Json = Record<string, any>;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

export async function startBc(options: BusinessCentralEmulatorOptions = {}): Promise<BusinessCentralEmulator> {
  return startBusinessCentralEmulator({ cost: "off", limits: "off", ...options });
}

export async function call(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { accept: "application/json", ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: Json = {};
  if (text) {
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = { text };
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/** `…/api/v2.0/companies(<id>)` of the default demo company. */
export function companyUrl(bc: BusinessCentralEmulator, companion = false, name?: string): string {
  return `${companion ? bc.companionUrl() : bc.apiUrl()}/companies(${bc.companyId(name)})`;
}

export function expectError(reply: Reply, status: number, code: string): void {
  if (reply.status !== status || reply.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  if (!/ {2}CorrelationId: {2}[0-9a-f-]{36}\.$/.test(String(reply.body.error.message))) {
    throw new Error(`error message lacks the CorrelationId suffix: ${reply.body.error.message}`);
  }
}
