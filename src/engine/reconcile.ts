// Reconciliation and conflict review: what the scheduled runs cannot see by themselves.
// - reconcile(): scans both sides of a mapping and reports uncoupled records on each side, couplings whose
//   record is gone, and coupled pairs whose mapped values differ (without writing anything).
// - resolveConflict(): applies a person's decision on an open conflict from the review queue.

import { convertField, type LookupTable, passFields, sideValue } from "./convert.ts";
import { fieldDirection, fieldKey, type PassDirection, type TableMapping } from "./model.ts";
import { storedSnapshot, toCouplingState } from "./persist.ts";
import { selectFor, wireValue } from "./planner.ts";
import { getAllByIds, LookupLoader } from "./prefetch.ts";
import type { SideRecord } from "./records.ts";
import type { EngineDeps } from "./runner.ts";
import { sameValue } from "./values.ts";

export interface FieldDifference {
  field: string;
  bc: unknown;
  dataverse: unknown;
  /** The value the mapping would write on the side that flows into. */
  expected: unknown;
}

export interface ReconciliationReport {
  mapping: string;
  counts: {
    bcRecords: number;
    dataverseRecords: number;
    couplings: number;
    uncoupledBc: number;
    uncoupledDataverse: number;
    couplingsWithoutBc: number;
    couplingsWithoutDataverse: number;
    differing: number;
  };
  /** Lists are capped at `limit` entries each; the counts are complete. */
  uncoupledBc: string[];
  uncoupledDataverse: string[];
  couplingsWithoutBc: { bcId: string; dataverseId: string }[];
  couplingsWithoutDataverse: { bcId: string; dataverseId: string }[];
  differing: { bcId: string; dataverseId: string; fields: FieldDifference[] }[];
  errors: string[];
}

export async function reconcile(
  deps: EngineDeps,
  mappingName: string,
  options: { limit?: number } = {},
): Promise<ReconciliationReport> {
  const mapping = deps.mappings(mappingName);
  if (!mapping) throw new Error(`no table mapping ${mappingName}`);
  const limit = options.limit ?? 1000;
  const errors: string[] = [];
  // An option-set mapping has no Dataverse rows to scan: each of its runs compares every code with every option.
  const optionSet = mapping.kind === "optionSet";
  if (optionSet) errors.push(`${mapping.name} is an option-set mapping: its sync job reconciles codes and options`);
  const bcPort = deps.ports.forMapping(mapping, "bc");
  const dvPort = deps.ports.forMapping(mapping, "dataverse");
  const bc = optionSet ? new Map() : await scanAll(bcPort.scan(selectFor(mapping, "bc"), mapping.bc.filter), errors);
  const dv = optionSet
    ? new Map()
    : await scanAll(dvPort.scan(selectFor(mapping, "dv"), mapping.dataverse.filter), errors);
  const report: ReconciliationReport = {
    mapping: mapping.name,
    counts: {
      bcRecords: bc.size,
      dataverseRecords: dv.size,
      couplings: 0,
      uncoupledBc: 0,
      uncoupledDataverse: 0,
      couplingsWithoutBc: 0,
      couplingsWithoutDataverse: 0,
      differing: 0,
    },
    uncoupledBc: [],
    uncoupledDataverse: [],
    couplingsWithoutBc: [],
    couplingsWithoutDataverse: [],
    differing: [],
    errors,
  };
  const loader = new LookupLoader(deps.store, deps.ports, deps.mappings);
  let pairs: { bc: SideRecord; dv: SideRecord }[] = [];
  const flush = async () => {
    const toDv = await loader.load(
      mapping,
      "toDataverse",
      pairs.map((p) => p.bc),
    );
    const fromDv = await loader.load(
      mapping,
      "fromDataverse",
      pairs.map((p) => p.dv),
    );
    for (const p of pairs) {
      const fields = differences(mapping, p.bc, p.dv, toDv, fromDv);
      if (fields.length === 0) continue;
      report.counts.differing++;
      if (report.differing.length < limit) report.differing.push({ bcId: p.bc.id, dataverseId: p.dv.id, fields });
    }
    pairs = [];
  };
  for await (const c of deps.store.couplings.iterate(mapping.name)) {
    if (optionSet) break;
    report.counts.couplings++;
    if (c.bcId.includes("=")) {
      // A match-value coupling (the local currency) has no BC record to find.
      dv.delete(c.dataverseId.toLowerCase());
      continue;
    }
    const b = bc.get(c.bcId.toLowerCase());
    const d = dv.get(c.dataverseId.toLowerCase());
    bc.delete(c.bcId.toLowerCase());
    dv.delete(c.dataverseId.toLowerCase());
    const ref = { bcId: c.bcId, dataverseId: c.dataverseId };
    if (!b) {
      report.counts.couplingsWithoutBc++;
      if (report.couplingsWithoutBc.length < limit) report.couplingsWithoutBc.push(ref);
    }
    if (!d) {
      report.counts.couplingsWithoutDataverse++;
      if (report.couplingsWithoutDataverse.length < limit) report.couplingsWithoutDataverse.push(ref);
    }
    if (b && d) pairs.push({ bc: b, dv: d });
    if (pairs.length >= 500) await flush();
  }
  await flush();
  report.counts.uncoupledBc = bc.size;
  report.counts.uncoupledDataverse = dv.size;
  report.uncoupledBc = [...bc.keys()].slice(0, limit);
  report.uncoupledDataverse = [...dv.keys()].slice(0, limit);
  return report;
}

async function scanAll(
  pages: AsyncIterable<{ ok: true; value: SideRecord[] } | { ok: false; error: { message: string } }>,
  errors: string[],
): Promise<Map<string, SideRecord>> {
  const out = new Map<string, SideRecord>();
  for await (const page of pages) {
    if (!page.ok) {
      errors.push(page.error.message);
      break;
    }
    for (const r of page.value) out.set(r.id.toLowerCase(), r);
  }
  return out;
}

/** Fields whose values disagree: each compared in the direction it flows (BC → DV for bidirectional ones). */
function differences(
  mapping: TableMapping,
  bc: SideRecord,
  dv: SideRecord,
  toDv: LookupTable,
  fromDv: LookupTable,
): FieldDifference[] {
  const out: FieldDifference[] = [];
  const seen = new Set<string>();
  for (const pass of ["toDataverse", "fromDataverse"] as PassDirection[]) {
    for (const f of passFields(mapping, pass)) {
      const key = fieldKey(f);
      if (seen.has(key)) continue;
      seen.add(key);
      if (pass === "fromDataverse" && fieldDirection(mapping, f) === "bidirectional") continue;
      const source = pass === "toDataverse" ? bc : dv;
      const converted = convertField(mapping, f, pass, source, pass === "toDataverse" ? toDv : fromDv);
      if (!converted.ok || converted.omit) continue;
      const actual = sideValue(f, pass === "toDataverse" ? "dv" : "bc", pass === "toDataverse" ? dv : bc);
      if (sameValue(converted.value, actual)) continue;
      out.push({
        field: key,
        bc: sideValue(f, "bc", bc) ?? null,
        dataverse: sideValue(f, "dv", dv) ?? null,
        expected: converted.value,
      });
    }
  }
  return out;
}

/**
 * Applies a decision on an open conflict: the chosen side's current value is written to the other side, the
 * snapshot takes it as the new base, and the conflict is closed with the decision (the losing value stays
 * recorded on the conflict).
 */
export async function resolveConflict(
  deps: EngineDeps,
  conflictId: string,
  winner: "bc" | "dataverse",
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const conflict = await deps.store.conflicts.get(conflictId);
  if (conflict?.status !== "open") return { ok: false, reason: `no open conflict ${conflictId}` };
  const mapping = deps.mappings(conflict.mappingName);
  if (!mapping) return { ok: false, reason: `no table mapping ${conflict.mappingName}` };
  const field = mapping.fields.find((f) => fieldKey(f) === conflict.field);
  if (!field) return { ok: false, reason: `no field mapping ${conflict.field} in ${mapping.name}` };
  const row = await deps.store.couplings.getByBcId(mapping.name, conflict.bcId);
  if (!row) return { ok: false, reason: `record ${conflict.bcId} is no longer coupled` };
  const coupling = toCouplingState(row);
  const pass: PassDirection = winner === "bc" ? "toDataverse" : "fromDataverse";
  const sourcePort = deps.ports.forMapping(mapping, winner);
  const targetPort = deps.ports.forMapping(mapping, winner === "bc" ? "dataverse" : "bc");
  const sourceId = winner === "bc" ? coupling.bcId : coupling.dataverseId;
  const targetId = winner === "bc" ? coupling.dataverseId : coupling.bcId;
  const sources = await getAllByIds(sourcePort, [sourceId], selectFor(mapping, winner === "bc" ? "bc" : "dv"));
  if (!sources.ok) return { ok: false, reason: sources.error.message };
  const source = sources.value.get(sourceId.toLowerCase());
  if (!source) return { ok: false, reason: `the ${winner} record ${sourceId} no longer exists` };
  const lookups = await new LookupLoader(deps.store, deps.ports, deps.mappings).load(mapping, pass, [source]);
  const converted = convertField(mapping, field, pass, source, lookups);
  if (!converted.ok) return { ok: false, reason: converted.error.message };
  const values = wireValue({ mapping, pass, lookups }, field, converted.value);
  const written = await targetPort.update([{ id: targetId, values }]);
  const outcome = written.ok ? written.value[0] : { ok: false as const, error: written.error };
  if (!outcome?.ok) return { ok: false, reason: outcome?.error.message ?? "no outcome" };
  const srcVal = sideValue(field, winner === "bc" ? "bc" : "dv", source) ?? null;
  const snapshot = {
    ...(coupling.snapshot ?? {}),
    [conflict.field]: winner === "bc" ? { bc: srcVal, dv: converted.value } : { bc: converted.value, dv: srcVal },
  };
  const open = (coupling.openConflicts ?? []).filter((f) => f !== conflict.field);
  const stored = storedSnapshot(snapshot, coupling.pending, open);
  const target = outcome.record;
  await deps.store.couplings.recordSuccess(mapping.name, coupling.bcId, {
    direction: pass,
    jobId: conflict.jobId ?? "review",
    ...(target && winner === "bc"
      ? { dataverseModifiedAt: target.modifiedAt, dataverseVersion: target.version ?? null }
      : {}),
    ...(target && winner === "dataverse" ? { bcModifiedAt: target.modifiedAt, bcVersion: target.version ?? null } : {}),
    snapshot: stored as never,
  });
  await deps.store.conflicts.resolve(conflict.id, winner === "bc" ? "bcChosen" : "dataverseChosen");
  return { ok: true };
}
