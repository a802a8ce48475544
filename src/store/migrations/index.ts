import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./001_initial.ts";
import * as failedCouplings from "./002_failed_couplings.ts";
import * as accounts from "./003_accounts.ts";
import * as mappingLeases from "./004_mapping_leases.ts";
import * as queueWakeRequested from "./005_queue_wake_requested.ts";
import * as couplingsPendingFromDataverse from "./006_couplings_pending_from_dataverse.ts";
import * as refusedRows from "./007_refused_rows.ts";
import * as partialCouplingIndexes from "./008_partial_coupling_indexes.ts";
import * as pendingWritesKeyedBySource from "./009_pending_writes_keyed_by_source.ts";

// In-code migrations (no directory scanning), so they work from a clone, a build and a bundle alike.
// Append new ones; never edit a shipped migration.
const migrations: Record<string, Migration> = {
  "001_initial": initial,
  "002_failed_couplings": failedCouplings,
  "003_accounts": accounts,
  "004_mapping_leases": mappingLeases,
  "005_queue_wake_requested": queueWakeRequested,
  "006_couplings_pending_from_dataverse": couplingsPendingFromDataverse,
  "007_refused_rows": refusedRows,
  "008_partial_coupling_indexes": partialCouplingIndexes,
  "009_pending_writes_keyed_by_source": pendingWritesKeyedBySource,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
