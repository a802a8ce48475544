// One token provider per principal and service: MSAL client credentials, the token kept and refreshed before it
// expires, concurrent callers sharing one acquisition.
import { createHash } from "node:crypto";
import { ConfidentialClientApplication, type Configuration, PublicClientApplication } from "@azure/msal-node";
import { Agent } from "undici";
import { CONNECTOR_AUTH_FAILED, CONNECTOR_AUTHORITY_UNREACHABLE } from "../../errors/codes/connectors.ts";
import { bcsyncError } from "../../errors/define.ts";
import { fail, ok, type Result } from "../result.ts";
import { redact } from "../secrets.ts";
import { undiciNetworkClient } from "./network-client.ts";

export interface ClientCertificate {
  /** SHA-256 thumbprint, hex. */
  thumbprintSha256: string;
  /** PEM private key. */
  privateKey: string;
  /** PEM public certificate chain, sent as x5c (subject name / issuer authentication). */
  x5c?: string;
}

export interface PrincipalCredentials {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: ClientCertificate;
  /**
   * A user account instead of the app's own identity: the legacy connection string's `Username`/`Password` (older
   * on-premises versions, S20), signed in with the resource owner password grant through a public client.
   */
  user?: { username: string; password: string };
}

export interface TokenProviderOptions extends PrincipalCredentials {
  /** `https://host[:port]` (the tenant id is appended) or a full authority URL with the tenant path. */
  authority?: string;
  /** OAuth scope, e.g. `https://org.crm.dynamics.com/.default`. */
  scope: string;
  /** PEM of an extra CA to trust for the authority (the identity emulator). */
  caPem?: string;
}

export interface TokenProvider {
  readonly clientId: string;
  getToken(): Promise<Result<string>>;
  /** Forget the token (after a 401) so the next call fetches a new one. */
  invalidate(): void;
  close(): Promise<void>;
}

const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

export function authorityUrl(authority: string | undefined, tenantId: string): string {
  const base = new URL(authority ?? DEFAULT_AUTHORITY_HOST);
  if (base.pathname === "/" || base.pathname === "") return `${base.origin}/${tenantId}`;
  return `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
}

/**
 * Tokens shared by every provider of this process with the same authority, app, credential and scope: a command
 * that builds several clients (or a long-running worker that builds them per job) asks the token endpoint once,
 * not once per client. Keyed by a hash of the credential and the trusted CA, never the credential itself.
 */
const sharedTokens = new Map<string, { token: string; expiresAt: number; refreshAt: number }>();

function sharedKey(options: TokenProviderOptions, authority: string): string {
  const credential = createHash("sha256")
    .update(options.clientSecret ?? "")
    .update("\u0000")
    .update(options.certificate?.thumbprintSha256 ?? "")
    .update(options.certificate?.privateKey ?? "")
    .update("\u0000")
    // A user account's token is that user's, never the app's or another user's.
    .update(options.user ? `${options.user.username}\u0000${options.user.password}` : "")
    .update("\u0000")
    // A provider that trusts another CA (or none) must reach the endpoint itself, and may fail to.
    .update(options.caPem ?? "")
    .digest("hex");
  return [authority, options.clientId, options.scope, credential].join("\u0000");
}

export function createTokenProvider(options: TokenProviderOptions, now: () => number = Date.now): TokenProvider {
  const authority = authorityUrl(options.authority, options.tenantId);
  const host = new URL(authority).host;
  const agent = new Agent({ connect: options.caPem ? { ca: options.caPem } : undefined, keepAliveTimeout: 10_000 });
  const networkClient = undiciNetworkClient(agent);
  const config: Configuration = {
    auth: {
      clientId: options.clientId,
      authority,
      clientSecret: options.clientSecret,
      clientCertificate: options.certificate
        ? {
            thumbprintSha256: options.certificate.thumbprintSha256,
            privateKey: options.certificate.privateKey,
            x5c: options.certificate.x5c,
          }
        : undefined,
      knownAuthorities: host === "login.microsoftonline.com" ? undefined : [host],
    },
    system: { networkClient },
  };
  const secrets = [options.clientSecret, options.certificate?.privateKey, options.user?.password];
  let app: ConfidentialClientApplication | undefined;
  let publicApp: PublicClientApplication | undefined;

  /** One token: the app's own (client credentials), or the configured user's (password grant). */
  async function request() {
    if (options.user) {
      publicApp ??= new PublicClientApplication({
        auth: { ...config.auth, clientSecret: undefined },
        system: config.system,
      });
      // MSAL marks the password grant deprecated (it cannot do MFA); it is what the connection string asks for.
      return publicApp.acquireTokenByUsernamePassword({
        scopes: [options.scope],
        username: options.user.username,
        password: options.user.password,
      });
    }
    app ??= new ConfidentialClientApplication(config);
    return app.acquireTokenByClientCredential({ scopes: [options.scope], skipCache: true });
  }
  const key = sharedKey(options, authority);
  let cached: { token: string; expiresAt: number; refreshAt: number } | undefined;
  let inflight: Promise<Result<string>> | undefined;

  async function acquire(): Promise<Result<string>> {
    networkClient.transportFailures.clear();
    try {
      const result = await request();
      if (!result?.accessToken) throw new Error("the token endpoint returned no access token");
      const issuedAt = now();
      const expiresAt = result.expiresOn ? result.expiresOn.getTime() : issuedAt + 3600_000;
      const lifetime = Math.max(0, expiresAt - issuedAt);
      // Refresh 5 minutes early, or after three quarters of a short lifetime.
      const refreshAt = expiresAt - Math.min(300_000, lifetime / 4);
      cached = { token: result.accessToken, expiresAt, refreshAt };
      sharedTokens.set(key, cached);
      return ok(result.accessToken);
    } catch (err) {
      // Never answered (down, unknown host, untrusted certificate): the network's failure, not a refused login.
      const unreachable = networkClient.transportFailures.last();
      if (unreachable) {
        return fail(
          bcsyncError(CONNECTOR_AUTHORITY_UNREACHABLE, {
            authority,
            url: unreachable.url,
            reason: redact(unreachable.reason, secrets),
          }),
        );
      }
      const reason = redact(authFailureReason(err), secrets);
      return fail(bcsyncError(CONNECTOR_AUTH_FAILED, { clientId: options.clientId, authority, reason }));
    }
  }

  return {
    clientId: options.clientId,
    async getToken() {
      const t = now();
      if (!cached || t >= cached.refreshAt) {
        const shared = sharedTokens.get(key);
        if (shared && t < shared.refreshAt) cached = shared;
      }
      if (cached && t < cached.refreshAt) return ok(cached.token);
      if (!inflight) {
        inflight = acquire().finally(() => {
          inflight = undefined;
        });
      }
      const result = await inflight;
      // A refresh that failed while the old token is still valid does not stop the work.
      if (!result.ok && cached && now() < cached.expiresAt) return ok(cached.token);
      return result;
    },
    invalidate() {
      // Refused by the service: no provider of this process may hand it out again.
      if (cached && sharedTokens.get(key) === cached) sharedTokens.delete(key);
      cached = undefined;
    },
    close() {
      return agent.close();
    },
  };
}

/**
 * The reason of a refused login, each part once. MSAL wraps the token endpoint's answer as
 * `<code>: Error(s): <numbers> - Timestamp: … - Description: <description> - Correlation ID: … - Trace ID: …`,
 * and Entra's description already ends with its own Trace ID, Correlation ID and Timestamp, so the raw message
 * said them twice (issue 14.5). Kept: the code and the description; the ids are added only when the description
 * lacks them. Anything else is passed on as it is.
 */
export function authFailureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m =
    /^([\w.]+): Error\(s\): [\d, ]*- Timestamp: .+? - Description: ([\s\S]+?) - Correlation ID: ([\w-]+) - Trace ID: ([\w-]+)\.?$/.exec(
      message,
    );
  if (!m) return message;
  const [, code, description, correlation, trace] = m;
  const ids = [
    description.includes(trace) ? "" : ` Trace ID: ${trace}`,
    description.includes(correlation) ? "" : ` Correlation ID: ${correlation}`,
  ].join("");
  return `${code}: ${description.trim()}${ids}`;
}
