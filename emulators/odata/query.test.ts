import { describe, expect, it } from "vitest";
import { etagMatches, weakEtag } from "./etag.ts";
import type { EvalContext } from "./evaluate.ts";
import { evaluateFilter } from "./evaluate.ts";
import { parseFilter } from "./filter.ts";
import { createTokenCodec } from "./paging.ts";
import { filterRows, keyValues, orderRows, parseQueryString, projectRow } from "./query.ts";

describe("query options", () => {
  it("parses select, filter, orderby, top, count and aliases", () => {
    const q = parseQueryString(
      "$select=name,revenue&$filter=" +
        encodeURIComponent("name eq 'a&b' and revenue gt @p1") +
        "&$orderby=revenue desc,name&$top=5&$count=true&@p1=10",
    );
    if (!q.ok) throw new Error(q.message);
    expect(q.options.select).toEqual(["name", "revenue"]);
    expect(q.options.filterText).toBe("name eq 'a&b' and revenue gt @p1");
    expect(q.options.orderby).toEqual([
      { path: ["revenue"], descending: true },
      { path: ["name"], descending: false },
    ]);
    expect(q.options.top).toBe(5);
    expect(q.options.count).toBe(true);
    expect(q.options.present).toEqual(["$select", "$filter", "$orderby", "$top", "$count"]);
  });

  it("parses nested $expand options", () => {
    const q = parseQueryString(
      "$expand=" +
        encodeURIComponent(
          "primarycontactid($select=fullname),contact_customer_accounts($select=fullname;$filter=statecode eq 0;$orderby=fullname;$top=3)",
        ),
    );
    if (!q.ok) throw new Error(q.message);
    const [single, many] = q.options.expand ?? [];
    expect(single.property).toBe("primarycontactid");
    expect(single.options.select).toEqual(["fullname"]);
    expect(many.property).toBe("contact_customer_accounts");
    expect(many.options.top).toBe(3);
    expect(many.options.filterText).toBe("statecode eq 0");
    expect(many.options.orderby).toEqual([{ path: ["fullname"], descending: false }]);
  });

  it("rejects unknown and malformed options", () => {
    expect(parseQueryString("$foo=1").ok).toBe(false);
    expect(parseQueryString("$top=-1").ok).toBe(false);
    expect(parseQueryString("$count=yes").ok).toBe(false);
    expect(parseQueryString("$orderby=name sideways").ok).toBe(false);
    const skip = parseQueryString("$skip=10");
    expect(skip.ok && skip.options.present).toEqual(["$skip"]);
  });

  it("orders by several keys with a stable tiebreak on the key", () => {
    const ctx: EvalContext = { resolve: (r, p) => r[p[0]], caseInsensitive: true };
    const rows = [
      { id: "3", city: "b", n: 1 },
      { id: "1", city: "B", n: 1 },
      { id: "2", city: "a", n: null },
      { id: "0", city: "a", n: 2 },
    ];
    const sorted = orderRows(
      rows,
      [
        { path: ["city"], descending: false },
        { path: ["n"], descending: true },
      ],
      ctx,
      "id",
    );
    expect(sorted.map((r) => r.id)).toEqual(["0", "2", "1", "3"]);
  });

  it("filters by a list of values with the rows the whole filter keeps, case-sensitive or not", () => {
    const rows = [
      { id: "A1", city: "Oslo" },
      { id: "a1", city: "Bergen" },
      { id: "b2", city: "oslo" },
      { id: "c3", city: "Oslo" },
      { id: 7, city: "Oslo" },
      { city: "Oslo" },
    ];
    for (const caseInsensitive of [true, false]) {
      const ctx: EvalContext = { resolve: (r, p) => r[p[0]], caseInsensitive };
      for (const text of [
        "id eq 'a1' or id eq 'B2' or id eq 'a1'",
        "(id eq 'A1' or id eq 'c3') and city eq 'Oslo'",
        "id eq 'x9'",
      ]) {
        const parsed = parseFilter(text);
        if (!parsed.ok) throw new Error(parsed.message);
        const everyRow = rows.filter((row) => evaluateFilter(parsed.expr, row, ctx));
        expect(filterRows(rows, parsed.expr, ctx), `${text} (case-insensitive: ${caseInsensitive})`).toEqual(everyRow);
      }
    }
    // The lists above keep rows at all (the comparison is not vacuous).
    const parsed = parseFilter("id eq 'a1' or id eq 'B2'");
    if (!parsed.ok) throw new Error(parsed.message);
    expect(filterRows(rows, parsed.expr, { resolve: (r, p) => r[p[0]], caseInsensitive: true })).toHaveLength(3);
  });

  it("projects selected columns plus the always-kept ones", () => {
    expect(projectRow({ id: 1, a: 2, b: 3 }, ["b"], ["id"])).toEqual({ id: 1, b: 3 });
    expect(projectRow({ id: 1, a: 2 }, undefined)).toEqual({ id: 1, a: 2 });
  });
});

describe("tokens and etags", () => {
  it("round-trips signed tokens and refuses tampered ones", () => {
    const codec = createTokenCodec("secret");
    const token = codec.encode({ last: "abc", page: 2 });
    expect(codec.decode(token)).toEqual({ last: "abc", page: 2 });
    expect(codec.decode(`${token.slice(0, -2)}xx`)).toBeUndefined();
    expect(createTokenCodec("other").decode(token)).toBeUndefined();
    expect(codec.decode("garbage")).toBeUndefined();
  });

  it("compares weak etags", () => {
    expect(weakEtag(42)).toBe('W/"42"');
    expect(etagMatches('W/"42"', 'W/"42"')).toBe(true);
    expect(etagMatches('"42"', 'W/"42"')).toBe(true);
    expect(etagMatches('W/"41", W/"42"', 'W/"42"')).toBe(true);
    expect(etagMatches('W/"41"', 'W/"42"')).toBe(false);
    expect(etagMatches("*", 'W/"1"')).toBe(true);
    expect(etagMatches("*", undefined)).toBe(false);
  });
});

describe("keyValues", () => {
  const parsed = (text: string) => {
    const r = parseFilter(text);
    if (!r.ok) throw new Error(r.message);
    return r.expr;
  };
  it("finds the ids of an or-list of key equalities, alone or beside an and", () => {
    expect(keyValues(parsed("accountid eq 'a' or accountid eq 'b' or 'c' eq accountid"), "accountid")?.sort()).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(keyValues(parsed("statecode eq 0 and (accountid eq 'a' or accountid eq 'b')"), "accountid")?.sort()).toEqual(
      ["a", "b"],
    );
  });
  it("gives up on anything else, so the filter is evaluated on every row", () => {
    expect(keyValues(parsed("accountid eq 'a' or name eq 'b'"), "accountid")).toBeUndefined();
    expect(keyValues(parsed("accountid ne 'a'"), "accountid")).toBeUndefined();
    expect(keyValues(parsed("accountid eq null"), "accountid")).toBeUndefined();
    expect(keyValues(undefined, "accountid")).toBeUndefined();
  });
});
