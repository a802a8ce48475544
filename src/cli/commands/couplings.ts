// `bcsync couplings`: how many records each mapping couples; `bcsync couplings MAPPING`: its couplings, each with
// the links that open the record in Business Central's web client and in Sales (seed S6, issue 10.20);
// `--uncouple ID` removes one coupling (BC id or Dataverse id; the records stay); `--couple BC_ID=DV_ID` adds one.

import type { Command } from "commander";
import { coupleRecords, listCouplings, uncoupleRecord } from "../../admin/couplings.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { bcsyncError, INTEGRATION_UNKNOWN_MAPPING } from "../../errors/catalogue.ts";
import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { printJson, printTable } from "../output.ts";

interface CouplingsCliOptions extends CommonCliOptions {
  uncouple?: string;
  couple?: string;
  limit?: string;
}

export async function couplingsAction(
  name: string | undefined,
  options: CouplingsCliOptions,
  command: Command,
): Promise<void> {
  if ((options.uncouple || options.couple) && !name)
    return command.error(
      "error: --couple and --uncouple need the mapping, e.g. bcsync couplings CUSTOMER --uncouple ID",
    );
  await withIntegration(options, async (ctx) => {
    if (!name) {
      const rows = [];
      for (const m of ctx.mappings.filter((x) => x.kind === "table"))
        rows.push({
          mapping: m.name,
          coupled: await ctx.store.couplings.count(m.name),
          skipped: await ctx.store.couplings.count(m.name, { skipped: true }),
        });
      if (options.json) for (const r of rows) printJson(r);
      else printTable(rows);
      return;
    }
    if (options.uncouple) {
      const removed = valueOrThrow(await uncoupleRecord(ctx, name, options.uncouple));
      if (options.json) printJson({ ...removed, uncoupled: true });
      else process.stdout.write(`uncoupled ${removed.mapping}: ${removed.bcId} ⇄ ${removed.dataverseId}\n`);
      return;
    }
    if (options.couple) {
      const [bcId, dataverseId] = options.couple.split("=");
      if (!bcId || !dataverseId) return command.error("error: --couple takes BC_ID=DATAVERSE_ID");
      const view = valueOrThrow(await coupleRecords(ctx, name, { bcId, dataverseId }));
      if (options.json) printJson(view);
      else
        process.stdout.write(
          `coupled ${view.mapping}: ${view.bcId} ⇄ ${view.dataverseId}\n${view.bcUrl ? `  open in Business Central: ${view.bcUrl}\n` : ""}${view.salesUrl ? `  open in Sales: ${view.salesUrl}\n` : ""}`,
        );
      return;
    }
    const rows = await listCouplings(ctx, name.toUpperCase(), Number(options.limit));
    if (!rows)
      throw bcsyncError(INTEGRATION_UNKNOWN_MAPPING, {
        mapping: name,
        known: ctx.mappings.map((m) => m.name).join(", "),
      });
    if (options.json) for (const r of rows) printJson(r);
    else
      printTable(
        rows.map((r) => ({ ...r, skipped: r.skipped ? "yes" : "", lastError: r.lastError ?? "" })),
        ["bcId", "dataverseId", "skipped", "bcUrl", "salesUrl", "lastError"],
      );
  });
}
