// Passwords, sessions and API tokens: argon2id for passwords (slow on purpose, salted); SHA-256 for session ids
// and tokens, which are 256-bit random values (a fast hash loses nothing there, and lookups stay indexed).

import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

export const hashPassword = (password: string): Promise<string> => hash(password);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}

/** A random value for a session id or token, URL-safe. */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString("base64url");

/** A readable generated password (printed once): 20 characters from a 256-bit random value. */
export const generatePassword = (): string => randomBytes(15).toString("base64url");

export const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");
