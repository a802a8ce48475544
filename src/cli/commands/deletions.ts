// `bcsync deletions [--mapping M] [--all]`: mass deletions held for approval (a run wanted to delete more
// counterparts than the mapping's massDeleteThreshold); `bcsync deletions approve ID` deletes them now,
// `bcsync deletions reject ID` discards the hold and deletes nothing.

import type { Command } from "commander";
import { approveDeletion, listHeldDeletions, rejectDeletion } from "../../admin/deletions.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { type CommonCliOptions, withIntegration, withStore } from "../../integration/cli.ts";
import type { HeldDeletion } from "../../store/index.ts";
import { EXIT, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";

interface DeletionsCliOptions extends CommonCliOptions {
  mapping?: string;
  all?: boolean;
}

const row = (d: HeldDeletion) => ({
  id: d.id,
  mapping: d.mappingName,
  direction: d.direction,
  records: d.recordCount,
  status: d.status,
  heldAt: d.createdAt,
  sample: d.recordIds.slice(0, 3).join(", ") + (d.recordIds.length > 3 ? ", …" : ""),
});

export async function deletionsAction(options: DeletionsCliOptions): Promise<void> {
  await withStore(options, async (store) => {
    const list = await listHeldDeletions(store, {
      ...(options.mapping ? { mappingName: options.mapping.toUpperCase() } : {}),
      all: options.all === true,
    });
    if (options.json) for (const d of list) printJson(d);
    else {
      printTable(list.map(row));
      const held = list.filter((d) => d.status === "held").length;
      if (held > 0)
        process.stdout.write(
          `\n${held} deletion(s) wait for a decision: npx bcsync deletions approve ID (delete them) or npx bcsync deletions reject ID (keep them)\n`,
        );
    }
    if (list.some((d) => d.status === "held")) raiseExitCode(EXIT.recordFailures);
  });
}

export async function approveDeletionAction(id: string, _local: DeletionsCliOptions, command: Command): Promise<void> {
  // --config, --data and --json belong to `deletions` (commander gives a parent's options to the parent).
  const options = command.optsWithGlobals<DeletionsCliOptions>();
  await withIntegration(options, async (ctx) => {
    const report = valueOrThrow(await approveDeletion(ctx, id));
    const summary = { id, mapping: report.mapping, status: report.status, ...report.counters };
    if (options.json) printJson(summary);
    else printTable([summary], ["id", "mapping", "status", "deleted", "failed"]);
    if (report.status === "failed") raiseExitCode(EXIT.recordFailures);
  });
}

export async function rejectDeletionAction(id: string, _local: DeletionsCliOptions, command: Command): Promise<void> {
  // --config, --data and --json belong to `deletions` (commander gives a parent's options to the parent).
  const options = command.optsWithGlobals<DeletionsCliOptions>();
  await withStore(options, async (store) => {
    const decided = valueOrThrow(await rejectDeletion(store, id));
    if (options.json) printJson(decided);
    else printTable([row(decided)]);
  });
}
