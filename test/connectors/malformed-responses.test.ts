// Issue 14, "Bad input": malformed API answers end a read with a catalogued error instead of a hang or a crash.
// A stand-in service (a plain HTTP server) answers what a broken gateway or service might: a nextLink back to a
// page already read, a body that is not JSON. Tokens come from the identity emulator as for a tenant.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulators } from "../../emulators/index.ts";
import { BUSINESS_CENTRAL_SCOPE } from "../../src/connectors/businesscentral/client.ts";
import { businessCentralClient, dataverseClient, startTestEmulators } from "./emulators.ts";

let emulators: RunningEmulators;
let server: Server;
let origin: string;

beforeAll(async () => {
  emulators = await startTestEmulators({ seed: "empty" });
  server = createServer((req, res) => {
    const url = req.url ?? "/";
    res.setHeader("content-type", "application/json");
    if (url.includes("badjson")) return res.end("{ this is not json");
    // Every page links to page 2, which links to itself: a loop.
    const page2 = `${origin}${url.replace(/[?&]page=\d+/, "").split("?")[0]}?page=2`;
    res.end(JSON.stringify({ value: [{ id: "x" }], "@odata.nextLink": page2 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await emulators?.close();
});

async function drain<T>(pages: AsyncGenerator<{ ok: true; value: T } | { ok: false; error: { code: string } }>) {
  let read = 0;
  for await (const page of pages) {
    if (!page.ok) return { read, error: page.error.code };
    read++;
  }
  return { read, error: undefined };
}

describe("malformed answers", () => {
  it("a nextLink loop ends a Dataverse read and a change-tracking read with RESPONSE_MALFORMED", async () => {
    const dv = dataverseClient(emulators, { url: origin, scope: `${emulators.info.dataverse.url}/.default` });
    try {
      // The page whose link loops back is itself answered with the error (its rows are not handed out).
      expect(await drain(dv.pages("accounts"))).toEqual({ read: 1, error: "BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED" });
      expect(await drain(dv.changes("accounts"))).toEqual({
        read: 1,
        error: "BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED",
      });
      expect(await drain(dv.pages("badjson"))).toEqual({ read: 0, error: "BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE" });
    } finally {
      await dv.close();
    }
  });

  it("a nextLink loop ends a Business Central read with RESPONSE_MALFORMED", async () => {
    const bc = businessCentralClient(emulators, { url: `${origin}/v2.0/t/production`, scope: BUSINESS_CENTRAL_SCOPE });
    try {
      const scope = bc.company("00000000-0000-0000-0000-000000000001");
      // Both connectors' reads share one guard: the page whose link loops back is refused with it.
      expect(await drain(scope.pages("customers"))).toEqual({
        read: 1,
        error: "BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED",
      });
      expect(await drain(scope.pages("badjson"))).toEqual({ read: 0, error: "BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE" });
    } finally {
      await bc.close();
    }
  });
});
