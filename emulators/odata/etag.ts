// Weak ETags over a row version number: `W/"<version>"`, as Dataverse sends them.

export function weakEtag(version: number | string): string {
  return `W/"${version}"`;
}

/** The entity tags listed in an If-Match / If-None-Match header; `*` stays `*`. */
export function parseEtagHeader(header: string | undefined): string[] {
  if (!header) return [];
  const tags: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/g;
  for (const m of header.matchAll(re)) tags.push(m[1]);
  if (tags.length === 0 && header.trim()) tags.push(header.trim());
  return tags;
}

/** Weak comparison (RFC 7232): W/"1" matches "1". */
export function etagMatches(header: string | undefined, current: string | undefined): boolean {
  const tags = parseEtagHeader(header);
  if (tags.includes("*")) return current !== undefined;
  if (current === undefined) return false;
  const strip = (t: string) => t.replace(/^W\//, "");
  return tags.some((t) => strip(t) === strip(current));
}
