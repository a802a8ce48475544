// Property: whatever fields each side edits, one bidirectional run (BC → DV pass, then DV → BC pass) leaves
// both sides equal to the three-way merge the policy asks for, and a second run changes nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defineTableMapping, type UpdateConflictPolicy } from "./model.ts";
import { planRecord, type RecordPlan, snapshotOf } from "./planner.ts";
import type { CouplingState, SideRecord } from "./records.ts";

const FIELDS = ["a", "b", "c", "d"] as const;
const USER = "99999999-9999-9999-9999-999999999999";

const mappingFor = (policy: UpdateConflictPolicy) =>
  defineTableMapping({
    name: "PROP",
    bc: { entitySet: "things" },
    dataverse: { table: "thing", entitySet: "things", keyField: "thingid" },
    direction: "bidirectional",
    updateConflict: policy,
    fields: FIELDS.map((f) => ({ bcField: `bc_${f}`, dataverseField: `dv_${f}` })),
  });

type Edits = Partial<Record<(typeof FIELDS)[number], string>>;
const edits = fc.record(Object.fromEntries(FIELDS.map((f) => [f, fc.constantFrom("x", "y", "z")])), {
  requiredKeys: [],
}) as fc.Arbitrary<Edits>;

let clock = 0;
const tick = () => new Date(Date.UTC(2026, 0, 1, 0, 0, ++clock)).toISOString();

function record(side: "bc" | "dv", values: Record<string, string>, modifiedBy?: string): SideRecord {
  return {
    id: side,
    modifiedAt: tick(),
    version: `v${clock}`,
    ...(modifiedBy ? { modifiedBy } : {}),
    values: Object.fromEntries(FIELDS.map((f) => [`${side}_${f}`, values[f]])),
  };
}

function valuesOf(r: SideRecord, side: "bc" | "dv"): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((f) => [f, r.values[`${side}_${f}`]]));
}

/** Carries a plan out the way the runner does: write the values, store the snapshot and the new stamps. */
function apply(plan: RecordPlan, target: SideRecord, coupling: CouplingState, pass: "toDataverse" | "fromDataverse") {
  const side = pass === "toDataverse" ? "dv" : "bc";
  let written = target;
  if ("values" in plan && Object.keys(plan.values).length > 0) {
    written = { ...target, modifiedAt: tick(), version: `v${clock}`, values: { ...target.values, ...plan.values } };
    if (side === "dv") written.modifiedBy = USER;
  }
  if ("update" in plan && plan.update) {
    coupling.snapshot = plan.update.snapshot;
    coupling.pending = plan.update.pending;
    if ("conflicts" in plan) {
      coupling.openConflicts = [
        ...new Set([
          ...(coupling.openConflicts ?? []),
          ...plan.conflicts.filter((c) => c.resolution === "open").map((c) => c.field),
        ]),
      ];
    }
  }
  if (side === "dv")
    Object.assign(coupling, { dataverseVersion: written.version, dataverseModifiedAt: written.modifiedAt });
  else Object.assign(coupling, { bcVersion: written.version, bcModifiedAt: written.modifiedAt });
  return written;
}

function run(mapping: ReturnType<typeof mappingFor>, bc: SideRecord, dv: SideRecord, coupling: CouplingState) {
  const ctx = { mapping, lookups: {}, integrationUsers: { dataverse: [USER] } };
  const to = planRecord(
    { ...ctx, pass: "toDataverse" },
    { change: { kind: "upsert", record: bc }, coupling, target: dv },
  );
  dv = apply(to, dv, coupling, "toDataverse");
  const from = planRecord(
    { ...ctx, pass: "fromDataverse" },
    { change: { kind: "upsert", record: dv }, coupling, target: bc },
  );
  bc = apply(from, bc, coupling, "fromDataverse");
  return { bc, dv, plans: [to, from] };
}

describe("three-way merge over a full run", () => {
  it.each(["none", "bcWins", "dataverseWins"] as const)("converges under policy %s", (policy) => {
    fc.assert(
      fc.property(edits, edits, (bcEdits, dvEdits) => {
        const mapping = mappingFor(policy);
        const base = { a: "0", b: "0", c: "0", d: "0" };
        const bc0 = record("bc", base);
        const dv0 = record("dv", base);
        const coupling: CouplingState = {
          bcId: "bc",
          dataverseId: "dv",
          bcModifiedAt: bc0.modifiedAt,
          dataverseModifiedAt: dv0.modifiedAt,
          snapshot: snapshotOf(mapping, bc0, dv0),
        };
        const bc1 = record("bc", { ...base, ...bcEdits });
        const dv1 = record("dv", { ...base, ...dvEdits }, "11111111-1111-1111-1111-111111111111");
        const after = run(mapping, bc1, dv1, coupling);

        for (const f of FIELDS) {
          const inBc = f in bcEdits;
          const inDv = f in dvEdits;
          const clash = inBc && inDv && bcEdits[f] !== dvEdits[f];
          const bcValue = valuesOf(after.bc, "bc")[f];
          const dvValue = valuesOf(after.dv, "dv")[f];
          if (clash && policy === "none") {
            // Waits for review: each side keeps its own value.
            expect([bcValue, dvValue]).toEqual([bcEdits[f], dvEdits[f]]);
            continue;
          }
          const expected = clash
            ? policy === "bcWins"
              ? bcEdits[f]
              : dvEdits[f]
            : (bcEdits[f] ?? dvEdits[f] ?? base[f]);
          expect([f, bcValue, dvValue]).toEqual([f, expected, expected]);
        }
        // A second run has nothing left to write.
        const again = run(mapping, after.bc, after.dv, coupling);
        for (const p of again.plans) expect("values" in p ? Object.keys(p.values) : []).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
