// The identity emulator: an OAuth2 client-credentials token endpoint shaped like Microsoft Entra ID, over HTTPS
// (MSAL refuses http authorities). It serves what MSAL Node asks for: the tenant's OpenID configuration, its
// JWKS, the token endpoint, and instance discovery for clients that do not set `knownAuthorities`.

import { generateKeyPair, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import Fastify, { type FastifyReply } from "fastify";
import type { TokenVerifier } from "../contracts.ts";
import type { Clock } from "../runtime/limits.ts";
import { loadOrCreateTls } from "../runtime/tls.ts";
import {
  type AppRegistration,
  BUSINESS_CENTRAL_AUDIENCE,
  DEMO_APPS,
  DEMO_TENANT_ID,
  DEMO_USER_ACCOUNTS,
  type DemoUserAccount,
} from "./demo-apps.ts";
import { type EntraErrorKind, entraError } from "./errors.ts";
import {
  type AccessTokenPayload,
  createTokenVerifier,
  jwkOf,
  type SigningKey,
  signingKeyFrom,
  signJwt,
} from "./jwt.ts";
import { servicePrincipalObjectId } from "./principals.ts";

export interface IdentityEmulatorOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Keeps the TLS certificate (`tls/`) and the token signing key (`identity/`) across restarts. */
  dataDir?: string;
  /** Registered apps besides `DEMO_APPS` (same client id: these win). */
  apps?: readonly AppRegistration[];
  tenantId?: string;
  /** App roles put in tokens per audience (origin, no trailing slash); BC's API roles are granted by default. */
  resourceRoles?: Record<string, readonly string[]>;
  /** Time source for issuing and verifying tokens (tests move it forward to expire tokens). */
  clock?: Clock;
}

export interface IssueOptions {
  /** Default 3600. */
  lifetimeSeconds?: number;
  /** Shifts iat/nbf/exp by this many seconds (negative: issued in the past). */
  offsetSeconds?: number;
  /** A delegated token for this user (ROPC) instead of an app-only token. */
  user?: DemoUserAccount;
}

export interface IdentityEmulator {
  /** Origin, `https://127.0.0.1:PORT`. */
  url: string;
  tenantId: string;
  /** `https://127.0.0.1:PORT/<tenant>`: what MSAL takes as `authority`; `knownAuthorities: [host:port]`. */
  authority: string;
  /** The `iss` of every token issued. */
  issuer: string;
  /** The self-signed certificate clients must trust (PEM). */
  caPem: string;
  /** Where that certificate is kept, when there is a data dir. */
  caPath?: string;
  /** True when this start generated the certificate: clients that trusted an earlier one must trust this one. */
  certificateCreated: boolean;
  apps: readonly AppRegistration[];
  verifier: TokenVerifier;
  /** Issues an access token directly, bypassing HTTP (for tests). Throws for an unknown app: a bug in the test. */
  issueToken(appId: string, audience: string, options?: IssueOptions): string;
  /** Grants app roles in tokens for an audience issued from now on (e.g. the BC emulator's own origin). */
  grantResourceRoles(audience: string, roles: readonly string[]): void;
  close(): Promise<void>;
}

const BUSINESS_CENTRAL_ROLES = ["API.ReadWrite.All", "Automation.ReadWrite.All"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const normalizeAudience = (aud: string): string => aud.replace(/\/+$/, "").toLowerCase();

async function loadOrCreateSigningKey(dataDir?: string): Promise<SigningKey> {
  const path = dataDir ? join(dataDir, "identity", "signing-key.pem") : undefined;
  if (path) {
    const pem = await readFile(path, "utf8").catch(() => null);
    if (pem) {
      try {
        return signingKeyFrom(pem);
      } catch {
        // unreadable key: make a new one below; tokens issued with the old one stop verifying, as after a rotation
      }
    }
  }
  const { privateKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  if (path) {
    await mkdir(join(dataDir!, "identity"), { recursive: true });
    await writeFile(`${path}.${process.pid}.tmp`, privateKey, { mode: 0o600 });
    await rename(`${path}.${process.pid}.tmp`, path);
  }
  return signingKeyFrom(privateKey);
}

function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function validResource(resource: string): boolean {
  if (GUID.test(resource)) return true;
  try {
    const url = new URL(resource);
    return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "api:";
  } catch {
    return false;
  }
}

export async function startIdentityEmulator(options: IdentityEmulatorOptions = {}): Promise<IdentityEmulator> {
  const host = options.host ?? "127.0.0.1";
  const tenantId = options.tenantId ?? DEMO_TENANT_ID;
  const clock = options.clock ?? { now: () => Date.now() };
  const [tls, signingKey] = await Promise.all([
    loadOrCreateTls(options.dataDir),
    loadOrCreateSigningKey(options.dataDir),
  ]);

  const appsById = new Map<string, AppRegistration>();
  for (const app of [...DEMO_APPS, ...(options.apps ?? [])]) appsById.set(app.clientId.toLowerCase(), app);
  const roles = new Map<string, readonly string[]>([
    [normalizeAudience(BUSINESS_CENTRAL_AUDIENCE), BUSINESS_CENTRAL_ROLES],
  ]);
  for (const [aud, r] of Object.entries(options.resourceRoles ?? {})) roles.set(normalizeAudience(aud), r);

  const app = Fastify({ https: { key: tls.key, cert: tls.cert }, logger: false });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Entra answers any other body as if the form fields were missing.
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, _body, done) => done(null, {}));

  // Known once listening (the port may be chosen by the OS); routes read them per request.
  let url = "";
  let authority = "";
  let issuer = "";

  const knownTenant = (tenant: string): boolean => tenant.toLowerCase() === tenantId.toLowerCase();

  function issue(registration: AppRegistration, audience: string, issueOptions: IssueOptions = {}): string {
    const now = Math.floor(clock.now() / 1000) + (issueOptions.offsetSeconds ?? 0);
    const user = issueOptions.user;
    const oid = user ? user.objectId : servicePrincipalObjectId(registration.clientId);
    const granted = user ? undefined : roles.get(normalizeAudience(audience));
    const payload: AccessTokenPayload = {
      aud: audience,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + (issueOptions.lifetimeSeconds ?? 3600),
      aio: randomUUID(),
      appid: registration.clientId,
      appidacr: "1",
      azp: registration.clientId,
      azpacr: "1",
      idp: `https://sts.windows.net/${tenantId}/`,
      oid,
      rh: randomUUID(),
      ...(granted ? { roles: [...granted] } : {}),
      ...(user ? { upn: user.userPrincipalName, scp: "user_impersonation" } : {}),
      sub: oid,
      tid: tenantId,
      uti: randomUUID().replace(/-/g, "").slice(0, 22),
      ver: "2.0",
    };
    return signJwt(payload, signingKey);
  }

  /**
   * The resource owner password credentials grant (ROPC), which the legacy connection string's user name and
   * password use (S20): a public client (no secret needed) signs a user in; the token is delegated (`upn`, `scp`).
   */
  function passwordGrant(
    form: Record<string, string | undefined>,
    clientId: string | undefined,
    fail: (kind: EntraErrorKind) => FastifyReply,
    reply: FastifyReply,
    correlationId: string,
  ): FastifyReply {
    if (!clientId) return fail({ kind: "missing_parameter", name: "client_id" });
    const registration = appsById.get(clientId.toLowerCase());
    if (!registration) return fail({ kind: "unknown_app", clientId, tenant: tenantId });
    for (const name of ["username", "password", "scope"] as const)
      if (!form[name]) return fail({ kind: "missing_parameter", name });
    const user = DEMO_USER_ACCOUNTS.find(
      (u) => u.userPrincipalName.toLowerCase() === String(form.username).toLowerCase(),
    );
    if (!user || !secretMatches(String(form.password), user.password)) return fail({ kind: "bad_user_credentials" });
    // Delegated scopes name the resource: `<resource>/user_impersonation` or `<resource>/.default`, plus the
    // OpenID scopes MSAL adds (openid profile offline_access).
    const resourceScope = String(form.scope)
      .split(/\s+/)
      .find((s) => s.includes("://"));
    if (!resourceScope) return fail({ kind: "scope_invalid", scope: String(form.scope) });
    const resource = resourceScope.replace(/\/(\.default|user_impersonation)$/, "");
    if (!validResource(resource)) return fail({ kind: "unknown_resource", resource, tenant: tenantId });
    const token = issue(registration, resource, { user });
    return reply.headers({ ...noStore, "client-request-id": correlationId }).send({
      token_type: "Bearer",
      scope: `${resource}/user_impersonation`,
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: token,
    });
  }

  function sendError(reply: FastifyReply, kind: EntraErrorKind, correlationId: string): FastifyReply {
    const e = entraError(kind, correlationId, new Date(clock.now()));
    return reply.code(e.status).headers(noStore).send(e.body);
  }

  app.addHook("onRequest", async (request, reply) => {
    const correlationId = (request.query as Record<string, string | undefined>)["client-request-id"];
    reply.header("x-ms-request-id", randomUUID());
    if (correlationId) reply.header("client-request-id", correlationId);
  });

  app.get<{ Params: { tenant: string } }>("/:tenant/v2.0/.well-known/openid-configuration", async (request, reply) => {
    const { tenant } = request.params;
    if (!knownTenant(tenant)) return sendError(reply, { kind: "tenant_not_found", tenant }, randomUUID());
    return {
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${url}/oidc/userinfo`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "azp", "appid", "roles", "ver"],
      tenant_region_scope: "EU",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    };
  });

  app.get<{ Params: { tenant: string } }>("/:tenant/discovery/v2.0/keys", async (request, reply) => {
    const { tenant } = request.params;
    if (!knownTenant(tenant) && tenant !== "common") {
      return sendError(reply, { kind: "tenant_not_found", tenant }, randomUUID());
    }
    return { keys: [jwkOf(signingKey)] };
  });

  // Instance discovery (MSAL calls it unless the authority is in knownAuthorities): this host is its own cloud.
  app.get("/:tenant/discovery/instance", async () => {
    const hostPort = new URL(url).host;
    return {
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: hostPort, preferred_cache: hostPort, aliases: [hostPort] }],
    };
  });

  app.post<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/token", async (request, reply) => {
    const correlationId =
      (request.query as Record<string, string | undefined>)["client-request-id"] ??
      (request.headers["client-request-id"] as string | undefined) ??
      randomUUID();
    const fail = (kind: EntraErrorKind) => sendError(reply, kind, correlationId);
    const { tenant } = request.params;
    if (!knownTenant(tenant)) return fail({ kind: "tenant_not_found", tenant });

    const form = (request.body ?? {}) as Record<string, string | undefined>;
    let clientId = form.client_id;
    let clientSecret = form.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? "");
    if (basic) {
      // client_secret_basic: url-encoded id and secret joined by a colon (RFC 6749 §2.3.1).
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        clientId ??= decodeURIComponent(decoded.slice(0, colon));
        clientSecret ??= decodeURIComponent(decoded.slice(colon + 1));
      }
    }

    if (!form.grant_type) return fail({ kind: "missing_parameter", name: "grant_type" });
    if (form.grant_type === "password") return passwordGrant(form, clientId, fail, reply, correlationId);
    if (form.grant_type !== "client_credentials") {
      return fail({ kind: "unsupported_grant_type", grantType: form.grant_type });
    }
    if (!clientId) return fail({ kind: "missing_parameter", name: "client_id" });
    const registration = appsById.get(clientId.toLowerCase());
    if (!registration) return fail({ kind: "unknown_app", clientId, tenant });
    if (!form.scope) return fail({ kind: "missing_parameter", name: "scope" });
    const scopes = form.scope.split(/\s+/).filter(Boolean);
    if (scopes.length !== 1) return fail({ kind: "scope_invalid", scope: form.scope });
    const scope = scopes[0];
    if (!scope.endsWith("/.default")) return fail({ kind: "scope_not_default", scope });
    const resource = scope.slice(0, -"/.default".length);
    if (!validResource(resource)) return fail({ kind: "unknown_resource", resource, tenant });
    // Secrets only: client assertions (certificates) are not emulated, so they count as a missing secret.
    if (!clientSecret) return fail({ kind: "missing_secret" });
    if (!secretMatches(clientSecret, registration.clientSecret)) {
      return fail({ kind: "bad_secret", clientId: registration.clientId });
    }

    const token = issue(registration, resource);
    return reply
      .headers({ ...noStore, "client-request-id": correlationId })
      .send({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token });
  });

  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("identity emulator: no TCP address");
  const publicHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  url = `https://${publicHost}:${address.port}`;
  authority = `${url}/${tenantId}`;
  issuer = `${authority}/v2.0`;

  const verifier = createTokenVerifier({
    issuers: [issuer],
    keys: new Map([[signingKey.kid, signingKey.publicKey]]),
    clock,
  });

  return {
    url,
    tenantId,
    authority,
    issuer,
    caPem: tls.cert,
    caPath: tls.certPath,
    certificateCreated: tls.created,
    apps: [...appsById.values()],
    verifier,
    issueToken(appId, audience, issueOptions) {
      const registration = appsById.get(appId.toLowerCase());
      if (!registration) throw new Error(`identity emulator: no app registered with client id ${appId}`);
      return issue(registration, audience, issueOptions);
    },
    grantResourceRoles(audience, granted) {
      roles.set(normalizeAudience(audience), granted);
    },
    close: () => app.close(),
  };
}

const noStore = { "cache-control": "no-store, no-cache", pragma: "no-cache" };
