import { describe, expect, it } from "vitest";
import { CRM_FUNCTIONS } from "./crm-functions.ts";
import { type EvalContext, evaluateFilter, FilterEvalError, type Row } from "./evaluate.ts";
import { filterPaths, orAcrossFields, parseFilter } from "./filter.ts";

const NOW = new Date("2024-06-15T12:00:00Z");
const USER = "a1b2c3d4-0002-4000-8000-000000000001";

const rows: Row[] = [
  {
    id: "a",
    name: "O'Bryan Ltd",
    revenue: 5000,
    creditonhold: false,
    statecode: 0,
    createdon: "2024-06-15T08:00:00Z",
    _ownerid_value: USER,
    primarycontact: { fullname: "Ann Smith" },
  },
  {
    id: "b",
    name: "Contoso",
    revenue: null,
    creditonhold: true,
    statecode: 1,
    createdon: "2024-06-14T23:59:00Z",
    _ownerid_value: "11111111-2222-3333-4444-555555555555",
    primarycontact: null,
  },
  {
    id: "c",
    name: "Fabrikam 100% Co",
    revenue: 120000.5,
    creditonhold: false,
    statecode: 0,
    createdon: "2024-05-01T00:00:00Z",
    _ownerid_value: USER,
    primarycontact: { fullname: "Bob Jones" },
  },
];

const ctx: EvalContext = {
  resolve: (row, path) => {
    let v: unknown = row;
    for (const p of path) v = v && typeof v === "object" ? (v as Row)[p] : undefined;
    return v;
  },
  caseInsensitive: true,
  likeWildcards: true,
  functions: CRM_FUNCTIONS,
  now: () => NOW,
  userId: USER,
};

function ids(filter: string, aliases: Record<string, string> = {}): string[] {
  const parsed = parseFilter(filter, aliases);
  if (!parsed.ok) throw new Error(parsed.message);
  return rows.filter((r) => evaluateFilter(parsed.expr, r, ctx)).map((r) => r.id as string);
}

// Documented shapes from Dataverse's query-data / filter-rows pages, evaluated against the rows above.
const cases: [string, string[]][] = [
  ["name eq 'O''Bryan Ltd'", ["a"]],
  ["name eq 'o''bryan ltd'", ["a"]],
  ["revenue eq null", ["b"]],
  ["revenue ne null", ["a", "c"]],
  ["revenue gt 5000", ["c"]],
  ["revenue ge 5000", ["a", "c"]],
  ["revenue lt 100000 and statecode eq 0", ["a"]],
  ["statecode eq 1 or revenue gt 100000", ["b", "c"]],
  ["not (statecode eq 0)", ["b"]],
  ["not contains(name,'bryan') and revenue ne null", ["c"]],
  ["not (statecode eq 0 and revenue gt 10000) and creditonhold eq false", ["a"]],
  ["statecode eq 0 and not revenue gt 10000 and creditonhold eq false", ["a"]],
  ["not not (statecode eq 1)", ["b"]],
  ["(statecode eq 0 and revenue lt 6000) or name eq 'Contoso'", ["a", "b"]],
  ["contains(name,'bryan')", ["a"]],
  ["startswith(name,'CON')", ["b"]],
  ["endswith(name,'co')", ["c"]],
  ["contains(name,'100[%]')", ["c"]],
  ["startswith(name,'F_b')", ["c"]],
  ["creditonhold eq true", ["b"]],
  ["creditonhold", ["b"]],
  [`_ownerid_value eq ${USER}`, ["a", "c"]],
  [`_ownerid_value eq ${USER.toUpperCase()}`, ["a", "c"]],
  ["createdon ge 2024-06-01", ["a", "b"]],
  ["createdon lt 2024-06-15T00:00:00Z", ["b", "c"]],
  ["primarycontact/fullname eq 'Ann Smith'", ["a"]],
  ["primarycontact/fullname ne null", ["a", "c"]],
  ["tolower(name) eq 'contoso'", ["b"]],
  ["revenue eq @p1", ["a"]],
  [`Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=["contoso","Fabrikam 100% Co"])`, ["b", "c"]],
  [`Microsoft.Dynamics.CRM.NotIn(PropertyName='statecode',PropertyValues=["1"])`, ["a", "c"]],
  [`Microsoft.Dynamics.CRM.Between(PropertyName='revenue',PropertyValues=["1000","6000"])`, ["a"]],
  [`Microsoft.Dynamics.CRM.NotBetween(PropertyName='revenue',PropertyValues=["1000","6000"])`, ["c"]],
  ["Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue='2024-06-14')", ["b"]],
  ["Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='createdon',PropertyValue='2024-06-14')", ["a", "b"]],
  ["Microsoft.Dynamics.CRM.OnOrBefore(PropertyName='createdon',PropertyValue='2024-06-14')", ["b", "c"]],
  ["Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7)", ["a", "b"]],
  ["Microsoft.Dynamics.CRM.NextXDays(PropertyName='createdon',PropertyValue=3)", []],
  ["Microsoft.Dynamics.CRM.Today(PropertyName='createdon')", ["a"]],
  ["Microsoft.Dynamics.CRM.Yesterday(PropertyName='createdon')", ["b"]],
  ["Microsoft.Dynamics.CRM.EqualUserId(PropertyName='_ownerid_value')", ["a", "c"]],
  ["Microsoft.Dynamics.CRM.NotEqualUserId(PropertyName='_ownerid_value')", ["b"]],
];

describe("$filter", () => {
  it.each(cases)("%s", (filter, expected) => {
    expect(ids(filter, { p1: "5000" })).toEqual(expected);
  });

  it("reads a list of ids (`id eq <guid> or …`) as the parser would, and only such a list", () => {
    const ids = Array.from({ length: 100 }, (_, i) => `0000000${i % 10}-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const list = ids.map((id) => `id eq ${id}`).join(" or ");
    // In parentheses the list goes through @odata/parser: both trees are the same.
    expect(parseFilter(list)).toEqual(parseFilter(`(${list})`));
    const one = parseFilter(`_parentcustomerid_value eq ${ids[0]}`);
    expect(one).toEqual(parseFilter(`(_parentcustomerid_value eq ${ids[0]})`));
    // Two properties, a quoted value or another operator are not an id list (or across fields stays visible).
    const mixed = parseFilter(`id eq ${ids[0]} or number eq ${ids[1]}`);
    expect(mixed.ok && orAcrossFields(mixed.expr)).toBe(true);
    expect(parseFilter(`id eq '${ids[0]}'`)).toEqual(parseFilter(`(id eq '${ids[0]}')`));
    expect(parseFilter(`id eq ${ids[0]} or id eq`).ok).toBe(false);
  });

  it("rejects malformed filters with a message", () => {
    for (const bad of ["name eq", "name eq 'unterminated", "name xx 'a'", "(name eq 'a'"]) {
      const parsed = parseFilter(bad);
      expect(parsed.ok, bad).toBe(false);
    }
  });

  it("accepts control characters inside string literals, and only there (bad-input property test, issue 14)", () => {
    const name = "R4-1 \u0014 tab\there \u0000 \u007f and \ue000 kept";
    const parsed = parseFilter(`(name eq '${name.replace(/'/g, "''")}') or (name eq 'O''\nBrien')`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const literals: unknown[] = [];
    const walk = (e: typeof parsed.expr): void => {
      if (e.kind === "or") {
        walk(e.left);
        walk(e.right);
      } else if (e.kind === "compare" && e.right.kind === "literal") literals.push(e.right.literal.value);
    };
    walk(parsed.expr);
    expect(literals).toEqual([name, "O'\nBrien"]);
    expect(parseFilter("name eq\u0014'a'").ok).toBe(false);
  });

  it("reports unknown namespace functions at evaluation", () => {
    const parsed = parseFilter("Microsoft.Dynamics.CRM.Above(PropertyName='accountid',PropertyValue='x')");
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(() => evaluateFilter(parsed.expr, rows[0], ctx)).toThrow(FilterEvalError);
  });

  it("lists the property paths a filter reads, for per-service validation", () => {
    const parsed = parseFilter(
      "name eq 'x' and primarycontact/fullname ne null or Microsoft.Dynamics.CRM.Today(PropertyName='createdon')",
    );
    expect(parsed.ok && filterPaths(parsed.expr)).toEqual([["name"], ["primarycontact", "fullname"], ["createdon"]]);
  });

  it("detects an or across different fields (Business Central's rule)", () => {
    const check = (f: string) => {
      const parsed = parseFilter(f);
      if (!parsed.ok) throw new Error(parsed.message);
      return orAcrossFields(parsed.expr);
    };
    expect(check("a eq 1 or a eq 2")).toBe(false);
    expect(check("a eq 1 and b eq 2")).toBe(false);
    expect(check("(a eq 1 or a eq 2) and b eq 3")).toBe(false);
    expect(check("a eq 1 or b eq 2")).toBe(true);
    expect(check("c eq 0 and (a eq 1 or contains(b,'x'))")).toBe(true);
  });

  it("evaluates any() over a collection", () => {
    const parsed = parseFilter("contacts/any(c:c/lastname eq 'Smith')");
    if (!parsed.ok) throw new Error(parsed.message);
    const withCollection: EvalContext = { ...ctx, resolveCollection: (row) => (row.contacts as Row[]) ?? [] };
    expect(evaluateFilter(parsed.expr, { contacts: [{ lastname: "smith" }] }, withCollection)).toBe(true);
    expect(evaluateFilter(parsed.expr, { contacts: [{ lastname: "Jones" }] }, withCollection)).toBe(false);
  });

  it("evaluates nested lambdas, the inner one over the outer one's item, at any depth", () => {
    // The parser library alone fails on these (its lambda state is module-wide); see cutNestedLambdas.
    const byPath: EvalContext = {
      ...ctx,
      resolveCollection: (row, path) => (row[path[path.length - 1]] as Row[]) ?? [],
    };
    const accounts: Row[] = [
      { name: "A", contacts: [{ jobtitle: "Buyer", opportunities: [{ description: "N/A", lines: [{ qty: 1 }] }] }] },
      { name: "B", contacts: [{ jobtitle: "Buyer", opportunities: [{ description: "Seats", lines: [{ qty: 5 }] }] }] },
    ];
    const matching = (filter: string) => {
      const parsed = parseFilter(filter);
      if (!parsed.ok) throw new Error(parsed.message);
      return accounts.filter((a) => evaluateFilter(parsed.expr, a, byPath)).map((a) => a.name);
    };
    expect(matching("contacts/any(c:c/jobtitle eq 'Buyer' and c/opportunities/any(o:o/description ne 'N/A'))")).toEqual(
      ["B"],
    );
    expect(matching("contacts/any(c:c/opportunities/all(o:o/description eq 'N/A'))")).toEqual(["A"]);
    expect(matching("contacts/any(c:c/opportunities/any(o:o/lines/any(l:l/qty gt 2)))")).toEqual(["B"]);
    // Text that only looks like a lambda, inside a string literal, is left alone.
    expect(
      matching("contacts/any(c:c/jobtitle eq 'x/any(y:' or c/opportunities/any(o:o/description eq 'it''s'))"),
    ).toEqual([]);
  });
});

describe("parameter aliases with array values (filter-rows, Manage single quotes)", () => {
  const ctx: EvalContext = {
    resolve: (row, path) => (row as Record<string, unknown>)[path[0]] ?? null,
    caseInsensitive: true,
    functions: CRM_FUNCTIONS,
    now: () => NOW,
  };
  const ids = (text: string, aliases: Record<string, string>) => {
    const parsed = parseFilter(text, aliases);
    if (!parsed.ok) throw new Error(parsed.message);
    return rows.filter((r) => evaluateFilter(parsed.expr, r, ctx)).map((r) => r.id);
  };

  it("reads double-quoted values containing single quotes, and single-quoted arrays", () => {
    const fn = "Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)";
    expect(ids(fn, { p1: "'name'", p2: `["O'Bryan Ltd", "Contoso"]` })).toEqual(["a", "b"]);
    expect(ids(fn, { p1: "'name'", p2: "['Contoso']" })).toEqual(["b"]);
    expect(ids(fn, { p1: "'revenue'", p2: "[5000, 1]" })).toEqual(["a"]);
    expect(ids(fn, { p1: "'name'", p2: "[]" })).toEqual([]);
  });

  it("an inline array may hold double-quoted values with a single quote", () => {
    expect(ids(`Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=["O'Bryan Ltd"])`, {})).toEqual(["a"]);
  });

  it("refuses a single-quoted value containing a quote with the documented Invalid JSON message", () => {
    const parsed = parseFilter("Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)", {
      p1: "'name'",
      p2: "['OBrian','O'Brian']",
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.message).toMatch(/^Invalid JSON\. A comma character ',' was expected in scope 'Array'\./);
  });

  it("an undefined alias is refused", () => {
    expect(parseFilter("Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p9)", { p1: "'name'" }).ok).toBe(
      false,
    );
  });
});
