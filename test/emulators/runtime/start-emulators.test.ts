// startEmulators(): identity first, then the API emulators that are present in this build, trusting its tokens.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APPS, DEMO_INTEGRATION_APP } from "../../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../../emulators/index.ts";

describe("startEmulators", () => {
  let dataDir: string;
  let emulators: RunningEmulators;
  const notices: string[] = [];
  let dispatcher: Agent;

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

  it("describes the identity emulator and the demo apps in info", () => {
    expect(emulators.info.identity).toEqual({
      url: emulators.identity.url,
      authority: emulators.identity.authority,
      tenantId: emulators.identity.tenantId,
      caPath: join(dataDir, "tls", "cert.pem"),
    });
    expect(emulators.info.apps.map((a) => a.clientId)).toEqual(DEMO_APPS.map((a) => a.clientId));
    expect(JSON.parse(JSON.stringify(emulators.info))).toEqual(emulators.info);
  });

  it("starts each API emulator present in this build, or says it is missing", () => {
    for (const [key, folder] of [
      ["dataverse", "emulators/dataverse/index.ts"],
      ["businessCentral", "emulators/businesscentral/index.ts"],
    ] as const) {
      const present = emulators[key] !== undefined;
      expect(notices.some((n) => n.includes(folder))).toBe(!present);
      expect(emulators.info[key] !== undefined).toBe(present);
    }
  });

  it("describes the API emulators' service roots and Business Central's companies", () => {
    const { dataverse, businessCentral } = emulators.info;
    if (dataverse) expect(dataverse.apiUrl).toBe(`${dataverse.url}/api/data/v9.2/`);
    if (businessCentral) {
      expect(businessCentral.apiUrl).toBe(
        `${businessCentral.url}/v2.0/${businessCentral.tenantId}/${businessCentral.environment}/api/v2.0/`,
      );
      // The demo seed has companies; each is listed with its id and name.
      expect(businessCentral.companies.length).toBeGreaterThan(0);
      for (const company of businessCentral.companies) expect(Object.keys(company)).toEqual(["id", "name"]);
    }
    expect(Object.keys(emulators.info)).toEqual(
      ["identity", dataverse && "dataverse", businessCentral && "businessCentral", "apps"].filter(Boolean),
    );
  });

  it("has the API emulators accept the identity emulator's tokens and refuse requests without one", async () => {
    const apis = [emulators.info.dataverse, emulators.info.businessCentral].filter((api) => api !== undefined);
    for (const api of apis) {
      const anonymous = await fetch(api.apiUrl);
      expect(anonymous.status).toBe(401);
      await anonymous.arrayBuffer();
      const authorized = await fetch(api.apiUrl, { headers: { authorization: `Bearer ${await token(api.url)}` } });
      expect(authorized.status).toBe(200);
      await authorized.arrayBuffer();
    }
    // The identity emulator answers in every build.
    expect(await token("https://example.crm4.dynamics.com")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
