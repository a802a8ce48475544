// `bcsync couple MAPPING --bc ID --dataverse ID` (and `--uncouple`): manual coupling of two records (seed S18),
// e.g. an existing salesperson with a Sales user so owners resolve. The next sync of the mapping brings them
// in line. Prints the deep links of both records.

import type { Command } from "commander";
import { coupleRecords } from "../../admin/couplings.ts";
import { bcsyncError } from "../../errors/catalogue.ts";
import { INTEGRATION_UNKNOWN_MAPPING } from "../../errors/codes/integration.ts";
import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson } from "../output.ts";

interface CoupleCliOptions extends CommonCliOptions {
  bc?: string;
  dataverse?: string;
  uncouple?: boolean;
}

export async function coupleAction(name: string, options: CoupleCliOptions, command: Command): Promise<void> {
  // A wrong command line is a usage error (exit 2), found before anything is opened.
  if (options.uncouple ? !options.bc && !options.dataverse : !options.bc || !options.dataverse)
    command.error(
      options.uncouple ? "--uncouple needs --bc or --dataverse" : "couple needs both --bc and --dataverse",
      { exitCode: EXIT.usage },
    );
  await withIntegration(options, async (ctx) => {
    const mapping = ctx.mappings.find((m) => m.name === name.toUpperCase());
    if (!mapping) {
      throw bcsyncError(INTEGRATION_UNKNOWN_MAPPING, {
        mapping: name,
        known: ctx.mappings.map((m) => m.name).join(", "),
      });
    }
    const bcId = options.bc?.toLowerCase();
    const dvId = options.dataverse?.toLowerCase();
    if (options.uncouple) {
      const removed = bcId
        ? await ctx.store.couplings.uncoupleByBcId(mapping.name, bcId)
        : dvId
          ? await ctx.store.couplings.uncoupleByDataverseId(mapping.name, dvId)
          : false;
      if (options.json) printJson({ mapping: mapping.name, uncoupled: removed });
      else process.stdout.write(removed ? "uncoupled\n" : "no such coupling\n");
      if (!removed) raiseExitCode(EXIT.error);
      return;
    }
    if (!bcId || !dvId) return;
    const coupled = await coupleRecords(ctx, mapping.name, { bcId, dataverseId: dvId });
    if (!coupled.ok) throw coupled.error;
    const view = coupled.value;
    if (options.json) printJson(view);
    else {
      process.stdout.write(`coupled ${mapping.name}: ${bcId} ⇄ ${dvId}\n`);
      process.stdout.write(`  open in Business Central: ${view.bcUrl ?? "(no page for this table)"}\n`);
      process.stdout.write(`  open in Sales: ${view.salesUrl ?? "(no Sales URL configured)"}\n`);
    }
  });
}
