// RS256 JSON Web Tokens with node:crypto only: signing for the token endpoint, and the `TokenVerifier` the API
// emulators call on every request (signature, expiry, not-before, audience, issuer), as Entra's resource
// servers do. Times in claims are epoch seconds (JWT); `TokenClaims.expiresAt` is epoch milliseconds.

import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import type { TokenCheck, TokenRejection, TokenVerifier } from "../contracts.ts";
import type { Clock } from "../runtime/limits.ts";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface Jwk {
  kty: "RSA";
  use: "sig";
  alg: "RS256";
  kid: string;
  n: string;
  e: string;
}

/** The claims the identity emulator puts in an access token (an app-only token, as Entra issues it). */
export interface AccessTokenPayload {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  aio: string;
  appid: string;
  appidacr: "1";
  azp: string;
  azpacr: "1";
  idp: string;
  oid: string;
  rh: string;
  roles?: string[];
  /** Delegated (user) tokens: the user's sign-in name and the delegated scopes. */
  upn?: string;
  scp?: string;
  sub: string;
  tid: string;
  uti: string;
  ver: "2.0";
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  // RFC 7638 thumbprint: members in lexicographic order, no whitespace.
  return createHash("sha256")
    .update(JSON.stringify({ e: jwk.e, kty: "RSA", n: jwk.n }))
    .digest("base64url");
}

export function signingKeyFrom(privatePem: string): SigningKey {
  const publicKey = createPublicKey(privatePem);
  return {
    kid: keyIdOf(publicKey),
    privateKey: createPrivateKey(privatePem),
    publicKey,
  };
}

export function jwkOf(key: SigningKey): Jwk {
  const jwk = key.publicKey.export({ format: "jwk" });
  return { kty: "RSA", use: "sig", alg: "RS256", kid: key.kid, n: String(jwk.n), e: String(jwk.e) };
}

export function signJwt(payload: object, key: SigningKey): string {
  const header = { typ: "JWT", alg: "RS256", kid: key.kid, x5t: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(input), key.privateKey);
  return `${input}.${b64url(signature)}`;
}

export interface VerifierOptions {
  /** Accepted `iss` values. */
  issuers: readonly string[];
  /** Public keys by `kid`. */
  keys: ReadonlyMap<string, KeyObject>;
  clock?: Clock;
  /** Tolerated clock difference for exp/nbf, seconds; Microsoft.IdentityModel's default is 300. */
  clockSkewSeconds?: number;
}

const normalizeAudience = (aud: string): string => aud.replace(/\/+$/, "").toLowerCase();

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const clock = options.clock ?? { now: () => Date.now() };
  const skew = options.clockSkewSeconds ?? 300;
  const issuers = new Set(options.issuers);
  // Signature checks dominate a request's cost; a client reuses its token for an hour, so remember the tokens
  // whose signature held (claims are still checked on every request, so expiry and audience stay exact).
  const verifiedTokens = new Map<string, Partial<AccessTokenPayload>>();

  function signedPayload(
    token: string,
  ): { ok: true; payload: Partial<AccessTokenPayload> } | { ok: false; reason: TokenRejection; detail: string } {
    const known = verifiedTokens.get(token);
    if (known) return { ok: true, payload: known };
    const parts = token.split(".");
    if (parts.length !== 3) return { ok: false, reason: "malformed", detail: "The token is not a JWT." };
    let header: { alg?: unknown; kid?: unknown };
    let payload: Partial<AccessTokenPayload>;
    try {
      header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
      payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
      return { ok: false, reason: "malformed", detail: "The token's header or payload is not JSON." };
    }
    if (typeof payload !== "object" || payload === null || typeof header !== "object" || header === null) {
      return { ok: false, reason: "malformed", detail: "The token's header or payload is not an object." };
    }
    if (header.alg !== "RS256") {
      return { ok: false, reason: "bad_signature", detail: `Signing algorithm ${String(header.alg)} is not accepted.` };
    }
    const key = typeof header.kid === "string" ? options.keys.get(header.kid) : undefined;
    if (!key) return { ok: false, reason: "bad_signature", detail: "The token's signing key is not known." };
    const signed = verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], "base64url"));
    if (!signed) return { ok: false, reason: "bad_signature", detail: "The token's signature is invalid." };
    if (verifiedTokens.size >= 1000) verifiedTokens.clear();
    verifiedTokens.set(token, payload);
    return { ok: true, payload };
  }

  return {
    verify(authorization, audiences): TokenCheck {
      if (!authorization) return { ok: false, reason: "missing", detail: "No Authorization header." };
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) return { ok: false, reason: "malformed", detail: "Authorization is not a Bearer token." };
      const verified = signedPayload(match[1]);
      if (!verified.ok) return verified;
      const payload = verified.payload;

      const { exp, nbf, aud, iss, tid, oid } = payload;
      const appId = payload.appid ?? payload.azp;
      if (typeof exp !== "number" || typeof aud !== "string" || typeof iss !== "string" || !appId || !tid || !oid) {
        return { ok: false, reason: "malformed", detail: "The token lacks exp, aud, iss, appid, tid or oid." };
      }
      const nowSeconds = clock.now() / 1000;
      if (nowSeconds >= exp + skew) {
        return { ok: false, reason: "expired", detail: `The token expired at ${new Date(exp * 1000).toISOString()}.` };
      }
      if (typeof nbf === "number" && nowSeconds < nbf - skew) {
        return {
          ok: false,
          reason: "not_yet_valid",
          detail: `The token is not valid before ${new Date(nbf * 1000).toISOString()}.`,
        };
      }
      if (!issuers.has(iss)) return { ok: false, reason: "wrong_issuer", detail: `The issuer ${iss} is not trusted.` };
      const wanted = normalizeAudience(aud);
      if (!audiences.some((a) => normalizeAudience(a) === wanted)) {
        return {
          ok: false,
          reason: "wrong_audience",
          detail: `The audience ${aud} is not one of ${audiences.join(", ")}.`,
        };
      }
      return {
        ok: true,
        claims: { appId, tenantId: tid, audience: aud, objectId: oid, expiresAt: exp * 1000, roles: payload.roles },
      };
    },
  };
}
