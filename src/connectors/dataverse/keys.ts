// Record keys in Dataverse URLs: a GUID unquoted (`accounts(00000000-…)`), alternate keys as named, quoted
// values (`accounts(accountnumber='A-1')`, composite `x(k1='a',k2=5)`).

export type RecordKey = string | Readonly<Record<string, string | number | boolean>>;

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function normalizeGuid(value: string): string | undefined {
  const m = GUID.exec(value.trim());
  return m ? m[1].toLowerCase() : undefined;
}

/** `(guid)` or `(name='value',…)`; string values have `'` doubled and URL-reserved characters encoded. */
export function keySegment(key: RecordKey): string {
  if (typeof key === "string") {
    const guid = normalizeGuid(key);
    if (!guid) throw new Error(`not a GUID key: ${key}`);
    return `(${guid})`;
  }
  const parts = Object.entries(key).map(([name, value]) => `${name}=${keyLiteral(value)}`);
  if (parts.length === 0) throw new Error("an alternate key needs at least one column");
  return `(${parts.join(",")})`;
}

function keyLiteral(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  return `'${encodeURIComponent(value.replace(/'/g, "''")).replace(/%20/g, "%20")}'`;
}

export function describeKey(key: RecordKey): string {
  return typeof key === "string"
    ? key
    : Object.entries(key)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
}

/** The GUID at the end of an `OData-EntityId` / `Location` URL. */
export function idFromEntityUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s*$/i.exec(url);
  return m ? m[1].toLowerCase() : undefined;
}

/** `"<navigation property>@odata.bind": "/<set>(<key>)"` for a lookup. */
export function bind(navigationProperty: string, entitySet: string, key: RecordKey): Record<string, string> {
  return { [`${navigationProperty}@odata.bind`]: `/${entitySet}${keySegment(key)}` };
}
