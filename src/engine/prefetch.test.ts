// Match candidates (S8 match-based coupling) against a side that refuses some queries: what is asked, and what a
// refusal costs. The port is a stand-in that records the filters it is asked and answers from a small table.
import { describe, expect, it } from "vitest";
import { defineTableMapping } from "./model.ts";
import type { EntityPort, PortResult } from "./ports.ts";
import { matchCandidates } from "./prefetch.ts";
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
