// startEmulators(): identity first, then Dataverse and Business Central trusting its tokens, and the info that
// `bcsync emulate --json` prints.

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APPS, DEMO_INTEGRATION_APP } from "../../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../../emulators/index.ts";

describe("startEmulators", () => {
  let dataDir: string;
  let emulators: RunningEmulators;
  let dispatcher: Agent;
  const notices: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "bcsync-emulators-"));
    emulators = await startEmulators({ dataDir, seed: "demo", notice: (m) => notices.push(m) });
    dispatcher = new Agent({ connect: { ca: emulators.identity.caPem } });
  });
  afterAll(async () => {
    await dispatcher?.close();
    await emulators?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function token(resource: string): Promise<string> {
    const response = await fetch(`${emulators.info.identity.authority}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: DEMO_INTEGRATION_APP.clientId,
        client_secret: DEMO_INTEGRATION_APP.clientSecret,
        scope: `${resource}/.default`,
      }).toString(),
      dispatcher,
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  it("describes the three emulators and the demo apps in info, in the documented order", () => {
    const { info } = emulators;
    expect(info.identity).toEqual({
      url: emulators.identity.url,
      authority: emulators.identity.authority,
      tenantId: emulators.identity.tenantId,
      caPath: join(dataDir, "tls", "cert.pem"),
    });
    expect(info.dataverse).toEqual({
      url: emulators.dataverse.url,
      apiUrl: `${emulators.dataverse.url}/api/data/v9.2/`,
    });
    expect(info.businessCentral.apiUrl).toBe(
      `${emulators.businessCentral.url}/v2.0/${emulators.identity.tenantId}/production/api/v2.0/`,
    );
    expect(info.businessCentral).toMatchObject({ tenantId: emulators.identity.tenantId, environment: "production" });
    // The demo seed has companies; each is listed with its id and name only.
    expect(info.businessCentral.companies.length).toBeGreaterThan(0);
    for (const company of info.businessCentral.companies) expect(Object.keys(company)).toEqual(["id", "name"]);
    expect(info.apps.map((a) => a.clientId)).toEqual(DEMO_APPS.map((a) => a.clientId));
    expect(Object.keys(info)).toEqual(["identity", "dataverse", "businessCentral", "apps"]);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it("has both API emulators accept the identity emulator's tokens and refuse requests without one", async () => {
    for (const api of [emulators.info.dataverse, emulators.info.businessCentral]) {
      const anonymous = await fetch(api.apiUrl);
      expect(anonymous.status).toBe(401);
      await anonymous.arrayBuffer();
      const authorized = await fetch(api.apiUrl, { headers: { authorization: `Bearer ${await token(api.url)}` } });
      expect(authorized.status).toBe(200);
      await authorized.arrayBuffer();
    }
  });

  it("has Business Central accept a token for its real audience too", async () => {
    const response = await fetch(emulators.info.businessCentral.apiUrl, {
      headers: { authorization: `Bearer ${await token("https://api.businesscentral.dynamics.com")}` },
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });

  it("says when it created a new certificate, and names it", () => {
    expect(notices).toEqual([expect.stringContaining(join(dataDir, "tls", "cert.pem"))]);
  });

  it("keeps each emulator's data under its own folder of the data dir", async () => {
    expect((await readdir(dataDir)).sort()).toEqual(["businesscentral", "dataverse", "identity", "tls"]);
  });
});
