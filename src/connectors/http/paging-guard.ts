// One guard for every paged read of both connectors (issue 14): a service, a gateway or a proxy that hands out a
// nextLink back to a page already read would keep a read going forever, and one that points at another host would
// send the bearer token there. A link is checked before it is followed; a bad one ends the read with a reason.

export type LinkVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export class PagingGuard {
  private readonly followed = new Set<string>();

  /** `root`: the service root the first request went to; links must stay on its origin. */
  constructor(private readonly root: URL) {}

  /**
   * Whether `link` (absolute, or relative to the root) may be followed: a URL on the service's origin that was not
   * followed before in this read. Does not record it; `follow` does.
   */
  check(link: string): LinkVerdict {
    let url: URL;
    try {
      url = new URL(link, this.root);
    } catch {
      return { ok: false, reason: "the nextLink is not a URL" };
    }
    if (url.origin !== this.root.origin) {
      return { ok: false, reason: `the nextLink points at another host (${url.host})` };
    }
    if (this.followed.has(url.href)) {
      return { ok: false, reason: "the nextLink leads back to a page already read (a paging loop)" };
    }
    return { ok: true, url };
  }

  /** Records a page request; the first one (the read's own URL) is recorded without a check. */
  follow(link: string): void {
    this.followed.add(new URL(link, this.root).href);
  }

  /** Pages requested so far. */
  get pages(): number {
    return this.followed.size;
  }
}

/**
 * A collection page's rows and nextLink, checked: `value` an array (each row is the reader's to check), the link
 * one the guard allows.
 */
export function checkPage(
  body: unknown,
  guard: PagingGuard,
): { ok: true; rows: Record<string, unknown>[]; next?: string } | { ok: false; reason: string } {
  if (body === null || typeof body !== "object") return { ok: false, reason: "the answer is not a JSON object" };
  const { value, "@odata.nextLink": next } = body as { value?: unknown; "@odata.nextLink"?: unknown };
  if (!Array.isArray(value)) return { ok: false, reason: "the page has no value array" };
  if (next !== undefined && typeof next !== "string") return { ok: false, reason: "the nextLink is not a string" };
  if (next !== undefined) {
    // The page whose link is bad is refused with it: an answer that is wrong in one part is not trusted in another.
    const verdict = guard.check(next);
    if (!verdict.ok) return verdict;
  }
  return { ok: true, rows: value as Record<string, unknown>[], ...(next !== undefined ? { next } : {}) };
}
