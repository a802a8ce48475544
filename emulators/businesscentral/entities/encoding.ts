// Wire encodings BC uses: enum members as OData identifiers (`Non-Inventory` → `Non_x002D_Inventory`, a blank
// member → `_x0020_`) and the opaque ETag (`W/"<base64 of '44;<hash>1;00;'>"`).

import { createHash } from "node:crypto";

export function encodeEnum(value: string): string {
  return value.replace(/[^A-Za-z0-9_]/g, (ch) => `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`);
}

export function decodeEnum(value: string): string {
  return value.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Finds the member `input` names, whether sent encoded or plain, ignoring case. */
export function matchEnum(input: string, values: readonly string[]): string | undefined {
  const plain = decodeEnum(input);
  return (
    values.find((v) => v === plain) ??
    values.find((v) => v.toLowerCase() === plain.toLowerCase()) ??
    (plain.trim() === "" ? values.find((v) => v.trim() === "") : undefined)
  );
}

export function bcEtag(id: string, version: unknown): string {
  const hash = createHash("sha256")
    .update(`${id}:${String(version)}`)
    .digest("base64");
  return `W/"${Buffer.from(`'${hash.length};${hash}1;00;'`).toString("base64")}"`;
}
