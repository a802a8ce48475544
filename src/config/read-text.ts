// Configuration and mapping files are UTF-8. Node's "utf8" decoding turns bytes that are not UTF-8 into U+FFFD
// without a word, so a mangled name or filter would be stored as if it were meant: read them strictly instead and
// say where the first bad byte is.
import { readFileSync } from "node:fs";

export type TextRead = { ok: true; text: string } | { ok: false; reason: string };

export function readUtf8File(path: string): TextRead {
  const bytes = readFileSync(path);
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const line = (at: number) => bytes.subarray(0, at).filter((b) => b === 0x0a).length + 1;
    const at = firstInvalidUtf8(bytes);
    return { ok: false, reason: `it is not valid UTF-8 (byte ${at}, line ${line(at)}); save it as UTF-8` };
  }
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let offset = 0;
  for (const char of bytes.toString("utf8")) {
    const encoded = Buffer.from(char, "utf8");
    // A replacement character that is not spelled EF BF BD in the file stands for bytes that are not UTF-8.
    if (char === "\uFFFD" && !bytes.subarray(offset, offset + 3).equals(encoded)) return offset;
    offset += encoded.length;
  }
  return offset;
}
