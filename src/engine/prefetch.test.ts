// Match candidates (S8 match-based coupling) against a side that refuses some queries: what is asked, and what a
// refusal costs. The port is a stand-in that records the filters it is asked and answers from a small table.
import { describe, expect, it } from "vitest";
import { defineTableMapping } from "./model.ts";
import type { EntityPort, PortResult } from "./ports.ts";
import { MATCH_PRELOAD_LIMIT, MatchSource, matchCandidates, PreloadedTargets } from "./prefetch.ts";
import type { SideRecord } from "./records.ts";

const mapping = defineTableMapping({
  name: "CUSTOMER",
  bc: { entitySet: "customers" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "accountid" },
  direction: "bidirectional",
  fields: [
    { bcField: "displayName", dataverseField: "name", match: { priority: 0 } },
    { bcField: "phoneNumber", dataverseField: "telephone1", match: { priority: 1 } },
  ],
});

const account = (id: string, name: string, telephone1?: string): SideRecord => ({
  id,
  modifiedAt: "2026-12-01T00:00:00Z",
  values: { accountid: id, name, ...(telephone1 ? { telephone1 } : {}) },
});

const customers: SideRecord[] = [
  { id: "c1", modifiedAt: "2026-12-01T00:00:00Z", values: { displayName: "Alpha", phoneNumber: "1" } },
  { id: "c2", modifiedAt: "2026-12-01T00:00:00Z", values: { displayName: "Beta", phoneNumber: "2" } },
];

/** A Business Central-like port: refuses an `or` across fields and any filter holding `refuse`. */
function businessCentral(refuse: (filter: string) => PortResult<never> | undefined) {
  const asked: string[] = [];
  const port = {
    side: "bc",
    orAcrossFields: false,
    matchFilter: (conditions) => conditions.map((c) => `${c.targetProperty} eq '${String(c.value)}'`).join(" and "),
    async query(filter) {
      asked.push(filter);
      const refusal = refuse(filter);
      if (refusal) return refusal;
      if (/displayName.*or.*phoneNumber|phoneNumber.*or.*displayName/.test(filter)) {
        return { ok: false, error: { code: "BCSYNC_E_CONNECTOR_SERVICE_ERROR", message: "OR across fields", fix: "" } };
      }
      const hits = customers.filter((c) =>
        [...filter.matchAll(/(\w+) eq '([^']*)'/g)].some(([, p, v]) => c.values[p] === v),
      );
      return { ok: true, value: hits };
    },
  } as Pick<EntityPort, "side" | "orAcrossFields" | "matchFilter" | "query">;
  return { port: port as EntityPort, asked };
}

const refused = (message: string, transient = false): PortResult<never> => ({
  ok: false,
  error: { code: "BCSYNC_E_CONNECTOR_SERVICE_ERROR", message, detail: message, fix: "", transient },
});

describe("match candidates", () => {
  it("ORs conditions on one field only where the side refuses an or across fields", async () => {
    const { port, asked } = businessCentral(() => undefined);
    const records = [account("a1", "Alpha", "9"), account("a2", "Nobody", "2")];
    const pool = await matchCandidates(mapping, "fromDataverse", port, records, {}, ["displayName"]);
    expect(pool.ok && pool.value.candidates.map((c) => c.id).sort()).toEqual(["c1", "c2"]);
    expect(asked).toEqual([
      "(displayName eq 'Alpha') or (displayName eq 'Nobody')",
      "(phoneNumber eq '9') or (phoneNumber eq '2')",
    ]);
  });

  it("a value the side refuses fails its own record only, naming the match field", async () => {
    const { port, asked } = businessCentral((f) => (f.includes("Bad\u0014") ? refused("Syntax error") : undefined));
    const records = [account("a1", "Alpha"), account("a2", "Bad\u0014"), account("a3", "Beta")];
    const pool = await matchCandidates(mapping, "fromDataverse", port, records, {}, ["displayName"]);
    if (!pool.ok) throw new Error(pool.error.message);
    expect(pool.value.candidates.map((c) => c.id).sort()).toEqual(["c1", "c2"]);
    expect([...pool.value.refused.keys()]).toEqual(["a2"]);
    expect(pool.value.refused.get("a2")?.fields).toEqual(["displayName|name"]);
    // The page's query, refused, is asked again condition by condition.
    expect(asked.slice(0, 4)).toEqual([
      "(displayName eq 'Alpha') or (displayName eq 'Bad\u0014') or (displayName eq 'Beta')",
      "(displayName eq 'Alpha')",
      "(displayName eq 'Bad\u0014')",
      "(displayName eq 'Beta')",
    ]);
  });

  it("throttling or an outage fails the page's matching as a whole, to be retried", async () => {
    const { port } = businessCentral(() => refused("Too many requests", true));
    const pool = await matchCandidates(mapping, "fromDataverse", port, [account("a1", "Alpha")], {}, []);
    expect(pool.ok).toBe(false);
    expect(!pool.ok && pool.error.transient).toBe(true);
  });
});

describe("match candidates read once for a full sync (MatchSource)", () => {
  const many = (n: number) =>
    Array.from(
      { length: n },
      (_, i): SideRecord => ({
        id: `c${i}`,
        modifiedAt: "2026-12-01T00:00:00Z",
        values: { displayName: `Customer ${i}`, phoneNumber: `555-${i}` },
      }),
    );

  /** A Dataverse-like port over `rows`: counts its queries, answers `top` rows at most. */
  function dataverse(rows: SideRecord[]) {
    const asked: { filter: string; top: number }[] = [];
    const port = {
      side: "dataverse",
      matchFilter: (conditions) => conditions.map((c) => `${c.targetProperty} eq '${String(c.value)}'`).join(" and "),
      async query(filter, _select, top) {
        asked.push({ filter, top });
        const wanted = [...filter.matchAll(/(\w+) eq '([^']*)'/g)];
        const hits = wanted.length === 0 ? rows : rows.filter((r) => wanted.some(([, p, v]) => r.values[p] === v));
        return { ok: true, value: hits.slice(0, top) };
      },
    } as Pick<EntityPort, "side" | "matchFilter" | "query">;
    return { port: port as EntityPort, asked };
  }

  it("reads a small target once and gives each page every row that could match, whatever its case", async () => {
    const targets = [
      account("a1", "  CUSTOMER 3 "),
      account("a2", "Someone else"),
      account("a3", "customer 70"),
      // A row whose name is not text is offered to every record (it may still equal by value).
      { id: "a4", modifiedAt: "2026-12-01T00:00:00Z", values: { accountid: "a4", name: 12 } },
    ];
    const { port, asked } = dataverse(targets);
    const source = new MatchSource(mapping, "toDataverse", port, ["name", "telephone1"], true);
    const first = await source.candidates(many(60), {});
    const second = await source.candidates(many(80).slice(60), {});
    expect(asked).toHaveLength(1);
    expect(asked[0].top).toBe(MATCH_PRELOAD_LIMIT + 1);
    expect(first.ok && first.value.candidates.map((r) => r.id).sort()).toEqual(["a1", "a4"]);
    expect(second.ok && second.value.candidates.map((r) => r.id).sort()).toEqual(["a3", "a4"]);
  });

  it("started before the first page (a mapping's first sync), the whole read serves pages of any size", async () => {
    const { port, asked } = dataverse([account("a1", "Customer 3"), account("a2", "Someone else")]);
    const source = new MatchSource(mapping, "toDataverse", port, ["name"], true);
    source.start();
    // The read is under way before any page asks.
    expect(asked).toEqual([{ filter: "", top: MATCH_PRELOAD_LIMIT + 1 }]);
    // A page of 5 records (below the size that starts a whole read by itself) uses it: no query of its own.
    const few = await source.candidates(many(5), {});
    expect(asked).toHaveLength(1);
    expect(few.ok && few.value.candidates.map((r) => r.id)).toEqual(["a1"]);
  });

  it("queries page by page when the target holds more rows than one read takes", async () => {
    const rows = Array.from({ length: MATCH_PRELOAD_LIMIT + 1 }, (_, i) => account(`a${i}`, `Account ${i}`));
    const { port, asked } = dataverse(rows);
    const source = new MatchSource(mapping, "toDataverse", port, ["name"], true);
    await source.candidates(many(60), {});
    await source.candidates(many(60), {});
    // One whole read that came back too large, then the per-page queries (20 conditions a query).
    expect(asked[0].top).toBe(MATCH_PRELOAD_LIMIT + 1);
    expect(asked.slice(1).every((a) => a.filter.includes(" or "))).toBe(true);
    expect(asked.filter((a) => a.top === MATCH_PRELOAD_LIMIT + 1)).toHaveLength(1);
  });

  it("offers every row to a date, which compares by value", () => {
    const rows = [account("a1", "2027-01-15T00:00:00Z"), account("a2", "Other")];
    const preloaded = new PreloadedTargets(rows);
    const criteria = [[[{ field: "f", targetProperty: "name", value: "2027-01-15", caseSensitive: false }]]];
    expect(preloaded.candidatesFor(criteria).map((r) => r.id)).toEqual(["a1", "a2"]);
  });
});
