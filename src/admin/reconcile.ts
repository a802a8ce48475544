// The reconciliation report: for each table mapping, both sides scanned and compared with the couplings —
// uncoupled records on each side, couplings whose record is gone, coupled pairs whose values differ. Writes nothing.

import { type ReconciliationReport, reconcile } from "../engine/reconcile.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { findMapping } from "./couplings.ts";
import { ok, type Result } from "./result.ts";

/** One report per named mapping (every table mapping without names), in run order. */
export async function reconciliationReport(
  ctx: IntegrationContext,
  options: { names?: string[]; limit?: number } = {},
): Promise<Result<ReconciliationReport[]>> {
  const mappings = [];
  for (const name of options.names ?? []) {
    const mapping = findMapping(ctx, name);
    if (!mapping.ok) return mapping;
    mappings.push(mapping.value);
  }
  const chosen = mappings.length > 0 ? mappings : ctx.mappings.filter((m) => m.kind === "table");
  const reports: ReconciliationReport[] = [];
  for (const mapping of chosen)
    reports.push(await reconcile(ctx.engine, mapping.name, { limit: options.limit ?? 100 }));
  return ok(reports);
}
