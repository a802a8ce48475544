// The full synchronization review (seed S13, S18; bc-reference §7): one line per mapping with its state and
// dependencies, an initial recommendation, "recommended full sync" to override it, "sync all" that fully
// synchronizes every line whose dependencies are done (in dependency order), and "restart" of one line.
// Option-set mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT) are lines too: CUSTOMER and VENDOR depend
// on them, so their codes are coupled to option values before the accounts' fields look them up.

import { COMPANION_API } from "../connectors/index.ts";
import type { TableMapping } from "../engine/model.ts";
import type { ReviewLine } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";
import { type MappingSyncResult, needsSettling, runSequence, syncMappings } from "./sync.ts";

export type Recommendation = "Full Synchronization" | "Couple Records" | "No Records Found";
export type LineState = "" | "In Process" | "Finished" | "Error";

/** Mappings the review lists: no lines (they ride with headers), no one-way sales orders (BC §7). */
export function reviewable(mappings: readonly TableMapping[]): TableMapping[] {
  return runSequence(mappings).filter(
    (m) => !m.parent && !(m.name === "SALESORDER-ORDER" && m.direction !== "bidirectional"),
  );
}

async function hasRecords(ctx: IntegrationContext, m: TableMapping): Promise<{ bc: boolean; dataverse: boolean }> {
  const first = async (gen: AsyncGenerator<{ ok: boolean; value?: { rows: unknown[] } }>) => {
    const r = await gen.next();
    await gen.return(undefined);
    return !r.done && r.value.ok === true && (r.value.value?.rows.length ?? 0) > 0;
  };
  const scope = ctx.businessCentral.company(ctx.companyId, m.bc.api === "companion" ? COMPANION_API : "v2.0");
  const bc = await first(scope.pages(m.bc.entitySet, { filter: m.bc.filter, select: [m.bc.keyField], pageSize: 1 }));
  // An option-set mapping's Dataverse side is the option set's metadata, not rows: its pass couples (or inserts).
  if (m.kind === "optionSet") return { bc, dataverse: false };
  const dataverse = await first(
    ctx.dataverse.pages(m.dataverse.entitySet, { filter: m.dataverse.filter, select: [m.dataverse.keyField], top: 1 }),
  );
  return { bc, dataverse };
}

/**
 * BC's initial recommendation: both sides empty → nothing to do; both filled → couple first; else full sync.
 * An option-set mapping has one kind of run (codes to options): full when BC has codes.
 */
export function recommend(m: TableMapping, has: { bc: boolean; dataverse: boolean }): Recommendation {
  if (m.name === "SALESPEOPLE" || m.name === "CURRENCY") return "Full Synchronization";
  if (!has.bc && !has.dataverse) return "No Records Found";
  if (has.bc && has.dataverse) return "Couple Records";
  return "Full Synchronization";
}

/** Creates missing lines and refreshes the ones not started; lines in progress or done keep their state. */
export async function refreshReview(ctx: IntegrationContext): Promise<ReviewLine[]> {
  const existing = new Map((await ctx.store.review.list()).map((l) => [l.mappingName, l]));
  for (const m of reviewable(ctx.mappings)) {
    const line = existing.get(m.name);
    if (line?.queueStatus) continue;
    const recommendation =
      line?.recommendation === "Full Synchronization" ? line.recommendation : recommend(m, await hasRecords(ctx, m));
    await ctx.store.review.upsert({
      mappingName: m.name,
      dependencyFilter: m.dependsOn.join("|"),
      direction: m.direction,
      toJobId: null,
      toJobStatus: null,
      fromJobId: null,
      fromJobStatus: null,
      queueEntryId: null,
      queueStatus: null,
      recommendation,
    });
  }
  return orderedLines(ctx);
}

/** The lines in dependency order. */
export async function orderedLines(ctx: IntegrationContext): Promise<ReviewLine[]> {
  const lines = new Map((await ctx.store.review.list()).map((l) => [l.mappingName, l]));
  return reviewable(ctx.mappings).flatMap((m) => lines.get(m.name) ?? []);
}

/** "Recommended full sync": a line will be fully synchronized instead of coupled. */
export async function recommendFullSync(ctx: IntegrationContext, names: readonly string[]): Promise<void> {
  for (const line of await refreshReview(ctx)) {
    if (names.includes(line.mappingName))
      await ctx.store.review.upsert({ ...line, recommendation: "Full Synchronization" });
  }
}

function dependenciesDone(line: ReviewLine, byName: Map<string, ReviewLine>): boolean {
  return line.dependencyFilter
    .split("|")
    .filter(Boolean)
    .every((dep) => {
      const d = byName.get(dep);
      return !d || d.queueStatus === "Finished" || d.recommendation === "No Records Found";
    });
}

/**
 * "Sync all": runs every line that has not started and whose dependencies are done, again and again until
 * nothing more can start. A full sync matches uncoupled records first (couple), then creates the rest.
 */
export async function syncAll(
  ctx: IntegrationContext,
  onLine?: (line: ReviewLine) => void | Promise<void>,
): Promise<ReviewLine[]> {
  await refreshReview(ctx);
  // The review runs one mapping at a time, so the full sync's own settling pass (sync.ts) never sees the whole set:
  // the review settles at its end with the same rule.
  const ran: MappingSyncResult[] = [];
  for (;;) {
    const lines = await orderedLines(ctx);
    const byName = new Map(lines.map((l) => [l.mappingName, l]));
    const next = lines.find(
      (l) => !l.queueStatus && l.recommendation !== "No Records Found" && dependenciesDone(l, byName),
    );
    if (!next) return settleReview(ctx, lines, new Set(needsSettling(ctx.mappings, ran)), onLine);
    await ctx.store.review.upsert({ ...next, queueStatus: "In Process" });
    let updated: ReviewLine;
    try {
      const [result] = await syncMappings(ctx, { names: [next.mappingName], full: true });
      if (result.error) throw new Error(result.error);
      ran.push(result);
      const passes = result.passes;
      const to = passes.find((p) => p.direction === "toDataverse");
      const from = passes.find((p) => p.direction === "fromDataverse");
      const failed = passes.some((p) => p.status === "failed" || p.counters.failed > 0);
      updated = {
        ...next,
        toJobId: to?.jobId ?? null,
        toJobStatus: to ? (to.status === "failed" || to.counters.failed > 0 ? "Error" : "Success") : null,
        fromJobId: from?.jobId ?? null,
        fromJobStatus: from ? (from.status === "failed" || from.counters.failed > 0 ? "Error" : "Success") : null,
        queueStatus: failed ? "Error" : "Finished",
      };
    } catch (error) {
      updated = {
        ...next,
        queueStatus: "Error",
        toJobStatus: error instanceof Error ? error.message.slice(0, 200) : "Error",
      };
    }
    await ctx.store.review.upsert(updated);
    await onLine?.(updated);
  }
}

/**
 * The review's last step: one more full pass of the finished mappings that need it (forward lookups, records
 * created in BC), so that a full sync right after the review finds nothing to write. A failure there turns the
 * line to Error with its job, as any pass of the review would.
 */
async function settleReview(
  ctx: IntegrationContext,
  lines: ReviewLine[],
  settle: Set<string>,
  onLine?: (line: ReviewLine) => void | Promise<void>,
): Promise<ReviewLine[]> {
  const names = lines
    .filter((l) => l.queueStatus === "Finished" && settle.has(l.mappingName))
    .map((l) => l.mappingName);
  if (names.length === 0) return lines;
  for (const result of await syncMappings(ctx, { names, full: true })) {
    const failed = result.error || result.passes.some((p) => p.status === "failed" || p.counters.failed > 0);
    if (!failed) continue;
    const line = lines.find((l) => l.mappingName === result.mapping);
    if (!line) continue;
    const updated: ReviewLine = { ...line, queueStatus: "Error" };
    await ctx.store.review.upsert(updated);
    await onLine?.(updated);
  }
  return orderedLines(ctx);
}

/** "Restart": a finished or failed line starts again (after the unit group migration, S13). */
export async function restartLine(
  ctx: IntegrationContext,
  name: string,
  onLine?: (line: ReviewLine) => void | Promise<void>,
): Promise<ReviewLine[]> {
  const line = (await ctx.store.review.list()).find((l) => l.mappingName === name);
  if (line) {
    await ctx.store.review.upsert({
      ...line,
      queueStatus: null,
      toJobId: null,
      toJobStatus: null,
      fromJobId: null,
      fromJobStatus: null,
      recommendation: "Full Synchronization",
    });
  }
  return syncAll(ctx, onLine);
}
