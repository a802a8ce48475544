// `bcsync review`: the full synchronization review (seed S13, S18): one line per mapping in dependency order
// with its state and recommendation; `--recommend-full MAPPING`, `--sync-all`, `--restart MAPPING`.

import { type CommonCliOptions, withIntegration } from "../../integration/cli.ts";
import { recommendFullSync, refreshReview, restartLine, syncAll } from "../../integration/review.ts";
import { enableMultipleUnits } from "../../integration/units.ts";
import type { ReviewLine } from "../../store/index.ts";
import { EXIT, type ExitCode, raiseExitCode } from "../exit-codes.ts";
import { printJson, printTable } from "../output.ts";
import { mappingProgress } from "../progress.ts";

/**
 * What a sync all (or restart) means for a script: a line that could not run is an error (1); a line whose run
 * had failed records is 3; lines left waiting behind a failed dependency are named in the summary.
 */
export function reviewOutcome(
  ran: readonly ReviewLine[],
  lines: readonly ReviewLine[],
): { exitCode: ExitCode; summary?: string } {
  const failed = ran.filter((l) => l.queueStatus === "Error");
  if (failed.length === 0) return { exitCode: EXIT.ok };
  // A line whose sync threw has no job status of its own (the message stands in toJobStatus).
  const broken = failed.filter(
    (l) => !["Error", "Success", null].includes(l.toJobStatus) || (!l.toJobId && !l.fromJobId),
  );
  const waiting = lines.filter((l) => !l.queueStatus && l.recommendation !== "No Records Found");
  const parts = [`${failed.length} mapping(s) ended in error: ${failed.map((l) => l.mappingName).join(", ")}`];
  if (waiting.length > 0)
    parts.push(`not started (a dependency failed): ${waiting.map((l) => l.mappingName).join(", ")}`);
  const exitCode = broken.length > 0 ? EXIT.error : EXIT.recordFailures;
  return { exitCode, summary: `${parts.join("; ")} (exit code ${exitCode}); \`npx bcsync errors\` lists the records.` };
}

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

export async function reviewAction(options: ReviewCliOptions): Promise<void> {
  await withIntegration(options, async (ctx) => {
    if (options.recommendFull?.length)
      await recommendFullSync(
        ctx,
        options.recommendFull.map((n) => n.toUpperCase()),
      );
    const ran: ReviewLine[] = [];
    const lineCount = options.syncAll || options.restart ? (await refreshReview(ctx)).length : 0;
    const bar = mappingProgress(lineCount, { json: options.json });
    const progress = (l: ReviewLine) => {
      if (l.queueStatus === "In Process") bar.working(l.mappingName);
      else {
        ran.push(l);
        bar.done(l.mappingName);
      }
      if (!options.json && !process.stderr.isTTY) process.stdout.write(`${l.mappingName}: ${l.queueStatus}\n`);
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
    bar.stop();
    const rows = lines.map(row);
    if (options.json) printJson({ lines: rows });
    else printTable(rows);
    const outcome = reviewOutcome(ran, lines);
    if (!options.json && outcome.summary) process.stderr.write(`${outcome.summary}\n`);
    raiseExitCode(outcome.exitCode);
  });
}
