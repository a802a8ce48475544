import { describe, expect, it } from "vitest";
import { decodeJson, decodeText, firstInvalidUtf8 } from "./decode.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("decodeText", () => {
  it("decodes UTF-8, multi-byte characters and a leading BOM", () => {
    expect(decodeText(Buffer.from("Zoë · 東京 · 😀"))).toEqual({ ok: true, value: "Zoë · 東京 · 😀" });
    expect(decodeText(Buffer.from("\uFEFF{}"))).toEqual({ ok: true, value: "{}" });
  });

  it("refuses bytes that are not UTF-8 instead of replacing them, and says where they start", () => {
    // "ab" then Latin-1 é (0xe9), as a proxy re-encoding an answer would send it.
    expect(decodeText(bytes(0x61, 0x62, 0xe9, 0x63))).toEqual({
      ok: false,
      reason: "the body is not UTF-8 (invalid bytes at offset 2)",
    });
    // A multi-byte character cut at the end of the body (a truncated answer).
    const cut = Buffer.from("ok 😀").subarray(0, 5);
    expect(decodeText(cut)).toMatchObject({ ok: false, reason: "the body is not UTF-8 (invalid bytes at offset 3)" });
  });
});

describe("firstInvalidUtf8", () => {
  it("finds overlong forms, surrogates and stray continuation bytes", () => {
    expect(firstInvalidUtf8(bytes(0x41, 0xc0, 0x80))).toBe(1); // overlong NUL
    expect(firstInvalidUtf8(bytes(0x41, 0x42, 0xed, 0xa0, 0x80))).toBe(2); // UTF-16 surrogate U+D800
    expect(firstInvalidUtf8(bytes(0x80))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from("fine"))).toBe(4);
  });
});

describe("decodeJson", () => {
  it("parses JSON", () => {
    expect(decodeJson(Buffer.from('{"value":[{"id":"x"}]}'))).toEqual({ ok: true, value: { value: [{ id: "x" }] } });
  });

  it("names a truncated body without quoting its content", () => {
    const body = Buffer.from('{"value":[{"name":"Secret Customer"');
    const decoded = decodeJson(body);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.reason).toMatch(/^the body is not JSON \(.+; 35 bytes\)$/);
    expect(decoded.reason).not.toContain("Secret");
  });

  it("refuses an empty body and a body that is not UTF-8", () => {
    expect(decodeJson(Buffer.alloc(0))).toEqual({ ok: false, reason: "the body is empty where JSON was expected" });
    expect(decodeJson(bytes(0x7b, 0x22, 0xff, 0x22, 0x7d))).toEqual({
      ok: false,
      reason: "the body is not UTF-8 (invalid bytes at offset 2)",
    });
  });
});
