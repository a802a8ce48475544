// Opaque paging/delta tokens: base64url JSON with an HMAC, so a tampered or foreign token is refused instead of
// silently returning the wrong page.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface TokenCodec {
  encode(payload: unknown): string;
  /** undefined when the token is malformed or its signature does not match. */
  decode<T>(token: string): T | undefined;
}

export function createTokenCodec(secret: string | Buffer = randomBytes(32)): TokenCodec {
  const sign = (body: string) => createHmac("sha256", secret).update(body).digest("base64url").slice(0, 22);
  return {
    encode(payload) {
      const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
      return `${body}.${sign(body)}`;
    },
    decode<T>(token: string): T | undefined {
      const dot = token.lastIndexOf(".");
      if (dot <= 0) return undefined;
      const body = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1));
      const expected = Buffer.from(sign(body));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as T;
      } catch {
        return undefined;
      }
    },
  };
}
