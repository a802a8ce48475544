// Helpers for the integration's hand-written BC → Dataverse passes (document lines, sales prices): rules the
// generic engine cannot express still log one sync job per pass, with counters, like every other pass.

import type { Row } from "../connectors/index.ts";
import type { PassReport } from "../engine/runner.ts";
import type { SyncCounters } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";

/** Reads every page of a connector read into memory (small sets only: a document's lines, price groups). */
export async function allRows(
  pages: AsyncIterable<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>,
): Promise<Row[]> {
  const out: Row[] = [];
  for await (const page of pages) {
    if (!page.ok) throw page.error;
    out.push(...page.value.rows);
  }
  return out;
}

/** The first row of a read, or undefined; a failed read throws. */
export async function firstRow(
  pages: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>,
): Promise<Row | undefined> {
  for await (const page of pages) {
    if (!page.ok) throw page.error;
    return page.value.rows[0];
  }
  return undefined;
}

/** Adds the counters to the pass's sync job, finishes it, and reports it as the engine's passes are reported. */
export async function finishDirectPass(
  ctx: IntegrationContext,
  job: { id: string },
  mappingName: string,
  counters: SyncCounters,
  noun: string,
): Promise<PassReport> {
  await ctx.store.jobs.count(job.id, counters);
  const status = counters.failed > 0 ? "failed" : "succeeded";
  const message =
    counters.failed > 0 ? `${counters.failed} ${noun}(s) failed; see them with \`npx bcsync errors\`` : undefined;
  await ctx.store.jobs.finish(job.id, { status, ...(message ? { message } : {}) });
  return {
    jobId: job.id,
    mapping: mappingName,
    direction: "toDataverse",
    status,
    ...(message ? { message } : {}),
    counters,
    planned: [],
    pages: 0,
  };
}
