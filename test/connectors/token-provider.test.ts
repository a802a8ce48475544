// The token provider against the identity emulator over HTTPS: MSAL with the emulator's CA trusted in-process.
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_INTEGRATION_APP,
  DEMO_TENANT_ID,
  type IdentityEmulator,
  startIdentityEmulator,
} from "../../emulators/identity/index.ts";
import { createTokenProvider, type TokenProviderOptions } from "../../src/connectors/auth/token-provider.ts";

const AUDIENCE = "https://org.crm.dynamics.com";

describe("token provider (MSAL client credentials)", () => {
  let identity: IdentityEmulator;
  beforeAll(async () => {
    identity = await startIdentityEmulator();
  });
  afterAll(async () => {
    await identity.close();
  });
  /** The demo integration app against the identity emulator, its CA trusted, with these changes. */
  const demoApp = (changes: Partial<TokenProviderOptions> = {}): TokenProviderOptions => ({
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_INTEGRATION_APP.clientId,
    clientSecret: DEMO_INTEGRATION_APP.clientSecret,
    authority: identity.authority,
    caPem: identity.caPem,
    scope: `${AUDIENCE}/.default`,
    ...changes,
  });

  it("gets a token the emulator verifies, and reuses it until shortly before expiry", async () => {
    let now = Date.now();
    const provider = createTokenProvider(
      {
        tenantId: DEMO_TENANT_ID,
        clientId: DEMO_INTEGRATION_APP.clientId,
        clientSecret: DEMO_INTEGRATION_APP.clientSecret,
        authority: identity.url,
        caPem: identity.caPem,
        scope: `${AUDIENCE}/.default`,
      },
      () => now,
    );
    try {
      const first = await provider.getToken();
      expect(first.ok).toBe(true);
      if (!first.ok) return;
      const check = identity.verifier.verify(`Bearer ${first.value}`, [AUDIENCE]);
      expect(check.ok && check.claims.appId).toBe(DEMO_INTEGRATION_APP.clientId);

      const [a, b] = await Promise.all([provider.getToken(), provider.getToken()]);
      expect(a.ok && a.value).toBe(first.value);
      expect(b.ok && b.value).toBe(first.value);

      now += 3599_000 - 299_000; // inside the 5-minute refresh margin
      const refreshed = await provider.getToken();
      expect(refreshed.ok && refreshed.value).not.toBe(first.value);
    } finally {
      await provider.close();
    }
  });

  it("shares a token among the providers of this process with the same app, credential, CA and scope", async () => {
    const options = {
      tenantId: DEMO_TENANT_ID,
      clientId: DEMO_INTEGRATION_APP.clientId,
      clientSecret: DEMO_INTEGRATION_APP.clientSecret,
      authority: identity.url,
      caPem: identity.caPem,
      scope: `${AUDIENCE}/shared/.default`,
    };
    const first = createTokenProvider(options);
    const second = createTokenProvider(options);
    const otherScope = createTokenProvider({ ...options, scope: `${AUDIENCE}/other/.default` });
    try {
      const a = await first.getToken();
      const b = await second.getToken();
      expect(a.ok && b.ok && b.value === a.value).toBe(true);
      const c = await otherScope.getToken();
      expect(c.ok && c.value !== (a.ok && a.value)).toBe(true);
      // A token the service refused is not handed out again by any provider.
      second.invalidate();
      const d = await first.getToken();
      expect(d.ok && d.value === (a.ok && a.value)).toBe(true); // first still holds it until told otherwise
      const e = await second.getToken();
      expect(e.ok && e.value !== (a.ok && a.value)).toBe(true);
    } finally {
      await Promise.all([first.close(), second.close(), otherScope.close()]);
    }
  });

  it("reports a wrong secret as a catalogued error without the secret", async () => {
    const secret = "definitely-wrong-secret-value";
    const provider = createTokenProvider(demoApp({ clientSecret: secret }));
    try {
      const r = await provider.getToken();
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe("BCSYNC_E_CONNECTOR_AUTH_FAILED");
      expect(JSON.stringify(r.error.toJSON()) + r.error.message).not.toContain(secret);
    } finally {
      await provider.close();
    }
  });

  it("fails cleanly when the emulator's CA is not trusted: the authority could not be reached, not a refused login", async () => {
    const provider = createTokenProvider(demoApp({ caPem: undefined }));
    try {
      const r = await provider.getToken();
      expect(r.ok ? "ok" : r.error.code).toBe("BCSYNC_E_CONNECTOR_AUTHORITY_UNREACHABLE");
      if (!r.ok) expect(r.error.message).toMatch(/certificate/i);
    } finally {
      await provider.close();
    }
  });

  it("reports an authority nobody answers at as unreachable, with the socket's reason", async () => {
    // A port nothing listens on.
    const provider = createTokenProvider(
      demoApp({ authority: `https://127.0.0.1:${await closedPort()}/${DEMO_TENANT_ID}` }),
    );
    try {
      const r = await provider.getToken();
      expect(r.ok ? "ok" : r.error.code).toBe("BCSYNC_E_CONNECTOR_AUTHORITY_UNREACHABLE");
      if (!r.ok) expect(r.error.message).toContain("ECONNREFUSED");
      expect(r.ok ? "" : JSON.stringify(r.error.toJSON())).not.toContain(DEMO_INTEGRATION_APP.clientSecret);
    } finally {
      await provider.close();
    }
  });
});

/** A local port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
