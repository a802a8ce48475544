// Entity references in URLs: `accounts(<guid>)`, `accounts(accountnumber='A-1')`, composite keys.
import { type Literal, parseLiteralText } from "../odata/filter.ts";
import { splitTopLevel } from "../odata/query.ts";

export type KeySpec = { kind: "id"; id: string } | { kind: "alternate"; values: Record<string, Literal> };

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

export function isGuid(text: string): boolean {
  return GUID.test(text);
}

export function normalizeGuid(text: string): string | undefined {
  const m = GUID.exec(text.trim());
  return m ? m[1].toLowerCase() : undefined;
}

/** Parses the text between the parentheses of a key segment; undefined when malformed. */
export function parseKey(text: string): KeySpec | undefined {
  const id = normalizeGuid(text);
  if (id) return { kind: "id", id };
  const values: Record<string, Literal> = {};
  for (const part of splitTopLevel(text, ",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    try {
      values[part.slice(0, eq).trim()] = parseLiteralText(part.slice(eq + 1));
    } catch {
      return undefined;
    }
  }
  return Object.keys(values).length ? { kind: "alternate", values } : undefined;
}

/** Splits `set(key)` into its parts; `key` undefined when there are no parentheses. */
export function splitKeySegment(segment: string): { name: string; key?: string } | undefined {
  const open = segment.indexOf("(");
  if (open < 0) return { name: segment };
  if (!segment.endsWith(")")) return undefined;
  return { name: segment.slice(0, open), key: segment.slice(open + 1, -1) };
}

/** Splits a service-relative path into segments, keeping parentheses (keys may contain `/` inside quotes). */
export function splitPath(path: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const c of path) {
    if (c === "'" && depth > 0) quoted = !quoted;
    if (!quoted && c === "(") depth++;
    if (!quoted && c === ")") depth--;
    if (c === "/" && depth === 0 && !quoted) {
      segments.push(current);
      current = "";
    } else current += c;
  }
  segments.push(current);
  return segments.filter((s, i) => s.length > 0 || i === 0);
}
