// `bcsync reconcile [MAPPING...]`: the reconciliation report — both sides scanned and compared with the
// couplings (uncoupled records, couplings whose record is gone, coupled pairs whose values differ). Writes nothing.

import { reconciliationReport } from "../../admin/reconcile.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";

interface ReconcileCliOptions extends CommonCliOptions {
  limit?: string;
}

export async function reconcileAction(names: string[], options: ReconcileCliOptions): Promise<void> {
  await withIntegration(options, async (ctx) => {
    const reports = valueOrThrow(await reconciliationReport(ctx, { names, limit: Number(options.limit) }));
    if (options.json) for (const r of reports) printJson(r);
    else {
      printTable(
        reports.map((r) => ({ mapping: r.mapping, ...r.counts, errors: r.errors.join("; ") })),
        [
          "mapping",
          "bcRecords",
          "dataverseRecords",
          "couplings",
          "uncoupledBc",
          "uncoupledDataverse",
          "couplingsWithoutBc",
          "couplingsWithoutDataverse",
          "differing",
          "errors",
        ],
      );
      for (const r of reports)
        for (const d of r.differing.slice(0, 10))
          for (const f of d.fields)
            process.stdout.write(
              `${r.mapping} ${d.bcId}: ${f.field} BC=${JSON.stringify(f.bc)} Sales=${JSON.stringify(f.dataverse)}\n`,
            );
    }
    // Differences are findings a script acts on, like record failures; a scan that failed is an error.
    if (reports.some((r) => r.errors.length > 0 && !r.errors.every((e) => e.includes("option-set"))))
      raiseExitCode(EXIT.error);
    else if (
      reports.some(
        (r) => r.counts.differing > 0 || r.counts.couplingsWithoutBc + r.counts.couplingsWithoutDataverse > 0,
      )
    )
      raiseExitCode(EXIT.recordFailures);
  });
}
