// The engine's public API. Everything else under src/engine is internal and may change.
export { connectorPorts } from "./adapters/index.ts";
export type { LookupTable, PlanError } from "./convert.ts";
export { type CompiledFilter, compileFilter } from "./filter.ts";
export * from "./model.ts";
export { syncOrder } from "./order.ts";
export { fromStoredMapping, toStoredMapping } from "./persist.ts";
export {
  type FieldConflict,
  type PlanContext,
  type PlanInput,
  planRecord,
  type RecordPlan,
  type RunMode,
  snapshotOf,
  unvalidatedProperties,
} from "./planner.ts";
export type { EntityPort, OptionValue, PortFactory, WriteOutcome, WriteValidation } from "./ports.ts";
export { type ReconciliationReport, reconcile, resolveConflict } from "./reconcile.ts";
export type { CouplingState, SideRecord, Snapshot, SourceChange } from "./records.ts";
export {
  approveHeldDeletion,
  type EngineDeps,
  type PassReport,
  type PlannedRecord,
  type RunOptions,
  runMapping,
  unskip,
} from "./runner.ts";
export { transforms } from "./transforms.ts";
