// Between the engine's model and the store's rows: table mappings saved as JSON definitions, and the
// coupling's snapshot column holding the merge base plus the pending/open-conflict field lists.

import type { Coupling, StoredTableMapping } from "../store/index.ts";
import { fieldDirection, type TableMapping, TableMapping as TableMappingSchema } from "./model.ts";
import type { CouplingState, Snapshot } from "./records.ts";

/** The store's snapshot JSON: `{ fields, pending?, openConflicts? }` (one column, see the report to the lead). */
export interface StoredSnapshot {
  fields: Snapshot;
  pending?: CouplingState["pending"];
  openConflicts?: string[];
}

export function toCouplingState(row: Coupling): CouplingState {
  const stored = (row.snapshot ?? null) as StoredSnapshot | null;
  return {
    bcId: row.bcId,
    dataverseId: row.dataverseId,
    ...(row.bcModifiedAt ? { bcModifiedAt: row.bcModifiedAt } : {}),
    ...(row.dataverseModifiedAt ? { dataverseModifiedAt: row.dataverseModifiedAt } : {}),
    ...(row.bcVersion ? { bcVersion: row.bcVersion } : {}),
    ...(row.dataverseVersion ? { dataverseVersion: row.dataverseVersion } : {}),
    ...(stored?.fields ? { snapshot: stored.fields } : {}),
    ...(stored?.pending ? { pending: stored.pending } : {}),
    ...(stored?.openConflicts?.length ? { openConflicts: stored.openConflicts } : {}),
    lastResult: {
      ...(row.lastResultToDataverse ? { toDataverse: row.lastResultToDataverse } : {}),
      ...(row.lastResultFromDataverse ? { fromDataverse: row.lastResultFromDataverse } : {}),
    },
    skipped: row.skipped,
    failure: { count: row.failureCount, ...(row.lastError ? { message: row.lastError } : {}) },
  };
}

export function storedSnapshot(
  fields: Snapshot,
  pending: CouplingState["pending"],
  openConflicts: readonly string[] = [],
): StoredSnapshot {
  const out: StoredSnapshot = { fields };
  if (pending && Object.values(pending).some((list) => (list ?? []).length > 0)) out.pending = pending;
  if (openConflicts.length > 0) out.openConflicts = [...openConflicts];
  return out;
}

/** The store's shape of a table mapping (indexed columns + the full definition as JSON). */
export function toStoredMapping(mapping: TableMapping): StoredTableMapping {
  return {
    ...mapping,
    bcEntity: mapping.bc.entitySet,
    dataverseTable: mapping.dataverse.table,
    fields: mapping.fields.map((f) => ({ ...f, direction: fieldDirection(mapping, f) })),
  } as StoredTableMapping;
}

/** Reads a stored mapping back through the schema (defaults filled, validated). */
export function fromStoredMapping(stored: StoredTableMapping): TableMapping {
  const { bcEntity: _b, dataverseTable: _d, ...rest } = stored;
  return TableMappingSchema.parse(rest);
}
