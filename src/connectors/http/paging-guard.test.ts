import { describe, expect, it } from "vitest";
import { checkPage, PagingGuard } from "./paging-guard.ts";

const root = new URL("https://org.example.com/api/data/v9.2/");

describe("PagingGuard", () => {
  it("allows a link on the service's origin that was not followed, relative or absolute", () => {
    const guard = new PagingGuard(root);
    guard.follow("accounts?$select=name");
    expect(guard.check("accounts?$skiptoken=2").ok).toBe(true);
    expect(guard.check("https://org.example.com/api/data/v9.2/accounts?$skiptoken=2").ok).toBe(true);
    expect(guard.pages).toBe(1);
  });

  it("refuses a link back to a page already read, however it is spelled", () => {
    const guard = new PagingGuard(root);
    guard.follow("accounts?$skiptoken=1");
    guard.follow("https://org.example.com/api/data/v9.2/accounts?$skiptoken=2");
    for (const link of ["accounts?$skiptoken=2", "https://org.example.com/api/data/v9.2/accounts?$skiptoken=1"]) {
      expect(guard.check(link)).toEqual({
        ok: false,
        reason: "the nextLink leads back to a page already read (a paging loop)",
      });
    }
  });

  it("refuses a link to another host, another port or another scheme (the token would go there)", () => {
    const guard = new PagingGuard(root);
    guard.follow("accounts");
    for (const [link, host] of [
      ["https://evil.example.net/api/data/v9.2/accounts?$skiptoken=2", "evil.example.net"],
      ["https://org.example.com:8443/api/data/v9.2/accounts", "org.example.com:8443"],
      ["http://org.example.com/api/data/v9.2/accounts", "org.example.com"],
    ] as const) {
      expect(guard.check(link)).toEqual({ ok: false, reason: `the nextLink points at another host (${host})` });
    }
  });

  it("refuses a link that is not a URL", () => {
    expect(new PagingGuard(root).check("http://[::1")).toEqual({ ok: false, reason: "the nextLink is not a URL" });
  });
});

describe("checkPage", () => {
  it("hands out the rows and an allowed link", () => {
    const guard = new PagingGuard(root);
    guard.follow("accounts");
    expect(checkPage({ value: [{ a: 1 }], "@odata.nextLink": "accounts?p=2" }, guard)).toEqual({
      ok: true,
      rows: [{ a: 1 }],
      next: "accounts?p=2",
    });
    expect(checkPage({ value: [] }, guard)).toEqual({ ok: true, rows: [] });
  });

  it("refuses a page without a value array, a link that is not a string, and a page whose link loops", () => {
    const guard = new PagingGuard(root);
    guard.follow("accounts");
    expect(checkPage(null, guard)).toEqual({ ok: false, reason: "the answer is not a JSON object" });
    expect(checkPage({ value: { a: 1 } }, guard)).toEqual({ ok: false, reason: "the page has no value array" });
    expect(checkPage({ value: [], "@odata.nextLink": 7 }, guard)).toEqual({
      ok: false,
      reason: "the nextLink is not a string",
    });
    expect(checkPage({ value: [{ a: 1 }], "@odata.nextLink": "accounts" }, guard)).toEqual({
      ok: false,
      reason: "the nextLink leads back to a page already read (a paging loop)",
    });
  });
});
