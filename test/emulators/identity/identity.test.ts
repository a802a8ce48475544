// The identity emulator over real HTTPS: MSAL Node's client-credentials flow end to end, Entra-shaped errors for
// the ways a token request goes wrong, and the verifier's rejections.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUSINESS_CENTRAL_AUDIENCE,
  DEMO_ADMIN_APP,
  DEMO_INTEGRATION_APP,
  DEMO_INTEGRATION_APP_2,
  DEMO_INTEGRATION_USER,
  DEMO_LEGACY_APP,
  DEMO_TENANT_ID,
  type IdentityEmulator,
  servicePrincipalObjectId,
  startIdentityEmulator,
} from "../../../emulators/identity/index.ts";
import { manualClock } from "../runtime/manual-clock.ts";
import { trustingNetworkClient } from "./msal-network.ts";

const DATAVERSE_ORIGIN = "http://127.0.0.1:5555";

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

describe("identity emulator over HTTPS", () => {
  let identity: IdentityEmulator;
  let dispatcher: Agent;
  const clock = manualClock(Date.now());

  beforeAll(async () => {
    identity = await startIdentityEmulator({ clock });
    dispatcher = new Agent({ connect: { ca: identity.caPem } });
  });
  afterAll(async () => {
    await dispatcher.close();
    await identity.close();
  });

  const tokenRequest = (form: Record<string, string>, tenant = identity.tenantId) =>
    fetch(`${identity.url}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      dispatcher,
    });

  const validForm = (overrides: Record<string, string> = {}) => ({
    grant_type: "client_credentials",
    client_id: DEMO_INTEGRATION_APP.clientId,
    client_secret: DEMO_INTEGRATION_APP.clientSecret,
    scope: `${DATAVERSE_ORIGIN}/.default`,
    ...overrides,
  });

  it("serves an https authority in the demo tenant", () => {
    expect(identity.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(identity.authority).toBe(`${identity.url}/${DEMO_TENANT_ID}`);
    expect(identity.caPem).toContain("BEGIN CERTIFICATE");
  });

  it("issues a token to MSAL Node's acquireTokenByClientCredential, which the verifier accepts", async () => {
    const networkClient = trustingNetworkClient(identity.caPem);
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: DEMO_INTEGRATION_APP.clientId,
        clientSecret: DEMO_INTEGRATION_APP.clientSecret,
        authority: identity.authority,
        knownAuthorities: [new URL(identity.url).host],
      },
      system: { networkClient },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [`${DATAVERSE_ORIGIN}/.default`] });
    await networkClient.close();

    expect(result?.tokenType).toBe("Bearer");
    const check = identity.verifier.verify(`Bearer ${result?.accessToken}`, [DATAVERSE_ORIGIN]);
    expect(check).toEqual({
      ok: true,
      claims: {
        appId: DEMO_INTEGRATION_APP.clientId,
        tenantId: DEMO_TENANT_ID,
        audience: DATAVERSE_ORIGIN,
        objectId: servicePrincipalObjectId(DEMO_INTEGRATION_APP.clientId),
        expiresAt: expect.any(Number),
        roles: undefined,
      },
    });
  });

  it("also serves MSAL that takes its cloud discovery metadata from the emulator instead of knownAuthorities", async () => {
    const metadata = await (
      await fetch(`${identity.url}/common/discovery/instance?api-version=1.1`, { dispatcher })
    ).text();
    const networkClient = trustingNetworkClient(identity.caPem);
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: DEMO_INTEGRATION_APP_2.clientId,
        clientSecret: DEMO_INTEGRATION_APP_2.clientSecret,
        authority: identity.authority,
        cloudDiscoveryMetadata: metadata,
      },
      system: { networkClient },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [`${DATAVERSE_ORIGIN}/.default`] });
    await networkClient.close();
    const check = identity.verifier.verify(`Bearer ${result?.accessToken}`, [DATAVERSE_ORIGIN]);
    expect(check).toMatchObject({ ok: true, claims: { appId: DEMO_INTEGRATION_APP_2.clientId } });
  });

  it("puts Entra's claim set in the token", async () => {
    const response = await tokenRequest(validForm({ scope: `${BUSINESS_CENTRAL_AUDIENCE}/.default` }));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("no-store");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
    const token = String(body.access_token);
    const [header] = token.split(".");
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toMatchObject({ alg: "RS256", typ: "JWT" });
    const claims = decodePayload(token);
    const nowSeconds = Math.floor(clock.now() / 1000);
    expect(claims).toMatchObject({
      aud: BUSINESS_CENTRAL_AUDIENCE,
      iss: `${identity.authority}/v2.0`,
      tid: DEMO_TENANT_ID,
      appid: DEMO_INTEGRATION_APP.clientId,
      azp: DEMO_INTEGRATION_APP.clientId,
      oid: servicePrincipalObjectId(DEMO_INTEGRATION_APP.clientId),
      sub: servicePrincipalObjectId(DEMO_INTEGRATION_APP.clientId),
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + 3600,
      roles: ["API.ReadWrite.All", "Automation.ReadWrite.All"],
    });
  });

  it("publishes the signing key in the JWKS named by the OpenID configuration", async () => {
    const config = (await (
      await fetch(`${identity.authority}/v2.0/.well-known/openid-configuration`, { dispatcher })
    ).json()) as Record<string, string>;
    expect(config.issuer).toBe(identity.issuer);
    expect(config.token_endpoint).toBe(`${identity.authority}/oauth2/v2.0/token`);
    const jwks = (await (await fetch(config.jwks_uri, { dispatcher })).json()) as { keys: { kid: string }[] };
    const token = identity.issueToken(DEMO_ADMIN_APP.clientId, DATAVERSE_ORIGIN);
    const kid = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid;
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
  });

  it("answers instance discovery with this host as its own cloud", async () => {
    const response = await fetch(`${identity.url}/common/discovery/instance?api-version=1.1`, { dispatcher });
    const body = (await response.json()) as { metadata: { aliases: string[] }[]; tenant_discovery_endpoint: string };
    expect(body.metadata[0].aliases).toEqual([new URL(identity.url).host]);
    expect(body.tenant_discovery_endpoint).toBe(`${identity.authority}/v2.0/.well-known/openid-configuration`);
  });

  const errorCases: [string, Record<string, string>, number, string, number][] = [
    ["a wrong secret", validForm({ client_secret: "nope" }), 401, "invalid_client", 7000215],
    [
      "an unknown app",
      validForm({ client_id: "00000000-0000-4000-8000-000000000000" }),
      400,
      "unauthorized_client",
      700016,
    ],
    [
      "a scope without /.default",
      validForm({ scope: `${DATAVERSE_ORIGIN}/user_impersonation` }),
      400,
      "invalid_scope",
      1002012,
    ],
    ["two scopes", validForm({ scope: `${DATAVERSE_ORIGIN}/.default openid` }), 400, "invalid_scope", 70011],
    [
      "a resource that is no URI",
      validForm({ scope: "not a resource/.default".replace(/ /g, "_") }),
      400,
      "invalid_resource",
      500011,
    ],
    ["no secret", (({ client_secret, ...rest }) => rest)(validForm()), 401, "invalid_client", 7000218],
    ["no grant type", (({ grant_type, ...rest }) => rest)(validForm()), 400, "invalid_request", 900144],
    ["the device code grant", validForm({ grant_type: "device_code" }), 400, "unsupported_grant_type", 70003],
    ["a password grant without a user name", validForm({ grant_type: "password" }), 400, "invalid_request", 900144],
  ];

  it.each(errorCases)("refuses %s the way Entra does", async (_name, form, status, error, code) => {
    const response = await tokenRequest(form);
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error, error_codes: [code] });
    expect(String(body.error_description)).toMatch(new RegExp(`^AADSTS${code}: .+ Trace ID: .+ Correlation ID: .+`));
    expect(body.trace_id).toEqual(expect.any(String));
    expect(body.correlation_id).toEqual(expect.any(String));
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it("echoes client-request-id as the correlation id of an error", async () => {
    const response = await fetch(`${identity.authority}/oauth2/v2.0/token?client-request-id=abc-123`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(validForm({ client_secret: "wrong" })).toString(),
      dispatcher,
    });
    expect(((await response.json()) as { correlation_id: string }).correlation_id).toBe("abc-123");
    expect(response.headers.get("client-request-id")).toBe("abc-123");
  });

  it("refuses an unknown tenant with AADSTS90002", async () => {
    const response = await tokenRequest(validForm(), "11111111-2222-4333-8444-555555555555");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request", error_codes: [90002] });
  });

  it("signs a user in with the password grant (S20's connection string) and refuses a wrong password with AADSTS50126", async () => {
    const form = {
      grant_type: "password",
      client_id: DEMO_LEGACY_APP.clientId,
      username: DEMO_INTEGRATION_USER.userPrincipalName,
      scope: `${DATAVERSE_ORIGIN}/.default openid profile offline_access`,
    };
    const good = await tokenRequest({ ...form, password: DEMO_INTEGRATION_USER.password });
    expect(good.status).toBe(200);
    const claims = decodePayload(((await good.json()) as { access_token: string }).access_token);
    expect(claims).toMatchObject({
      oid: DEMO_INTEGRATION_USER.objectId,
      upn: DEMO_INTEGRATION_USER.userPrincipalName,
      appid: DEMO_LEGACY_APP.clientId,
      aud: DATAVERSE_ORIGIN,
    });
    const bad = await tokenRequest({ ...form, password: "not-it" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_grant", error_codes: [50126] });
  });

  it("accepts client_secret_basic", async () => {
    const { client_id, client_secret, ...form } = validForm({ client_id: DEMO_INTEGRATION_APP_2.clientId });
    const response = await fetch(`${identity.authority}/oauth2/v2.0/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client_id}:${DEMO_INTEGRATION_APP_2.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams(form).toString(),
      dispatcher,
    });
    expect(response.status).toBe(200);
    const token = ((await response.json()) as { access_token: string }).access_token;
    expect(decodePayload(token).appid).toBe(DEMO_INTEGRATION_APP_2.clientId);
  });

  describe("verifier", () => {
    it("rejects a missing, non-bearer or non-JWT authorization", () => {
      expect(identity.verifier.verify(undefined, [DATAVERSE_ORIGIN])).toMatchObject({ ok: false, reason: "missing" });
      expect(identity.verifier.verify("Basic abc", [DATAVERSE_ORIGIN])).toMatchObject({ reason: "malformed" });
      expect(identity.verifier.verify("Bearer abc.def", [DATAVERSE_ORIGIN])).toMatchObject({ reason: "malformed" });
    });

    it("rejects a token whose payload was changed", () => {
      const token = identity.issueToken(DEMO_INTEGRATION_APP.clientId, DATAVERSE_ORIGIN);
      const [header, payload, signature] = token.split(".");
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
      const forged = Buffer.from(JSON.stringify({ ...claims, appid: DEMO_ADMIN_APP.clientId })).toString("base64url");
      expect(identity.verifier.verify(`Bearer ${header}.${forged}.${signature}`, [DATAVERSE_ORIGIN])).toMatchObject({
        ok: false,
        reason: "bad_signature",
      });
    });

    it("rejects a token for another audience, and accepts a trailing slash on either side", () => {
      const token = `Bearer ${identity.issueToken(DEMO_INTEGRATION_APP.clientId, `${DATAVERSE_ORIGIN}/`)}`;
      expect(identity.verifier.verify(token, [DATAVERSE_ORIGIN])).toMatchObject({ ok: true });
      expect(identity.verifier.verify(token, [BUSINESS_CENTRAL_AUDIENCE])).toMatchObject({
        ok: false,
        reason: "wrong_audience",
      });
    });

    it("rejects a token once it expired (past the 5-minute clock skew) and before nbf", () => {
      const token = `Bearer ${identity.issueToken(DEMO_INTEGRATION_APP.clientId, DATAVERSE_ORIGIN)}`;
      const future = `Bearer ${identity.issueToken(DEMO_INTEGRATION_APP.clientId, DATAVERSE_ORIGIN, { offsetSeconds: 600 })}`;
      expect(identity.verifier.verify(future, [DATAVERSE_ORIGIN])).toMatchObject({ reason: "not_yet_valid" });
      clock.advance((3600 + 299) * 1000);
      expect(identity.verifier.verify(token, [DATAVERSE_ORIGIN])).toMatchObject({ ok: true });
      clock.advance(2000);
      expect(identity.verifier.verify(token, [DATAVERSE_ORIGIN])).toMatchObject({ ok: false, reason: "expired" });
    });
  });
});

describe("identity emulator with a data dir", () => {
  it("keeps its certificate and signing key, so tokens issued before a restart still verify", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "bcsync-identity-"));
    try {
      const first = await startIdentityEmulator({ dataDir });
      const token = first.issueToken(DEMO_INTEGRATION_APP.clientId, DATAVERSE_ORIGIN);
      const port = Number(new URL(first.url).port);
      await first.close();
      expect(first.caPath).toBe(join(dataDir, "tls", "cert.pem"));
      expect(await readFile(first.caPath!, "utf8")).toBe(first.caPem);

      const second = await startIdentityEmulator({ dataDir, port });
      try {
        expect([first.certificateCreated, second.certificateCreated]).toEqual([true, false]);
        expect(second.caPem).toBe(first.caPem);
        expect(second.verifier.verify(`Bearer ${token}`, [DATAVERSE_ORIGIN])).toMatchObject({ ok: true });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("rejects a token from the same key but another issuer (the emulator moved to another port)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "bcsync-identity-"));
    try {
      const first = await startIdentityEmulator({ dataDir });
      const token = first.issueToken(DEMO_INTEGRATION_APP.clientId, DATAVERSE_ORIGIN);
      // Started while the first still listens, so it surely gets another port.
      const moved = await startIdentityEmulator({ dataDir });
      await first.close();
      try {
        expect(moved.issuer).not.toBe(first.issuer);
        expect(moved.verifier.verify(`Bearer ${token}`, [DATAVERSE_ORIGIN])).toMatchObject({
          ok: false,
          reason: "wrong_issuer",
        });
      } finally {
        await moved.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("rejects tokens of another emulator instance (other key, other issuer)", async () => {
    const [a, b] = await Promise.all([startIdentityEmulator(), startIdentityEmulator()]);
    try {
      const token = `Bearer ${a.issueToken(DEMO_INTEGRATION_APP.clientId, DATAVERSE_ORIGIN)}`;
      expect(b.verifier.verify(token, [DATAVERSE_ORIGIN])).toMatchObject({ ok: false, reason: "bad_signature" });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
