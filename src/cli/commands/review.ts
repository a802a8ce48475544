// `bcsync review`: the full synchronization review (seed S13, S18): one line per mapping in dependency order
// with its state and recommendation; `--recommend-full MAPPING`, `--sync-all`, `--restart MAPPING`.

import type { Command } from "commander";
import { type CommonCliOptions, collect, withCommonOptions, withIntegration } from "../../integration/cli.ts";
import { recommendFullSync, refreshReview, restartLine, syncAll } from "../../integration/review.ts";
import { enableMultipleUnits } from "../../integration/units.ts";
import type { ReviewLine } from "../../store/index.ts";
import { printJson, printTable } from "../output.ts";

interface ReviewCliOptions extends CommonCliOptions {
  enableUnitGroups?: boolean;
  recommendFull?: string[];
  syncAll?: boolean;
  restart?: string;
}

const row = (l: ReviewLine, i: number) => ({
  order: i + 1,
  mapping: l.mappingName,
  direction: l.direction,
  dependsOn: l.dependencyFilter,
  recommendation: l.recommendation ?? "",
  state: l.queueStatus ?? "",
  toDataverse: l.toJobStatus ?? "",
  fromDataverse: l.fromJobStatus ?? "",
});

export function registerReviewCommand(program: Command): void {
  withCommonOptions(
    program
      .command("review")
      .description("Full synchronization review: state, dependencies, recommended full sync, sync all, restart.")
      .option("--recommend-full <mapping>", "recommend a full synchronization for a mapping (repeatable)", collect)
      .option("--sync-all", "fully synchronize every line whose dependencies are done, in dependency order")
      .option("--restart <mapping>", "start a finished or failed line again")
      .option(
        "--enable-unit-groups",
        "switch on multiple units of measure: uncouple and retire products, unit group mappings, full sync, restart products",
      )
      .option("--json", "JSON output"),
  ).action(async (options: ReviewCliOptions) => {
    await withIntegration(options, async (ctx) => {
      if (options.recommendFull?.length)
        await recommendFullSync(
          ctx,
          options.recommendFull.map((n) => n.toUpperCase()),
        );
      const progress = (l: ReviewLine) => {
        if (!options.json) process.stdout.write(`${l.mappingName}: ${l.queueStatus}\n`);
      };
      let lines: ReviewLine[];
      if (options.enableUnitGroups) {
        const report = await enableMultipleUnits(ctx, (step) => {
          if (!options.json) process.stdout.write(`${step.step}: ${step.detail}\n`);
        });
        if (options.json) printJson({ unitGroups: report });
      }
      if (options.restart) lines = await restartLine(ctx, options.restart.toUpperCase(), progress);
      else if (options.syncAll) lines = await syncAll(ctx, progress);
      else lines = await refreshReview(ctx);
      const rows = lines.map(row);
      if (options.json) printJson({ lines: rows });
      else printTable(rows);
    });
  });
}
