// Object ids of the apps' service principals: derived from the client id so every emulator (and every restart)
// agrees on them without sharing state.

import { createHash } from "node:crypto";

/** A hash of the client id shaped as a version-4 GUID: distinct from the client id, the same on every start. */
export function servicePrincipalObjectId(clientId: string): string {
  const bytes = createHash("sha256").update(`service-principal:${clientId.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = bytes.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
