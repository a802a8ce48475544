// `bcsync conflicts [--mapping M] [--all]`: fields changed on both sides since the last sync, with the base, BC
// and Sales values; `bcsync conflicts resolve ID[=bc|dataverse]... [--keep bc|dataverse]` decides field by field.

import type { Command } from "commander";
import { type ConflictDecision, type ConflictSide, listConflicts, resolveConflicts } from "../../admin/conflicts.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { type CommonCliOptions, withIntegration, withStore } from "../../integration/cli.ts";
import type { Conflict } from "../../store/index.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";

interface ConflictsCliOptions extends CommonCliOptions {
  mapping?: string;
  all?: boolean;
  keep?: string;
}

const show = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
const row = (c: Conflict) => ({
  id: c.id,
  mapping: c.mappingName,
  bcId: c.bcId,
  field: c.field,
  base: show(c.baseValue),
  bc: show(c.bcValue),
  dataverse: show(c.dataverseValue),
  status: c.resolution ? `${c.status} (${c.resolution})` : c.status,
});

/** `ID=bc`, `ID=dataverse`, or a bare `ID` taking `--keep`; the first argument without a side is returned instead. */
export function parseDecisions(args: string[], keep?: string): ConflictDecision[] | { missingSide: string } {
  const decisions: ConflictDecision[] = [];
  for (const arg of args) {
    const [id, chosen] = arg.split("=");
    const side = (chosen ?? keep)?.toLowerCase();
    if (side !== "bc" && side !== "dataverse") return { missingSide: arg };
    decisions.push({ id, keep: side as ConflictSide });
  }
  return decisions;
}

export async function conflictsAction(options: ConflictsCliOptions): Promise<void> {
  await withStore(options, async (store) => {
    const list = await listConflicts(store, {
      ...(options.mapping ? { mappingName: options.mapping.toUpperCase() } : {}),
      all: options.all === true,
    });
    if (options.json) for (const c of list) printJson(c);
    else {
      printTable(list.map(row), ["id", "mapping", "bcId", "field", "base", "bc", "dataverse", "status"]);
      const open = list.filter((c) => c.status === "open").length;
      if (open > 0)
        process.stdout.write(
          `\n${open} open conflict(s). Keep one side per field: npx bcsync conflicts resolve ID=bc (or ID=dataverse)\n`,
        );
    }
    if (list.some((c) => c.status === "open")) raiseExitCode(EXIT.recordFailures);
  });
}

export async function resolveConflictsAction(
  args: string[],
  _local: ConflictsCliOptions,
  command: Command,
): Promise<void> {
  // --config, --data and --json belong to `conflicts` (commander gives a parent's options to the parent).
  const options = command.optsWithGlobals<ConflictsCliOptions>();
  const decisions = parseDecisions(args, options.keep);
  if (!Array.isArray(decisions))
    return command.error(
      `error: say which side to keep for ${decisions.missingSide}: ID=bc, ID=dataverse, or --keep bc|dataverse`,
    );
  await withIntegration(options, async (ctx) => {
    const resolved = valueOrThrow(await resolveConflicts(ctx, decisions));
    if (options.json) for (const c of resolved) printJson(c);
    else printTable(resolved.map(row), ["id", "mapping", "bcId", "field", "bc", "dataverse", "status"]);
  });
}
