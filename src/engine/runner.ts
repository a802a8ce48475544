// The runner: the imperative shell around the planner. One pass = one sync job of one mapping in one
// direction: reconcile write intents left by a crash, retry failed records, read changes page by page (watermark
// minus an overlap window, or a delta link), prefetch what the planner needs, plan, write in batches, and
// record couplings, snapshots, counters and errors. Memory is bounded by the page size.

import { CONNECTOR_CONCURRENCY_CONFLICT, CONNECTOR_DELTA_EXPIRED } from "../errors/codes/connectors.ts";
import {
  ENGINE_MAPPING_NOT_FOUND,
  ENGINE_MASS_DELETE_HELD,
  ENGINE_MATCH_QUERY_REFUSED,
  ENGINE_WRITE_FAILED,
} from "../errors/codes/engine.ts";
import { STORE_COUPLING_EXISTS } from "../errors/codes/store.ts";
import { storeFailure } from "../store/failures.ts";
import type { NewCoupling, Store, SyncCounters } from "../store/index.ts";
import { zeroCounters } from "../store/index.ts";
import { nextCodes } from "./code-series.ts";
import { type PlanError, passFields, planError } from "./convert.ts";
import { deletedSources, ID_SCAN_PAGE_SIZE } from "./deleted-sources.ts";
import { deletionPropagatesFromTarget, massDeleteDecision } from "./deletions.ts";
import { type CompiledFilter, compileFilter } from "./filter.ts";
import { IdSet } from "./id-set.ts";
import { type IntegrationUsers, isIntegrationUser } from "./integration-users.ts";
import { hasMatchFields, matchesByUniqueValues } from "./matching.ts";
import { fieldDirection, fieldKey, type PassDirection, passesOf, type TableMapping } from "./model.ts";
import { type EarlyOptionRead, runOptionPass } from "./options.ts";
import { storedSnapshot, toCouplingState } from "./persist.ts";
import { HeadStart, readAhead } from "./pipeline/read.ts";
import { PageWindow } from "./pipeline/record.ts";
import { BatchWriter, batchSize, inParallel, yieldToEventLoop } from "./pipeline/write.ts";
import {
  type CouplingUpdate,
  type FieldConflict,
  type PlanContext,
  type PlanInput,
  type PlanKind,
  planRecord,
  type RecordPlan,
  type RunMode,
  selectFor,
  snapshotOf,
  unvalidatedProperties,
  wireValue,
} from "./planner.ts";
import type {
  ChangePage,
  EntityPort,
  PortError,
  PortFactory,
  PortResult,
  ReadChangesOptions,
  RefusedRow,
  Side,
  WriteOutcome,
  WriteValidation,
} from "./ports.ts";
import { chunks, getAllByIds, getAllByIdsIsolating, LookupLoader, type MatchRefusal, MatchSource } from "./prefetch.ts";
import { type CouplingState, recordName, type SideRecord, type SourceChange } from "./records.ts";
import { isAfter, isBlank, sameValue } from "./values.ts";

export interface EngineDeps {
  store: Store;
  ports: PortFactory;
  /** All table mappings by name (lookups and parents resolve through them). */
  mappings: (name: string) => TableMapping | undefined;
  /** The integration users' ids on each side (one per app registration): their changes are never synced (S15). */
  integrationUsers?: IntegrationUsers;
  now?: () => Date;
}

export interface RunOptions {
  mode?: RunMode;
  /** Only these passes (default: every pass the mapping's direction allows, BC → DV first). */
  passes?: PassDirection[];
  /** Plan without writing anything but the (dry-run) job. */
  dryRun?: boolean;
  pageSize?: number;
  /** Re-read this much before the watermark (BC uses 999 ms on Dataverse). */
  overlapMs?: number;
  /**
   * Dataverse change tracking (delta links). Default: used where the table has change tracking on and the
   * mapping's Dataverse filter can be applied client-side (src/engine/filter.ts); false = always the modified-on
   * watermark; true = delta links without asking the metadata. An expired link falls back to the watermark.
   */
  useDelta?: boolean;
  queueEntryId?: string;
  /** Stop after this many pages. */
  maxPages?: number;
  /**
   * What this run's full passes read (runMapping makes one for its passes): give one to several runMapping calls
   * that run the passes of one sync separately.
   */
  seen?: SeenThisRun;
  /**
   * Reads of this mapping's passes begun before the run (readEarly, readChangesEarly): a pass takes its own over when
   * it would read the same way, and the run closes those not taken.
   */
  earlyReads?: readonly EarlyRead[];
  /** An option-set mapping's reads begun before the run (readOptionsEarly), used unless no longer usable. */
  earlyOptionRead?: EarlyOptionRead;
  /** Called after each page is written (progress for the CLI; tests wait on it instead of sleeping). */
  onPage?: (progress: { direction: PassDirection; pages: number; counters: SyncCounters }) => void;
  /** Called as each pass ends, before the next begins (what waits on a pass's writes need not wait for the run). */
  onPassEnd?: (report: PassReport) => void;
}

/** One record's plan, as a dry run shows it. */
export interface PlannedRecord {
  sourceId: string;
  targetId?: string;
  kind: PlanKind;
  reason?: string;
  changes?: { field: string; from: unknown; to: unknown }[];
  conflicts?: FieldConflict[];
  error?: PlanError;
}

export interface PassReport {
  jobId: string;
  mapping: string;
  direction: PassDirection;
  status: "succeeded" | "failed";
  message?: string;
  counters: SyncCounters;
  /** Dry run: the plan of every record (capped at 10,000). */
  planned: PlannedRecord[];
  heldDeletionId?: string;
  /** Requests sent to each side during the pass (benchmarks). */
  pages: number;
  /**
   * Write requests the pass sent to its target, whatever their answer (one whose answer was lost may have landed);
   * absent where a pass does not count them. A sync's reads of that side begun before are stale after one.
   */
  writeRequests?: number;
}

const DRY_RUN_CAP = 10_000;

/** Runs every pass of a mapping (or the passes asked for). */
export async function runMapping(
  deps: EngineDeps,
  mappingName: string,
  options: RunOptions = {},
): Promise<PassReport[]> {
  const mapping = deps.mappings(mappingName);
  if (!mapping) {
    const e = planError(ENGINE_MAPPING_NOT_FOUND, { mapping: mappingName });
    throw Object.assign(new Error(e.message), { code: e.code });
  }
  if (mapping.kind === "optionSet") {
    // One pass, BC → DV (codes to options), whatever the mapping's direction says.
    if (options.passes && !options.passes.includes("toDataverse")) return [];
    const report = await runOptionPass(deps, mapping, options);
    options.onPassEnd?.(report);
    return [report];
  }
  const reports: PassReport[] = [];
  const seen = options.seen ?? new SeenThisRun();
  try {
    for (const pass of options.passes ?? passesOf(mapping.direction)) {
      const report = await runPass(deps, mapping, pass, options, seen);
      reports.push(report);
      options.onPassEnd?.(report);
    }
  } catch (error) {
    // A lost PostgreSQL connection (at a commit, outside a transaction) or a full disk ends the run with its
    // catalogued error and fix, not a driver's raw error (issue 14).
    throw storeFailure(error) ?? error;
  } finally {
    // An early read no pass took over (other options, or the pass never read) is closed.
    for (const early of options.earlyReads ?? []) await early.read.cancel();
  }
  return reports;
}

/**
 * The records a full pass of this run read from its source, by side: they existed moments ago. The reverse pass
 * of the same full sync does not read them again by id to check that the counterparts of its unchanged coupled
 * records still exist (after a full sync BC → Dataverse, every account it created would otherwise be checked
 * against Business Central one `id eq … or …` chunk at a time). Kept only for full passes.
 */
export class SeenThisRun {
  private readonly ids = { bc: new IdSet(), dataverse: new IdSet() };
  /**
   * When this run began, to the whole second below (Dataverse stamps rows to the second): a row the integration
   * user changed at or after it is one of this run's own writes (ownWritesOfThisRun).
   */
  readonly startedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  add(side: Side, id: string): void {
    this.ids[side].add(id);
  }
  has(side: Side, id: string): boolean {
    return this.ids[side].has(id);
  }
}

const sideOf = (pass: PassDirection): { source: Side; target: Side } =>
  pass === "toDataverse" ? { source: "bc", target: "dataverse" } : { source: "dataverse", target: "bc" };

const storeSide = (side: Side): "bc" | "dataverse" => side;

class Pass {
  readonly counters = zeroCounters();
  private pending = zeroCounters();
  readonly planned: PlannedRecord[] = [];
  readonly deletions: { sourceId: string; targetId: string; bcId: string }[] = [];
  readonly sourcePort: EntityPort;
  readonly targetPort: EntityPort;
  readonly sides: { source: Side; target: Side };
  readonly lookups: LookupLoader;
  readonly matches: MatchSource;
  readonly selectSource: string[];
  readonly selectTarget: string[];
  readonly mode: RunMode;
  readonly dryRun: boolean;
  pages = 0;
  /** Pages fully written and recorded (progress reported to onPage). */
  pagesRecorded = 0;
  /** Pages being written at once: each page's updates get that share of the target's concurrency. */
  pagesInFlight = 1;
  /** Source ids whose update on the stored version was refused (the counterpart changed): read before writing. */
  readonly staleTargets = new Set<string>();
  /** Source ids answered malformed again by their read by id this pass (retryRefusedRows): failed once already. */
  readonly refusedById = new Set<string>();
  /** Rows the source holds for this pass, when it could say (countRecords, full reads only). */
  sourceRows: number | undefined;
  /** Rows read from the source so far this pass. */
  rowsRead = 0;
  /** Write requests sent to the target (creates, updates, deletes), answered or not. */
  writeRequests = 0;
  /** The pass's bulk creates, shared by its pages: every free slot of the target's budget takes the next records. */
  readonly inserts: BatchWriter<InsertItem>;

  constructor(
    readonly deps: EngineDeps,
    readonly mapping: TableMapping,
    readonly pass: PassDirection,
    readonly jobId: string,
    readonly options: RunOptions,
    readonly seen: SeenThisRun = new SeenThisRun(),
  ) {
    this.sides = sideOf(pass);
    const read = readContextOf(deps, mapping, pass, options, seen);
    this.sourcePort = read.sourcePort;
    this.targetPort = deps.ports.forMapping(mapping, this.sides.target);
    this.lookups = new LookupLoader(deps.store, deps.ports, deps.mappings);
    this.selectSource = read.selectSource;
    this.selectTarget = selectFor(mapping, this.sides.target === "bc" ? "bc" : "dv");
    this.mode = read.mode;
    this.dryRun = read.dryRun;
    // A full sync matches most of its records: a small target is read once instead of queried page by page.
    this.matches = new MatchSource(mapping, pass, this.targetPort, this.selectTarget, this.mode === "full");
    this.inserts = new BatchWriter(
      () => this.targetPort.writeBudget?.(),
      (batch) => createBatch(this, batch),
      { upcoming: () => this.upcomingInserts() },
    );
  }

  /**
   * The creates still to come from the source, estimated: the rows not read yet (of the count the source gave at
   * the start of a full read) at the share of the rows read so far that became creates. Undefined without a count.
   */
  upcomingInserts(): number | undefined {
    if (this.sourceRows === undefined) return undefined;
    const left = Math.max(0, this.sourceRows - this.rowsRead);
    return this.rowsRead === 0 ? left : Math.ceil((left * this.inserts.received) / this.rowsRead);
  }

  get store(): Store {
    return this.deps.store;
  }

  count(counter: keyof SyncCounters, n = 1): void {
    this.counters[counter] += n;
    this.pending[counter] += n;
  }

  async flushCounters(): Promise<void> {
    const delta = this.pending;
    this.pending = zeroCounters();
    await this.store.jobs.count(this.jobId, delta);
  }

  bcIdOf(plan: RecordPlan, targetId?: string): string {
    return this.pass === "toDataverse" ? plan.sourceId : (targetId ?? plan.targetId ?? "");
  }

  async logError(plan: { sourceId: string; targetId?: string }, error: PlanError | PortError): Promise<void> {
    const port = error as PortError;
    await this.store.jobs.addError(
      { id: this.jobId, mappingName: this.mapping.name, direction: this.pass },
      {
        sourceId: plan.sourceId,
        destinationId: plan.targetId ?? null,
        field: error.field ?? null,
        code: error.code,
        message: error.message,
        requestId: port.requestId ?? null,
        detail: port.detail ?? null,
      },
    );
  }

  /** A record failed: logged; a coupled record is marked failed (retried next run, skipped when it repeats). */
  async fail(plan: { sourceId: string; targetId?: string }, error: PlanError | PortError, coupled: boolean) {
    this.count("failed");
    await this.logError(plan, error);
    if (!coupled) return;
    const bcId = this.pass === "toDataverse" ? plan.sourceId : (plan.targetId ?? "");
    // skipAfterFailures 0 = never skip; a transient failure (throttle, outage) neither counts nor skips.
    await this.store.couplings.recordFailure(this.mapping.name, bcId.toLowerCase(), {
      direction: this.pass,
      jobId: this.jobId,
      error: `${error.code}: ${error.message}`,
      skipAfter: this.mapping.skipAfterFailures,
      ...(error.transient ? { transient: true } : {}),
    });
  }
}

async function runPass(
  deps: EngineDeps,
  mapping: TableMapping,
  pass: PassDirection,
  options: RunOptions,
  seen: SeenThisRun,
): Promise<PassReport> {
  const now = deps.now ?? (() => new Date());
  const job = await deps.store.jobs.start({
    mappingName: mapping.name,
    direction: pass,
    type: options.mode === "full" ? "full" : "synchronization",
    dryRun: options.dryRun ?? false,
    queueEntryId: options.queueEntryId ?? null,
  });
  const run = new Pass(deps, mapping, pass, job.id, options, seen);
  const startedAt = now().toISOString();
  let message: string | undefined;
  let heldDeletionId: string | undefined;
  try {
    const handled = new IdSet();
    if (!run.dryRun) await reconcileIntents(run, handled);

    // 1. Records whose last sync in this direction failed are retried, whatever the watermark says; so are rows
    //    the source answered malformed on an earlier pass (the watermark moved past them).
    await retryFailed(run, handled);
    await retryRefusedRows(run, handled);

    // 2. Changed records: by delta link where the table tracks changes and the mapping's filter can be applied
    //    here; else since the watermark (minus the overlap), oldest first. An expired delta link falls back to
    //    the watermark for this run, after taking a fresh link so nothing changed meanwhile is missed.
    const { plan, since, echoesLeftOut, ownWrites, storedLink, how } = await changeReadOf(run);
    const state: ReadState = {
      maxSeen: undefined,
      deltaLink: undefined,
      startedAt,
      overlapMs: options.overlapMs ?? 1000,
    };
    // Rows left out of the read (echoesLeftOut, ownWrites) that still owe fields to BC are read by id first.
    if (echoesLeftOut || ownWrites) await settlePendingFromDataverse(run, handled);
    let read: Awaited<ReturnType<typeof readChanges>> =
      how === "deltaExpired" ? "deltaExpired" : await readChanges(run, handled, state, how);
    // Deletions arrive as tombstones only from a delta link the read continued (not a full read, not a fallback).
    let tombstonesRead = plan.delta && storedLink !== undefined;
    if (read === "deltaExpired") {
      if (!run.dryRun) await deps.store.watermarks.advance(mapping.name, pass, { deltaLink: null });
      state.deltaLink = await freshDeltaLink(run, deltaSelect(run, plan.clientFilter));
      read = await readChanges(run, handled, state, { useDelta: false, since, ownWrites });
      tombstonesRead = false;
    }
    if (typeof read === "object") throw Object.assign(new Error(read.message), { portError: read });
    const { maxSeen } = state;
    // A refused row is read again next run only if the delta link taken before it is not stored past it.
    const deltaLink = state.held ? undefined : state.deltaLink;
    if (!run.dryRun && (maxSeen || deltaLink)) {
      await deps.store.watermarks.advance(mapping.name, pass, {
        ...(maxSeen
          ? { modifiedAt: nextWatermark(maxSeen, state, !state.held && options.maxPages === undefined) }
          : {}),
        ...(deltaLink ? { deltaLink } : {}),
      });
    }

    // 3. Coupled source records deleted without a tombstone are found by their absence, where deletes propagate.
    if (mapping.propagateDeletes && !tombstonesRead && options.maxPages === undefined) {
      await settleDeletedSources(run, handled);
    }

    // 4. Deletions propagate only below the mass-delete threshold; above it they wait for approval.
    heldDeletionId = await executeDeletions(run);
    await run.flushCounters();
    message = passMessage(run, heldDeletionId) || undefined;
  } catch (error) {
    const portError = (error as { portError?: PortError }).portError;
    const lostStore = storeFailure(error);
    if (lostStore) {
      // The store failed under the pass: the run ends with the catalogued error (runMapping throws it). The job is
      // marked failed with it if the store answers again; if not, the next holder of the mapping's lease marks it
      // interrupted. Either way what was committed is kept and the next run picks up the rest.
      await run
        .flushCounters()
        .then(() =>
          deps.store.jobs.finish(job.id, { status: "failed", message: `${lostStore.code}: ${lostStore.message}` }),
        )
        .catch(() => undefined);
      throw lostStore;
    }
    await run.flushCounters();
    message = portError ? `${portError.code}: ${portError.message}` : String((error as Error).message ?? error);
    await deps.store.jobs.finish(job.id, { status: "failed", message });
    return report(run, "failed", message, heldDeletionId);
  }
  // Failures must not look like success: a pass with failed records is a failed job.
  const status = run.counters.failed > 0 ? "failed" : "succeeded";
  await deps.store.jobs.finish(job.id, { status, ...(message ? { message } : {}) });
  return report(run, status, message, heldDeletionId);
}

/** What a person should know about a pass that ran: failures, couplings removed, deletions held. */
function passMessage(run: Pass, heldDeletionId: string | undefined): string {
  const parts: string[] = [];
  if (run.counters.failed > 0)
    parts.push(`${run.counters.failed} record(s) failed; see them with \`npx bcsync errors\``);
  if (run.counters.uncoupled > 0) {
    parts.push(
      `${run.counters.uncoupled} coupling(s) to deleted records removed (deletion-conflict policy ${run.mapping.deletionConflict})`,
    );
  }
  if (heldDeletionId) {
    const e = planError(ENGINE_MASS_DELETE_HELD, {
      mapping: run.mapping.name,
      count: run.deletions.length,
      threshold: run.mapping.massDeleteThreshold,
    });
    parts.push(`${e.message} ${e.fix}`);
  }
  return parts.join("; ");
}

interface ReadState {
  maxSeen: string | undefined;
  /**
   * A page had rows the source answered malformed (issue 14): progress (watermark, delta link) stays before that
   * page, so the next run reads them again; the records after it are read again too and found unchanged.
   */
  held?: boolean;
  deltaLink: string | undefined;
  /** When the pass began, before its first read (this process's clock). */
  startedAt: string;
  overlapMs: number;
}

/** What deciding how a pass reads its changes needs of it: the pass itself, or a read begun before it (readChangesEarly). */
type ReadContext = Pick<
  Pass,
  "deps" | "mapping" | "pass" | "mode" | "dryRun" | "options" | "sourcePort" | "selectSource" | "seen"
>;

/** What a pass of `mapping` in `pass` direction reads from, as the pass itself derives it (Pass, readChangesEarly). */
function readContextOf(
  deps: EngineDeps,
  mapping: TableMapping,
  pass: PassDirection,
  options: RunOptions,
  seen: SeenThisRun,
): ReadContext {
  const { source } = sideOf(pass);
  return {
    deps,
    mapping,
    pass,
    mode: options.mode ?? "scheduled",
    dryRun: options.dryRun ?? false,
    options,
    sourcePort: deps.ports.forMapping(mapping, source),
    selectSource: selectFor(mapping, source === "bc" ? "bc" : "dv"),
    seen,
  };
}

/** How readChanges reads (see changeReadOf). */
interface ReadHow {
  useDelta: boolean;
  deltaLink?: string;
  since?: string;
  clientFilter?: CompiledFilter & { ok: true };
  notModifiedBy?: readonly string[];
  /** Rows read but not planned: this run's own writes (still counted as seen). */
  ownWrites?: (record: SideRecord) => boolean;
}

/**
 * How a pass reads its changes, from its watermark and its source's metadata: by delta link, or since the watermark
 * (none in a full pass), leaving out rows the integration wrote. "deltaExpired" when the stored link cannot
 * serve this run. The pass and a read begun before it (readChangesEarly) decide alike, so the pass takes that read
 * over only when it would have read the same way.
 */
async function changeReadOf(run: ReadContext): Promise<{
  plan: Awaited<ReturnType<typeof readPlan>>;
  since: string | undefined;
  echoesLeftOut: readonly string[] | undefined;
  ownWrites: ((record: SideRecord) => boolean) | undefined;
  storedLink: string | undefined;
  how: ReadHow | "deltaExpired";
}> {
  const watermark = await run.deps.store.watermarks.get(run.mapping.name, run.pass);
  const plan = await readPlan(run);
  // The watermark is where the next read starts (nextWatermark): the overlap is already in it.
  const since = run.mode === "full" || !watermark.modifiedAt ? undefined : watermark.modifiedAt;
  // Read by watermark, a scheduled Dataverse → BC pass leaves out the integration user's rows (echoes of our
  // writes, which the planner would skip); a full Dataverse → BC pass does not plan the rows this run's other pass
  // has just written (ownWritesOfThisRun).
  const echoesLeftOut = plan.delta ? undefined : integrationUsersLeftOut(run);
  const ownWrites = ownWritesOfThisRun(run);
  const storedLink = plan.delta && run.mode !== "full" ? (watermark.deltaLink ?? undefined) : undefined;
  // A delta link keeps the $select it was made with: one that lacks a property this run needs (a field mapping
  // was added) is treated like an expired link.
  const expired = storedLink !== undefined && !selectsAll(storedLink, deltaSelect(run, plan.clientFilter));
  return {
    plan,
    since,
    echoesLeftOut,
    ownWrites,
    storedLink,
    how: expired
      ? "deltaExpired"
      : {
          useDelta: plan.delta,
          deltaLink: storedLink,
          since: plan.delta ? undefined : since,
          clientFilter: plan.delta ? plan.clientFilter : undefined,
          notModifiedBy: echoesLeftOut,
          ownWrites,
        },
  };
}

/** The options readChanges asks its source with. */
function changeReadOptions(run: ReadContext, how: ReadHow): ReadChangesOptions {
  const serverFilter = run.pass === "toDataverse" ? run.mapping.bc.filter : run.mapping.dataverse.filter;
  return sourceReadOptions(run.mode === "full" && !run.dryRun, run.options.pageSize, {
    select: how.useDelta ? deltaSelect(run, how.clientFilter) : run.selectSource,
    // Change tracking takes no $filter: the mapping's filter is applied to the rows below instead.
    filter: how.useDelta ? undefined : serverFilter,
    ownWrites: how.ownWrites !== undefined,
    since: how.since,
    notModifiedBy: how.notModifiedBy,
    useDelta: how.useDelta,
    deltaLink: how.deltaLink,
  });
}

/** How a pass reads its source: by delta link (and which filter applies client-side) or by watermark. */
async function readPlan(run: ReadContext): Promise<{ delta: boolean; clientFilter?: CompiledFilter & { ok: true } }> {
  const { options } = run;
  if (options.useDelta === false || !run.sourcePort.supportsDelta) return { delta: false };
  // Change tracking is the default where the table has it (an explicit useDelta: true skips the metadata read).
  if (options.useDelta !== true && !(await run.sourcePort.changeTracking())) return { delta: false };
  const filter = run.pass === "toDataverse" ? run.mapping.bc.filter : run.mapping.dataverse.filter;
  if (!filter) return { delta: true };
  const compiled = compileFilter(filter);
  return compiled.ok ? { delta: true, clientFilter: compiled } : { delta: false };
}

/**
 * Reads and processes the source's changes page by page. Returns "done", "deltaExpired" when the delta link was
 * refused before any page was read, or the port error that stopped the read.
 */
async function readChanges(
  run: Pass,
  handled: IdSet,
  state: ReadState,
  how: ReadHow,
): Promise<"done" | "deltaExpired" | PortError> {
  const { deps, mapping, pass, options } = run;
  let pages = 0;
  // Pages overlap (page n+1 planned while page n is written) only where planning cannot depend on page n's writes.
  const window = new PageWindow(
    run.dryRun || !canOverlapPages(run) ? 1 : pagesInFlight(options.pageSize ?? DEFAULT_PAGE_SIZE),
  );
  // One page more than share the budget: it waits, planned, in the throttle's queue, so slots freed by a finished
  // page are taken at once instead of after the next page is planned.
  run.pagesInFlight = Math.max(1, window.depth - 1);
  if (run.mode === "full" && !run.dryRun)
    askBesideFirstPage(run, pass === "toDataverse" ? mapping.bc.filter : mapping.dataverse.filter);
  const readOptions = changeReadOptions(run, how);
  const source = earlyReadOf(run, readOptions, state) ?? run.sourcePort.readChanges(readOptions);
  try {
    // Once the source is read to its end, the creates waiting for a full request go at once, in shrinking requests.
    for await (const page of readAhead(source, PAGES_READ_AHEAD, () => run.inserts.finish())) {
      if (!page.ok) {
        if (pages === 0 && how.deltaLink && page.error.code === CONNECTOR_DELTA_EXPIRED.code) return "deltaExpired";
        await window.drain();
        return page.error;
      }
      pages++;
      run.pages++;
      run.rowsRead += page.value.changes.length;
      const inScope = how.clientFilter
        ? page.value.changes.filter((c) => c.kind === "deleted" || how.clientFilter!.test(c.record.values))
        : page.value.changes;
      const changes: SourceChange[] = [];
      const ownWrites: SideRecord[] = [];
      for (const c of inScope) {
        if (handled.has(idOfChange(c))) continue;
        if (c.kind === "upsert" && how.ownWrites?.(c.record)) ownWrites.push(c.record);
        else changes.push(c);
      }
      if (ownWrites.length > 0) await recordOwnWrites(run, ownWrites);
      if (run.mode === "full") {
        for (const c of page.value.changes) if (c.kind === "upsert") run.seen.add(run.sides.source, c.record.id);
      }
      let pageMax: string | undefined;
      for (const c of changes) {
        if (c.kind === "upsert" && isAfter(c.record.modifiedAt, pageMax)) pageMax = c.record.modifiedAt;
      }
      const deltaLink = page.value.deltaLink;
      const refused = page.value.refused ?? [];
      // Rows the source answered malformed are not records: each is a failure of this pass, named in the sync log
      // (once: a row already refused by its read by id this pass is not failed again).
      for (const r of refused) {
        if (!(r.id && run.refusedById.has(r.id.toLowerCase())))
          await run.fail({ sourceId: r.id ?? "-" }, r.error, false);
      }
      // One with an id is recorded before progress can pass it, and read again by id on every pass until it
      // reads clean (retryRefusedRows); only one without a usable id holds progress before its page.
      const named = refused.filter((r): r is RefusedRow & { id: string } => r.id !== undefined);
      if (!run.dryRun && named.length > 0) {
        await run.store.refusedRows.record(
          mapping.name,
          pass,
          named.map((r) => ({ sourceId: r.id, error: `${r.error.code}: ${r.error.message}` })),
        );
      }
      const holds = named.length < refused.length || (run.dryRun && refused.length > 0);
      const planned = await planPage(run, changes);
      await window.push({
        done: executePage(run, planned),
        // In read order, after the page's records are all recorded: progress never runs ahead of them.
        recorded: async () => {
          if (holds) state.held = true;
          if (state.held) {
            options.onPage?.({ direction: pass, pages: ++run.pagesRecorded, counters: { ...run.counters } });
            return;
          }
          if (isAfter(pageMax, state.maxSeen)) state.maxSeen = pageMax;
          if (deltaLink) state.deltaLink = deltaLink;
          // Pages come oldest first, so the watermark may rise page by page: a crash resumes near where it stopped.
          if (!run.dryRun && !how.useDelta && state.maxSeen) {
            await deps.store.watermarks.advance(mapping.name, pass, {
              modifiedAt: nextWatermark(state.maxSeen, state),
            });
          }
          options.onPage?.({ direction: pass, pages: ++run.pagesRecorded, counters: { ...run.counters } });
        },
      });
      if (options.maxPages !== undefined && run.pages >= options.maxPages) break;
    }
    // Every page is planned: the creates waiting for a full request go now.
    run.inserts.finish();
    await window.drain();
  } catch (error) {
    await window.abandon();
    throw error;
  }
  return "done";
}

/**
 * What a full sync will need before its first write, asked for beside its first page's read instead of one after
 * the other in front of that write. An incremental run asks only when a page has changes, so a run with nothing
 * changed reads nothing more than its changes.
 */
function askBesideFirstPage(run: Pass, serverFilter: string | undefined): void {
  const { mapping, pass } = run;
  // The target's column limits and rules (metadata, read once per process): 0.3 s each when the first page's
  // planning asked for them.
  void run.targetPort.columnLimits?.().catch(() => undefined);
  void run.targetPort.columnRules?.().catch(() => undefined);
  run.targetPort.prepareFullSync?.();
  // Whether the table tracks changes, for the Dataverse → BC pass that follows (once per process): asked while
  // Dataverse's slots are free, not behind this pass's last writes (0.5 s of a 20,000-item sync, waiting for a slot).
  if (pass === "toDataverse" && mapping.direction === "bidirectional") {
    void run.targetPort.changeTracking().catch(() => undefined);
  }
  // A mapping's first sync matches every record it reads: the target, when small, is read whole now (0.1 s before
  // the first write of each such mapping).
  void run.store.couplings
    .hasAny(mapping.name)
    .then((coupled) => {
      if (!coupled) run.matches.start();
    })
    .catch(() => undefined);
  // How many rows the read will bring: the creates' last requests are sized so that the target's slots finish
  // together (BatchWriter); without an answer they are sized without it.
  void run.sourcePort
    .countRecords?.(serverFilter)
    .then((rows) => {
      run.sourceRows = rows;
    })
    .catch(() => undefined);
}

/**
 * This run's own writes read back, not planned (ownWritesOfThisRun): counted unchanged like every other row found
 * in sync, and their Dataverse versions stored (a create's answer has none), so that the next update of one goes
 * out on its version unread instead of reading the row first.
 */
async function recordOwnWrites(run: Pass, own: readonly SideRecord[]): Promise<void> {
  run.count("unchanged", own.length);
  if (run.dryRun) return;
  // One transaction for the page: each coupling page the updates touch is written to SQLite's log once, not once
  // per statement of 300 (a 20,000-item sync's stamps: 1.36 s of its main thread as 69 transactions, 0.31 s as 4).
  await run.store.transaction((store) =>
    store.couplings.recordDataverseStamps(
      run.mapping.name,
      own.map((r) => ({ dataverseId: r.id, version: r.version ?? null, modifiedAt: r.modifiedAt ?? null })),
    ),
  );
}

/** How a pass asks its source for records (readChanges); `fullWrite`: a full pass that writes. */
function sourceReadOptions(
  fullWrite: boolean,
  requestedPageSize: number | undefined,
  how: {
    select: readonly string[];
    filter: string | undefined;
    ownWrites: boolean;
    since?: string;
    notModifiedBy?: readonly string[];
    useDelta: boolean;
    deltaLink?: string;
  },
): ReadChangesOptions {
  const pageSize = requestedPageSize ?? DEFAULT_PAGE_SIZE;
  return {
    select: how.select,
    filter: how.filter,
    // A read whose rows are mostly this run's own writes, dropped unplanned, goes in the largest pages Dataverse
    // serves: its pages are sequential and each request costs the service a fixed time (20 pages of 1,000 took
    // 2.9 s of a 20,000-item sync, most of it per request).
    pageSize: how.ownWrites ? Math.max(pageSize, ID_SCAN_PAGE_SIZE) : pageSize,
    // A full sync writes every record: a quarter-size first page starts the writes sooner (planning a whole page
    // cold, then recording its intents, kept every write slot idle for the first 0.5 s of a 20,000-record run).
    ...(fullWrite ? { firstPageSize: firstPageOf(pageSize) } : {}),
    modifiedSince: how.since,
    ...(how.notModifiedBy ? { notModifiedBy: how.notModifiedBy } : {}),
    useDelta: how.useDelta,
    deltaLink: how.deltaLink,
  };
}

/**
 * The first page of a mapping's full Business Central → Dataverse pass, asked for before the pass begins:
 * syncMappings starts it while the mapping before it (one that writes nothing to Business Central) still runs, so
 * the pass plans as soon as it may instead of first reading (a 20,000-item sync's first products waited 0.3 s for
 * their page and its companion reads after UNIT OF MEASURE). Only the source is read early: planning, lookups and
 * matching wait for the pass, as the mappings it depends on must be done by then. The pass takes the read over
 * when it would read with the same options (runMapping cancels it otherwise) and counts its watermark from when
 * the early read began.
 */
export interface EarlyRead {
  readonly mapping: string;
  readonly pass: PassDirection;
  /** The options the read was asked with, as text: taken over only by a read that would ask the same. */
  readonly options: string;
  /** When the read began, before its first request. */
  readonly startedAt: string;
  readonly read: HeadStart<PortResult<ChangePage>>;
  /**
   * Whether the read may still be taken over when its pass comes (absent: it may). What a read returns is the
   * source as it was when the read began: a pass that plans from it after an earlier pass of the run wrote to that
   * side would plan from rows older than that write.
   */
  readonly usable?: () => boolean;
}

/** Starts the early read of a mapping's full Business Central → Dataverse pass (see EarlyRead); undefined when it has none. */
export function readEarly(
  deps: EngineDeps,
  mappingName: string,
  options: { pageSize?: number } = {},
): EarlyRead | undefined {
  const mapping = deps.mappings(mappingName);
  if (!mapping || mapping.kind === "optionSet" || !passesOf(mapping.direction).includes("toDataverse"))
    return undefined;
  const source = deps.ports.forMapping(mapping, "bc");
  if (source.supportsDelta) return undefined; // a change-tracked source decides how to read at the pass's start
  const target = deps.ports.forMapping(mapping, "dataverse");
  // The target's text lengths the pass checks its first writes against (metadata read once per port): asked for
  // now as well. Not its choice columns (columnRules): the mapping running now may be adding the options (PAYMENT
  // TERMS and the other option-set mappings before CUSTOMER), and choices read before them refused their values.
  void target.columnLimits?.().catch(() => undefined);
  const readOptions = sourceReadOptions(true, options.pageSize, {
    select: selectFor(mapping, "bc"),
    filter: mapping.bc.filter,
    ownWrites: false,
    useDelta: false,
  });
  const startedAt = (deps.now ?? (() => new Date()))().toISOString();
  return {
    mapping: mapping.name,
    pass: "toDataverse",
    options: JSON.stringify(readOptions),
    startedAt,
    read: new HeadStart(source.readChanges(readOptions)),
  };
}

/**
 * The change reads of a mapping's scheduled passes, begun now, before the sync reaches the mapping: syncMappings
 * begins every mapping's at its start, so a sync with little or nothing to do does not wait for one read after the
 * other (a scheduled sync of the 19 default mappings with nothing changed: 51 requests in a row, 2.6 s against the
 * emulators' cost). Each read is asked exactly as its pass would ask it then (changeReadOf), and `usable` tells
 * whether the pass may still take it over (see EarlyRead.usable); one not taken is closed after its first page.
 */
export async function readChangesEarly(
  deps: EngineDeps,
  mappingName: string,
  usable: (pass: PassDirection) => boolean,
): Promise<EarlyRead[]> {
  const mapping = deps.mappings(mappingName);
  if (!mapping || mapping.kind === "optionSet") return [];
  const reads = passesOf(mapping.direction).map(async (pass): Promise<EarlyRead | undefined> => {
    const context = readContextOf(deps, mapping, pass, { mode: "scheduled" }, new SeenThisRun());
    const startedAt = (deps.now ?? (() => new Date()))().toISOString();
    const { how } = await changeReadOf(context);
    if (how === "deltaExpired") return undefined;
    const readOptions = changeReadOptions(context, how);
    return {
      mapping: mapping.name,
      pass,
      options: JSON.stringify(readOptions),
      startedAt,
      read: new HeadStart(context.sourcePort.readChanges(readOptions)),
      usable: () => usable(pass),
    };
  });
  return (await Promise.all(reads)).filter((r): r is EarlyRead => r !== undefined);
}

/**
 * The pass's early read when it was asked with the options the pass would use: taken over, and the pass's read
 * counted from when it began (an earlier start only moves the next read's overlap back).
 */
function earlyReadOf(
  run: Pass,
  readOptions: ReadChangesOptions,
  state: ReadState,
): AsyncIterable<PortResult<ChangePage>> | undefined {
  const early = run.options.earlyReads?.find((e) => e.mapping === run.mapping.name && e.pass === run.pass);
  if (!early || early.options !== JSON.stringify(readOptions)) return undefined;
  if (early.usable && !early.usable()) return undefined;
  const read = early.read.take();
  if (read && early.startedAt < state.startedAt) state.startedAt = early.startedAt;
  return read;
}

/** The first page of a full sync: a quarter of the others, at least 50 records. */
function firstPageOf(pageSize: number): number {
  return Math.min(pageSize, Math.max(50, Math.ceil(pageSize / 4)));
}

const DEFAULT_PAGE_SIZE = 500;

/**
 * Records planned or being written at once (memory: this many records, whatever the table size). Pages leave the
 * window in read order, so the oldest page's last request holds the reader while the slots drain: with 8,000 (52
 * full requests and as many waiting) a 20,000-customer sync's reader stood 0.48 s between two pages with a third
 * of Dataverse's slots idle. Twice that keeps records coming past one slow request.
 */
const RECORDS_IN_FLIGHT = 16000;

/** Pages planned or being written at once: RECORDS_IN_FLIGHT of records, at least 2 pages, at most 16. */
function pagesInFlight(pageSize: number): number {
  return Math.min(16, Math.max(2, Math.round(RECORDS_IN_FLIGHT / Math.max(1, pageSize))));
}
/** Pages read ahead of the one being planned. */
const PAGES_READ_AHEAD = 2;

/**
 * Whether page n+1 may be planned while page n is still being written: not when its plan could depend on what
 * page n writes — match-based coupling (a record created by page n is a candidate for page n+1; not when every
 * match is by a value of the record's own, such as an item's number), a code series
 * (page n+1 would number from codes page n has not created yet), or a lookup to this same mapping (a parent
 * coupled by page n).
 */
function canOverlapPages(run: Pass): boolean {
  const { mapping, pass } = run;
  if (hasMatchFields(mapping, pass) && !matchesByUniqueValues(mapping, pass)) return false;
  if (pass === "fromDataverse" && mapping.bcCodeSeries) return false;
  return !mapping.fields.some((f) => f.lookup?.mapping === mapping.name);
}

/** Whether a delta link's `$select` (none = every column) holds every property asked for. */
function selectsAll(link: string, wanted: readonly string[]): boolean {
  let select: string | null;
  try {
    select = new URL(link).searchParams.get("$select");
  } catch {
    return false;
  }
  if (select === null) return true;
  const have = new Set(select.split(",").map((p) => p.trim().toLowerCase()));
  return wanted.every((p) => have.has(p.toLowerCase()));
}

/** What a delta read selects: the mapping's properties and those its client-side filter reads. */
function deltaSelect(
  run: Pick<ReadContext, "selectSource">,
  clientFilter: (CompiledFilter & { ok: true }) | undefined,
): string[] {
  return clientFilter ? [...new Set([...run.selectSource, ...clientFilter.properties])] : run.selectSource;
}

/**
 * A new delta link from an initial change-tracking read whose rows are discarded (the watermark read that follows
 * covers them). The link carries the read's `$select`, so it selects what the delta reads select.
 */
async function freshDeltaLink(run: Pass, select: readonly string[]): Promise<string | undefined> {
  let link: string | undefined;
  for await (const page of run.sourcePort.readChanges({ select, pageSize: 5000, useDelta: true })) {
    if (!page.ok) return undefined; // the next run starts change tracking afresh
    if (page.value.deltaLink) link = page.value.deltaLink;
  }
  return link;
}

function report(
  run: Pass,
  status: "succeeded" | "failed",
  message: string | undefined,
  heldDeletionId: string | undefined,
): PassReport {
  return {
    jobId: run.jobId,
    mapping: run.mapping.name,
    direction: run.pass,
    status,
    ...(message ? { message } : {}),
    counters: { ...run.counters },
    planned: run.planned,
    ...(heldDeletionId ? { heldDeletionId } : {}),
    pages: run.pages,
    writeRequests: run.writeRequests,
  };
}

/**
 * Where the next read starts (inclusive), after a read that saw changes up to `maxSeen`. A change can be missed
 * only if it was committed after the read began with an older stamp than the newest one read (a write's stamp is
 * taken before its commit). Such a stamp is at most one overlap window older than the read's start, so the next
 * read goes back to that point, not before it: to the newest stamp seen, or — when changes were still being made as
 * the pass began — to the pass's start minus the overlap, in whole seconds (Dataverse stamps have whole-second
 * precision). Going back one overlap from the newest stamp instead re-read, at every run, every row stamped in the
 * second before it, however long ago that was (a seeded or imported table: thousands of rows a run).
 * When the read is `complete` (every page read and recorded), the rows stamped `maxSeen` itself are all in hand
 * and none can still come (their stamp is older than the window), so the next read starts just after it: a
 * thousand records changed in one batch share a stamp, and were all read again by the next run (issue 13).
 * Mid-read it stays inclusive: the rest of a stamp's rows may be on the pages not yet recorded.
 */
export function nextWatermark(
  maxSeen: string,
  read: { startedAt: string; overlapMs: number },
  complete = false,
): string {
  const floor = Math.floor((Date.parse(read.startedAt) - read.overlapMs) / 1000) * 1000;
  const newest = Date.parse(maxSeen);
  if (newest > floor) return new Date(floor).toISOString();
  if (complete && newest < floor) return new Date(Math.min(newest + 1, floor)).toISOString();
  return maxSeen;
}

function idOfChange(c: SourceChange): string {
  return (c.kind === "upsert" ? c.record.id : c.id).toLowerCase();
}

/** Write intents of a crashed or failed create: one that reached the target is coupled now; one that did not is created again (same key). */
async function reconcileIntents(run: Pass, handled: IdSet): Promise<void> {
  const intents = await run.store.pendingWrites.list(run.mapping.name, run.pass);
  // Creates that did not reach the target (failed, or killed before the request): planned again now, whatever
  // the watermark says. Their intent is kept, so the new create carries the same key.
  const notCreated: SourceChange[] = [];
  for (const all of chunks(intents, 100)) {
    const targets = await getAllByIdsIsolating(
      run.targetPort,
      all.map((i) => i.targetKey),
      run.selectTarget,
    );
    if (!targets.ok) throw Object.assign(new Error(targets.error.message), { portError: targets.error });
    const read = await getAllByIdsIsolating(
      run.sourcePort,
      all.map((i) => i.sourceId),
      run.selectSource,
    );
    if (!read.ok) throw Object.assign(new Error(read.error.message), { portError: read.error });
    // An intent whose target or source is answered malformed waits with its intent kept: neither coupled nor
    // created again (its create may have applied), and not planned by this pass's read (a new key would duplicate).
    const chunk: typeof all = [];
    for (const intent of all) {
      const error =
        targets.value.refused.get(intent.targetKey.toLowerCase()) ??
        read.value.refused.get(intent.sourceId.toLowerCase());
      if (!error) {
        chunk.push(intent);
        continue;
      }
      handled.add(intent.sourceId.toLowerCase());
      await run.fail({ sourceId: intent.sourceId, targetId: intent.targetKey }, error, false);
    }
    // The transaction may run again if the store's connection is lost: what it finds is kept only once it commits.
    const settled = await run.store.transaction(
      async (store) => {
        const retried: SourceChange[] = [];
        let coupled = 0;
        for (const intent of chunk) {
          const target = targets.value.found.get(intent.targetKey.toLowerCase());
          const source = read.value.found.get(intent.sourceId.toLowerCase());
          if (!target) {
            if (source) retried.push({ kind: "upsert", record: source });
            continue;
          }
          const [bc, dv] = run.pass === "toDataverse" ? [source, target] : [target, source];
          const existing =
            run.pass === "toDataverse"
              ? await store.couplings.getByBcId(run.mapping.name, intent.sourceId)
              : await store.couplings.getByDataverseId(run.mapping.name, intent.sourceId);
          if (existing) continue;
          const snapshot = bc && dv ? snapshotOf(run.mapping, bc, dv) : undefined;
          await store.couplings.couple({
            mappingName: run.mapping.name,
            bcId: (bc?.id ?? (run.pass === "toDataverse" ? intent.sourceId : intent.targetKey)).toLowerCase(),
            dataverseId: (dv?.id ?? (run.pass === "toDataverse" ? intent.targetKey : intent.sourceId)).toLowerCase(),
            bcModifiedAt: bc?.modifiedAt ?? null,
            dataverseModifiedAt: dv?.modifiedAt ?? null,
            bcVersion: bc?.version ?? null,
            dataverseVersion: dv?.version ?? null,
            ...(snapshot ? { snapshot: storedSnapshot(snapshot, {}) as never } : {}),
          });
          coupled += 1;
        }
        const retriedIds = new Set(retried.map((c) => idOfChange(c)));
        await store.pendingWrites.clear(
          run.mapping.name,
          run.pass,
          chunk.map((i) => i.sourceId).filter((id) => !retriedIds.has(id.toLowerCase())),
        );
        return { retried, coupled };
      },
      { retryOnConnectionLoss: true },
    );
    notCreated.push(...settled.retried);
    run.count("inserted", settled.coupled);
  }
  for (const page of chunks(notCreated, 200)) {
    for (const change of page) handled.add(idOfChange(change));
    await processPage(run, page);
  }
}

/**
 * Plans the coupled source records that are gone as deletions (see deleted-sources.ts). A full pass knows what
 * exists from what it has just read; a scheduled one reads every id of the source once.
 */
async function settleDeletedSources(run: Pass, handled: IdSet): Promise<void> {
  const source = run.sides.source;
  const found = await deletedSources({
    port: run.sourcePort,
    side: source,
    couplings: run.store.couplings.iteratePairs(run.mapping.name),
    ...(run.mode === "full" ? { known: { has: (id: string) => run.seen.has(source, id) } } : {}),
    settled: handled,
  });
  if (!found.ok) throw Object.assign(new Error(found.error.message), { portError: found.error });
  for (const chunk of chunks(found.value, 200)) {
    for (const id of chunk) handled.add(id);
    await processPage(
      run,
      chunk.map((id) => ({ kind: "deleted", id })),
    );
  }
}

/**
 * Source rows answered malformed on an earlier pass (recorded by readChanges, the watermark moved past them): read
 * by id; one still malformed fails again and stays recorded, one that reads clean is planned like a change and its
 * record removed once its page is written (a crash before then reads it again: nothing is lost).
 */
async function retryRefusedRows(run: Pass, handled: IdSet): Promise<void> {
  const { mapping, pass } = run;
  const ids = (await run.store.refusedRows.list(mapping.name, pass)).filter((id) => !handled.has(id));
  for (const chunk of chunks(ids, 200)) {
    const refused = await processByIds(run, chunk, handled, undefined, { coupled: false });
    for (const id of refused) run.refusedById.add(id);
    if (run.dryRun) continue;
    await run.store.refusedRows.clear(
      mapping.name,
      pass,
      chunk.filter((id) => !refused.has(id.toLowerCase())),
    );
  }
}

async function retryFailed(run: Pass, handled: IdSet): Promise<void> {
  if (run.mode !== "scheduled") return;
  // Indexed: only the failed, unskipped couplings of this direction are read, not every coupling.
  const failed = await run.store.couplings.listFailed(run.mapping.name, run.pass);
  const counterpartOf = new Map(
    failed.map((c) => (run.pass === "toDataverse" ? [c.bcId, c.dataverseId] : [c.dataverseId, c.bcId])),
  );
  await processByIds(run, [...counterpartOf.keys()], handled, (id) => counterpartOf.get(id.toLowerCase()));
}

/**
 * The integration users a scheduled Dataverse → BC pass leaves out of its read, as Business Central does
 * (IsModifiedByFilterNeeded): for a bidirectional mapping with no field that flows only from Dataverse. The
 * planner skips those rows as echoes anyway; reading them cost a row per record the other pass had just written.
 */
function integrationUsersLeftOut(run: ReadContext): readonly string[] | undefined {
  return run.mode === "scheduled" ? echoesOfIntegrationUsers(run) : undefined;
}

/** The Dataverse integration users whose rows a Dataverse → BC pass of this mapping may take as echoes. */
function echoesOfIntegrationUsers(run: Pick<ReadContext, "deps" | "pass" | "mapping">): readonly string[] | undefined {
  const users = run.deps.integrationUsers?.dataverse;
  if (!users || users.length === 0 || run.pass !== "fromDataverse") return undefined;
  const { mapping } = run;
  if (mapping.direction !== "bidirectional") return undefined;
  if (mapping.fields.some((f) => fieldDirection(mapping, f) === "fromDataverse")) return undefined;
  return users;
}

/**
 * A full sync's Dataverse → BC pass reads every row, and half of them are what its BC → Dataverse pass has just
 * written: rows the integration user changed since this run began. Their values are the coupling's snapshot (every
 * field of such a mapping also flows to Dataverse), so planning them found each unchanged, one coupling update at a
 * time (4 of 14 s of a 20,000-item sync). They are read (they count as seen: they exist) but not planned; a row a
 * person edited after our write names that person and is planned as before. Rows the integration user wrote before
 * this run are compared as a full sync does. The rows left out still have their Dataverse versions stored
 * (recordOwnWrites), which the next update of one is sent on.
 */
function ownWritesOfThisRun(run: ReadContext): ((record: SideRecord) => boolean) | undefined {
  const users = run.mode === "full" ? echoesOfIntegrationUsers(run) : undefined;
  if (!users) return undefined;
  const since = run.seen.startedAt;
  return (record) => isIntegrationUser(users, record.modifiedBy) && !isAfter(since, record.modifiedAt);
}

/**
 * Rows the integration user wrote last that still owe fields to Business Central (the other pass merged a Sales
 * edit into its write): left out of the read by integrationUsersLeftOut, so read by id (an indexed flag).
 */
async function settlePendingFromDataverse(run: Pass, handled: IdSet): Promise<void> {
  const ids = await run.store.couplings.listPendingFromDataverse(run.mapping.name);
  await processByIds(
    run,
    ids.filter((id) => !handled.has(id.toLowerCase())),
    handled,
  );
}

/**
 * Reads these source records by id and plans them as changes; an id not found is a deletion. A row the source
 * answers malformed fails its record again (never read as deleted); the others go on.
 */
async function processByIds(
  run: Pass,
  ids: readonly string[],
  handled: IdSet,
  counterpartOf: (id: string) => string | undefined = () => undefined,
  options: { coupled?: boolean } = {},
): Promise<Set<string>> {
  const refusedIds = new Set<string>();
  for (const chunk of chunks(ids, 200)) {
    const read = await getAllByIdsIsolating(run.sourcePort, chunk, run.selectSource);
    if (!read.ok) throw Object.assign(new Error(read.error.message), { portError: read.error });
    const { found, refused } = read.value;
    for (const [id, error] of refused) {
      const targetId = counterpartOf(id);
      refusedIds.add(id.toLowerCase());
      await run.fail({ sourceId: id, ...(targetId ? { targetId } : {}) }, error, options.coupled ?? true);
    }
    const changes: SourceChange[] = chunk.flatMap((id): SourceChange[] => {
      if (refused.has(id.toLowerCase())) return [];
      const record = found.get(id.toLowerCase());
      return [record ? { kind: "upsert", record } : { kind: "deleted", id }];
    });
    for (const id of chunk) handled.add(id.toLowerCase());
    await processPage(run, changes);
  }
  return refusedIds;
}

/** Plans and executes one page of source changes. */
async function processPage(run: Pass, changes: SourceChange[]): Promise<void> {
  await executePage(run, await planPage(run, changes));
}

interface PlannedPage {
  inputs: PlanInput[];
  plans: RecordPlan[];
}

/** Writes a planned page and records the outcome (a dry run only counts and describes it). */
async function executePage(run: Pass, page: PlannedPage | undefined): Promise<void> {
  if (!page) return;
  if (run.dryRun) {
    for (const plan of page.plans) {
      countPlan(run, plan);
      if (run.planned.length < DRY_RUN_CAP) run.planned.push(describe(plan));
    }
    await run.flushCounters();
    return;
  }
  await execute(run, page.inputs, page.plans);
  await run.flushCounters();
}

/** Reads what the planner needs for one page (couplings, targets, lookups, match candidates) and plans it. */
async function planPage(run: Pass, changes: SourceChange[]): Promise<PlannedPage | undefined> {
  if (changes.length === 0) return undefined;
  const { store, mapping, pass } = run;
  const ids = changes.map(idOfChange);
  const rows = await store.couplings.findMany(mapping.name, storeSide(run.sides.source), ids);
  const couplings = new Map<string, CouplingState>();
  for (const [id, row] of rows) couplings.set(id.toLowerCase(), toCouplingState(row));

  const records = changes.flatMap((c) => (c.kind === "upsert" ? [c.record] : []));
  const limits = await run.targetPort.columnLimits?.();
  const rules = await run.targetPort.columnRules?.();
  const ctx: PlanContext = {
    mapping,
    pass,
    lookups: await run.lookups.load(mapping, pass, records),
    ...(run.deps.integrationUsers ? { integrationUsers: run.deps.integrationUsers } : {}),
    ...(limits && limits.size > 0 ? { targetLimits: limits } : {}),
    ...(rules ? { targetRules: rules } : {}),
    mode: run.mode,
  };

  // First plan without targets: most records end here (unchanged, echo, skipped) and need no target read.
  const inputs: PlanInput[] = changes.map((change) => ({ change, coupling: couplings.get(idOfChange(change)) }));
  const plans: RecordPlan[] = [];
  for (const input of inputs) {
    plans.push(planRecord(ctx, input));
    // Slices of planning, so the responses that arrive meanwhile start the next requests without waiting for it.
    if (plans.length % PLAN_SLICE === 0) await yieldToEventLoop();
  }

  // A scheduled run writes a changed record without reading its counterpart first when the counterpart is known
  // as the last sync left it (its stored version): a 412 sends the record back here to be read and planned again.
  for (const [i, input] of inputs.entries()) {
    const version = plans[i].kind === "modify" ? storedTargetVersion(run, input) : undefined;
    if (version === undefined) continue;
    input.targetAtBase = { version };
    plans[i] = planRecord(ctx, input);
  }
  const needTarget = new Set(
    inputs.filter((input, i) => !input.targetAtBase && (plans[i].kind === "modify" || plans[i].kind === "conflict")),
  );
  // A full sync also checks that the counterparts of unchanged coupled records still exist: a deletion that left
  // no change behind (no change tracking, an expired delta link) is found here and settled by the mapping's
  // deletion-conflict policy instead of leaving a coupling to a row that is gone.
  if (run.mode === "full") await findDeletedCounterparts(run, ctx, inputs, plans);
  const needMatch = inputs.filter((input, i) => plans[i].kind === "insert" && !input.coupling);
  if (needTarget.size > 0) {
    const targetIds = [...needTarget].map((input) => plans[inputs.indexOf(input)].targetId!);
    const targets = await getAllByIdsIsolating(run.targetPort, targetIds, run.selectTarget);
    for (const [i, input] of inputs.entries()) {
      if (!needTarget.has(input)) continue;
      const refused = targets.ok ? targets.value.refused.get(plans[i].targetId!.toLowerCase()) : undefined;
      if (refused) {
        // The counterpart answered malformed: this record fails alone (never written blind, never taken as deleted).
        plans[i] = { kind: "fail", sourceId: plans[i].sourceId, targetId: plans[i].targetId, error: refused };
        continue;
      }
      if (!targets.ok) {
        // Cannot see the target: do not write blind; the record is retried on the next run.
        plans[i] = {
          kind: "fail",
          sourceId: plans[i].sourceId,
          targetId: plans[i].targetId,
          error: { ...targets.error, transient: true },
        };
        continue;
      }
      input.target = targets.value.found.get(plans[i].targetId!.toLowerCase()) ?? null;
      plans[i] = planRecord(ctx, input);
    }
  }
  if (needMatch.length > 0) {
    const sourceRecords = needMatch.flatMap((i) => (i.change.kind === "upsert" ? [i.change.record] : []));
    const pool = await run.matches.candidates(sourceRecords, ctx.lookups);
    if (!pool.ok) {
      // Without candidates an insert could duplicate an existing record: fail and retry instead.
      for (const input of needMatch) {
        const i = inputs.indexOf(input);
        plans[i] = { kind: "fail", sourceId: plans[i].sourceId, error: { ...pool.error, transient: true } };
      }
    } else {
      const { candidates, refused } = pool.value;
      const coupled =
        candidates.length === 0
          ? new Map<string, unknown>()
          : await store.couplings.findMany(
              mapping.name,
              storeSide(run.sides.target),
              candidates.map((r) => r.id.toLowerCase()),
            );
      const claimed = new Set([...coupled.keys()].map((k) => k.toLowerCase()));
      for (const input of needMatch) {
        const i = inputs.indexOf(input);
        const source = input.change.kind === "upsert" ? input.change.record : undefined;
        const refusal = source && refused.get(source.id.toLowerCase());
        if (source && refusal) {
          plans[i] = { kind: "fail", sourceId: plans[i].sourceId, error: matchRefused(mapping, pass, source, refusal) };
          continue;
        }
        if (candidates.length === 0) continue;
        input.matchCandidates = candidates;
        input.coupledTargetIds = claimed;
        const plan = planRecord(ctx, input);
        // A target matched by one record of the page is not available to the next.
        if (plan.kind === "couple") claimed.add(plan.targetId.toLowerCase());
        plans[i] = plan;
      }
    }
  }

  return { inputs, plans };
}

/**
 * The counterpart's version stored at the last sync, where an update may be sent on it unread: a scheduled run, a
 * side that checks stored versions, a coupling with a snapshot to merge against, no reverse change waiting to flow
 * and no open conflict (both need the counterpart's current values), and not already refused once this pass.
 */
function storedTargetVersion(run: Pass, input: PlanInput): string | undefined {
  const c = input.coupling;
  if (run.mode !== "scheduled" || !run.targetPort.updatesByStoredVersion || !c?.snapshot) return undefined;
  if (run.staleTargets.has(idOfChange(input.change))) return undefined;
  const reverse = run.pass === "toDataverse" ? "fromDataverse" : "toDataverse";
  if ((c.pending?.[reverse] ?? []).length > 0 || (c.openConflicts ?? []).length > 0) return undefined;
  return (run.pass === "toDataverse" ? c.dataverseVersion : c.bcVersion) ?? undefined;
}

async function findDeletedCounterparts(
  run: Pass,
  ctx: PlanContext,
  inputs: PlanInput[],
  plans: RecordPlan[],
): Promise<void> {
  // The other pass deletes this record when it finds its counterpart deleted: nothing to settle here.
  if (deletionPropagatesFromTarget(run.mapping, run.pass)) return;
  // A counterpart this run's other pass has just read exists: it is not read again by id.
  const unchanged = [...inputs.entries()].filter(
    ([i, input]) =>
      input.coupling && plans[i].kind === "unchanged" && !run.seen.has(run.sides.target, plans[i].targetId!),
  );
  if (unchanged.length === 0) return;
  const ids = unchanged.map(([i]) => plans[i].targetId!);
  const targets = await getAllByIds(run.targetPort, ids, run.selectTarget);
  if (!targets.ok) return; // nothing is written for these records: the next full sync checks again
  for (const [i, input] of unchanged) {
    if (targets.value.has(plans[i].targetId!.toLowerCase())) continue;
    input.target = null;
    plans[i] = planRecord(ctx, input);
  }
}

function describe(plan: RecordPlan): PlannedRecord {
  return {
    sourceId: plan.sourceId,
    ...(plan.targetId ? { targetId: plan.targetId } : {}),
    kind: plan.kind,
    ...("reason" in plan ? { reason: plan.reason } : {}),
    ...("changes" in plan ? { changes: plan.changes } : {}),
    ...("conflicts" in plan && plan.conflicts.length > 0 ? { conflicts: plan.conflicts } : {}),
    ...("error" in plan ? { error: plan.error } : {}),
  };
}

/** Counters as the job would record them (dry run). */
const COUNTER_OF: Record<PlanKind, keyof SyncCounters | undefined> = {
  insert: "inserted",
  modify: "modified",
  conflict: "skipped",
  skip: "skipped",
  unchanged: "unchanged",
  couple: "coupled",
  delete: "deleted",
  uncouple: "uncoupled",
  fail: "failed",
  ignore: undefined,
};

function countPlan(run: Pass, plan: RecordPlan): void {
  const counter = COUNTER_OF[plan.kind];
  if (counter) run.count(counter);
}

async function execute(run: Pass, inputs: PlanInput[], plans: RecordPlan[]): Promise<void> {
  const sourceOf = new Map<string, SideRecord>();
  const couplingOf = new Map<string, CouplingState>();
  for (const input of inputs) {
    if (input.change.kind === "upsert") sourceOf.set(input.change.record.id.toLowerCase(), input.change.record);
    if (input.coupling) couplingOf.set(idOfChange(input.change), input.coupling);
  }
  const inserts: Extract<RecordPlan, { kind: "insert" }>[] = [];
  const updates: (Extract<RecordPlan, { kind: "modify" | "conflict" | "couple" }> & { fresh?: boolean })[] = [];
  const matched: Extract<RecordPlan, { kind: "couple" }>[] = [];
  const unchanged: (CouplingSuccess | undefined)[] = [];

  for (const plan of plans) {
    const key = plan.sourceId.toLowerCase();
    const coupling = couplingOf.get(key);
    switch (plan.kind) {
      case "insert":
        inserts.push(plan);
        break;
      case "couple":
        matched.push(plan);
        break;
      case "modify":
        updates.push(plan);
        break;
      case "conflict":
        await recordConflicts(run, plan, coupling);
        run.count("skipped");
        await run.logError(plan, plan.error);
        if (Object.keys(plan.values).length > 0) updates.push(plan);
        else unchanged.push(unchangedRecording(run, plan, sourceOf.get(key), coupling, true));
        break;
      case "unchanged":
        run.count("unchanged");
        unchanged.push(unchangedRecording(run, plan, sourceOf.get(key), coupling, false));
        break;
      case "skip":
        run.count("skipped");
        break;
      case "ignore":
        break;
      case "fail":
        await run.fail(plan, plan.error, coupling !== undefined);
        break;
      case "delete":
        run.deletions.push({
          sourceId: plan.sourceId,
          targetId: plan.targetId,
          bcId: run.pass === "toDataverse" ? plan.sourceId : plan.targetId,
        });
        break;
      case "uncouple":
        if (run.pass === "toDataverse") await run.store.couplings.uncoupleByBcId(run.mapping.name, plan.sourceId);
        else await run.store.couplings.uncoupleByDataverseId(run.mapping.name, plan.sourceId);
        run.count("uncoupled");
        break;
    }
  }
  await recordUnchanged(
    run,
    unchanged.filter((r) => r !== undefined),
  );
  for (const plan of await coupleMatched(run, matched, sourceOf)) {
    if (Object.keys(plan.values).length > 0) updates.push({ ...plan, fresh: true });
  }
  await executeInserts(run, inserts, sourceOf);
  const unread = new Set(inputs.filter((i) => i.targetAtBase && !i.target).map((i) => idOfChange(i.change)));
  const stale = new Set(await executeUpdates(run, updates, sourceOf, couplingOf, unread));
  if (stale.size > 0) {
    // Their counterparts changed since the last sync: read them now and merge again (once: see staleTargets).
    for (const id of stale) run.staleTargets.add(id);
    await processPage(
      run,
      inputs.filter((i) => stale.has(idOfChange(i.change))).map((i) => i.change),
    );
  }
}

/** Couples matched pairs in one bulk call; a clash (a record coupled meanwhile) falls back to one by one. */
async function coupleMatched(
  run: Pass,
  plans: Extract<RecordPlan, { kind: "couple" }>[],
  sourceOf: Map<string, SideRecord>,
): Promise<Extract<RecordPlan, { kind: "couple" }>[]> {
  if (plans.length === 0) return [];
  const toDv = run.pass === "toDataverse";
  const rowOf = (plan: Extract<RecordPlan, { kind: "couple" }>): NewCoupling => {
    const source = sourceOf.get(plan.sourceId.toLowerCase());
    return {
      mappingName: run.mapping.name,
      bcId: (toDv ? plan.sourceId : plan.targetId).toLowerCase(),
      dataverseId: (toDv ? plan.targetId : plan.sourceId).toLowerCase(),
      ...(toDv
        ? { bcModifiedAt: source?.modifiedAt ?? null, bcVersion: source?.version ?? null }
        : { dataverseModifiedAt: source?.modifiedAt ?? null, dataverseVersion: source?.version ?? null }),
      snapshot: storedSnapshot(plan.update.snapshot, plan.update.pending) as never,
    };
  };
  try {
    await run.store.couplings.coupleMany(plans.map(rowOf));
    run.count("coupled", plans.length);
    return plans;
  } catch (error) {
    if ((error as { code?: string }).code !== STORE_COUPLING_EXISTS.code) throw error;
  }
  const coupled: Extract<RecordPlan, { kind: "couple" }>[] = [];
  for (const plan of plans) {
    try {
      await run.store.couplings.couple(rowOf(plan));
      run.count("coupled");
      coupled.push(plan);
    } catch (error) {
      await run.fail(plan, toPortError(run, plan.sourceId, "coupling", error), false);
    }
  }
  return coupled;
}

/** One record to create, with the page it belongs to (a bulk request may carry records of two pages). */
interface InsertItem {
  plan: Extract<RecordPlan, { kind: "insert" }>;
  key: string | undefined;
  page: PageInserts;
}

/** What a page's creates leave to record once they are all acknowledged. */
interface PageInserts {
  sourceOf: Map<string, SideRecord>;
  recordings: Recording[];
  partials: { plan: { sourceId: string; targetId: string }; error: PortError }[];
}

/** Store work is cut into slices this size, with the event loop served between them. */
const STORE_SLICE = 200;
/** Records planned between two turns of the event loop. */
const PLAN_SLICE = 200;

async function executeInserts(
  run: Pass,
  inserts: Extract<RecordPlan, { kind: "insert" }>[],
  sourceOf: Map<string, SideRecord>,
): Promise<void> {
  await assignSeriesCodes(run, inserts);
  if (inserts.length === 0) return;
  const page: PageInserts = { sourceOf, recordings: [], partials: [] };
  // Write intents first, for the whole page, before any of its creates is sent: after a crash the key finds the
  // record that may already exist (no duplicates); an intent whose create was never sent is simply created again
  // with its key. In slices, so responses to the creates of earlier pages are handled meanwhile.
  const keyed: InsertItem[] = inserts.map((plan) => ({ plan, key: run.targetPort.newKey(), page }));
  const withKeys = keyed.filter((k) => k.key !== undefined);
  // One transaction: one commit a page (a commit per slice wrote the same index pages to the log again and again).
  if (withKeys.length > 0) {
    // May run again on a lost store connection: recording an intent twice keeps its first key (the keys it sets
    // below are the stored ones).
    await run.store.transaction(
      async (store) => {
        for (const slice of chunks(withKeys, STORE_SLICE)) {
          const intents = await store.pendingWrites.record(
            slice.map(({ plan, key }) => ({
              mappingName: run.mapping.name,
              direction: run.pass,
              sourceId: plan.sourceId.toLowerCase(),
              targetKey: key!,
            })),
          );
          const keyBySource = new Map(intents.map((i) => [i.sourceId, i.targetKey]));
          for (const k of slice) k.key = keyBySource.get(k.plan.sourceId.toLowerCase()) ?? k.key;
          if (withKeys.length > STORE_SLICE) await yieldToEventLoop();
        }
      },
      // On disk before any create goes: a power loss must not take an intent whose create landed.
      { retryOnConnectionLoss: true, durable: true },
    );
  }
  for (const { plan } of keyed) {
    if (plan.restore) {
      if (run.pass === "toDataverse") await run.store.couplings.uncoupleByBcId(run.mapping.name, plan.sourceId);
      else await run.store.couplings.uncoupleByDataverseId(run.mapping.name, plan.sourceId);
    }
  }
  // The pass's writer sends them with the other pages' creates, as slots of the target's budget free up. What each
  // acknowledged request records is kept and done for the whole page in one transaction: one commit a page, not
  // one a bulk request (a commit costs about as much as 50 couplings). Recording later than the acknowledgement is
  // safe; recording before it never happens: until the transaction commits, the write intents are what a crash
  // leaves, and the next run couples by their keys.
  try {
    await run.inserts.write(keyed);
  } finally {
    // Also after a request threw: the others were acknowledged and are recorded all the same. The page's couplings
    // go in as bulk inserts and its intents are cleared by bulk deletes: per request, these statements cost more
    // CPU than planning the records.
    if (page.recordings.length > 0) {
      // Counts and partial writes are taken from the committed attempt: on a lost store connection it runs again.
      const recorded = await run.store.transaction(
        async (store) => {
          const created: NewCoupling[] = [];
          const cleared: string[] = [];
          const failed: number[] = [];
          const partials: PageInserts["partials"] = [];
          for (const record of page.recordings) {
            const outcome = await record(store);
            created.push(...outcome.created);
            cleared.push(...outcome.cleared);
            failed.push(outcome.failed);
            partials.push(...outcome.partials);
          }
          // Slices with the event loop served between them: the transaction holds the store, not the process.
          for (const slice of chunks(created, STORE_SLICE)) {
            await store.couplings.coupleMany(slice);
            if (created.length > STORE_SLICE) await yieldToEventLoop();
          }
          for (const slice of chunks(cleared, STORE_SLICE * 2)) {
            await store.pendingWrites.clear(run.mapping.name, run.pass, slice);
          }
          return { inserted: created.length, failed: failed.reduce((a, b) => a + b, 0), partials };
        },
        { retryOnConnectionLoss: true },
      );
      run.count("inserted", recorded.inserted);
      run.count("failed", recorded.failed);
      page.partials.push(...recorded.partials);
    }
  }
  // Created, but not all of it written: coupled, and retried on the next run for the rest.
  for (const p of page.partials) await run.fail(p.plan, p.error, true);
}

/**
 * What an acknowledged bulk create leaves to record, inside the page's transaction: its failures are logged by the
 * recording itself; the couplings to insert and the intents to clear are returned, for one statement per page.
 */
/** What one acknowledged bulk create leaves in the store; its counts and partial writes are applied after commit. */
type Recording = (
  store: Store,
) => Promise<{ created: NewCoupling[]; cleared: string[]; failed: number; partials: PageInserts["partials"] }>;

/** One bulk create; its outcome's recording is queued on each page it carried, to run once the page is acknowledged. */
async function createBatch(run: Pass, batch: InsertItem[]): Promise<void> {
  run.writeRequests++;
  const res = await run.targetPort.create(
    batch.map(({ plan, key }) => ({ ...(key ? { key } : {}), values: plan.values, ...validation(run, plan.values) })),
  );
  const outcomes = res.ok ? res.value : batch.map(() => ({ ok: false as const, error: res.error }));
  for (let start = 0; start < batch.length; ) {
    const page = batch[start].page;
    let end = start;
    while (end < batch.length && batch[end].page === page) end++;
    page.recordings.push(recordingOf(run, batch.slice(start, end), outcomes.slice(start, end)));
    start = end;
  }
}

function recordingOf(run: Pass, keyed: InsertItem[], outcomes: readonly (WriteOutcome | undefined)[]): Recording {
  // The plans as sent: a recording run again (a lost store connection) starts from them, not from its own rewrite.
  const sent = keyed.map((k) => k.plan);
  return async (store) => {
    const created: NewCoupling[] = [];
    const partials: PageInserts["partials"] = [];
    let failed = 0;
    for (const [i, { page }] of keyed.entries()) {
      const plan = sent[i];
      const outcome = outcomes[i];
      const source = page.sourceOf.get(plan.sourceId.toLowerCase());
      if (!outcome?.ok) {
        const error = outcome?.error ?? writeError(run, plan.sourceId, "create", "no outcome");
        failed += 1;
        await store.jobs.addError(
          { id: run.jobId, mappingName: run.mapping.name, direction: run.pass },
          {
            sourceId: plan.sourceId,
            code: error.code,
            message: error.message,
            field: error.field ?? null,
            requestId: error.requestId ?? null,
            detail: error.detail ?? null,
          },
        );
        continue;
      }
      if (outcome.partial) {
        const partial = outcome.partial;
        keyed[i].plan = withoutUnwritten(run, plan, partial.properties, undefined);
        partials.push({ plan: { ...plan, targetId: outcome.id }, error: partial.error });
      }
      const written = keyed[i].plan;
      const target = outcome.record;
      const toDv = run.pass === "toDataverse";
      const bc = toDv ? source : target;
      const dv = toDv ? target : source;
      created.push({
        mappingName: run.mapping.name,
        bcId: (toDv ? plan.sourceId : outcome.id).toLowerCase(),
        dataverseId: (toDv ? outcome.id : plan.sourceId).toLowerCase(),
        bcModifiedAt: bc?.modifiedAt ?? null,
        dataverseModifiedAt: dv?.modifiedAt ?? null,
        bcVersion: bc?.version ?? null,
        dataverseVersion: dv?.version ?? null,
        snapshot: storedSnapshot(written.update.snapshot, written.update.pending) as never,
      });
    }
    // Only the creates known to have happened: a failed one keeps its intent, so the next pass looks its key up
    // (a create whose answer was lost may exist) instead of creating a second record under a new key.
    const cleared = keyed
      .filter((k, i) => k.key !== undefined && outcomes[i]?.ok)
      .map((k) => k.plan.sourceId.toLowerCase());
    return { created, cleared, failed, partials };
  };
}

async function executeUpdates(
  run: Pass,
  updates: (Extract<RecordPlan, { kind: "modify" | "conflict" | "couple" }> & { fresh?: boolean })[],
  sourceOf: Map<string, SideRecord>,
  couplingOf: Map<string, CouplingState>,
  /** Updates sent on the counterpart's stored version, unread: a 412 returns them to be read and planned again. */
  unread: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const stale: string[] = [];
  const budget = run.targetPort.writeBudget?.();
  await inParallel(
    chunks(updates, batchSize(updates.length, budget, run.pagesInFlight)),
    budget?.concurrency ?? 1,
    async (batch) => {
      run.writeRequests++;
      const res = await run.targetPort.update(
        batch.map((plan) => ({
          id: plan.targetId,
          values: plan.values,
          ...validation(run, plan.values),
          ...("ifMatch" in plan && plan.ifMatch ? { ifMatch: plan.ifMatch } : {}),
        })),
      );
      const outcomes = res.ok
        ? res.value
        : batch.map(() => ({ ok: false as const, error: { ...res.error, transient: true } }));
      for (const [i, plan] of batch.entries()) {
        const outcome = outcomes[i];
        if (
          !outcome?.ok &&
          outcome?.error.code === CONNECTOR_CONCURRENCY_CONFLICT.code &&
          unread.has(plan.sourceId.toLowerCase())
        ) {
          stale.push(plan.sourceId.toLowerCase());
          continue;
        }
        if (!outcome?.ok) {
          const error = outcome?.error ?? writeError(run, plan.sourceId, "update", "no outcome");
          await run.fail(plan, error, true);
          continue;
        }
        if (plan.kind === "modify") {
          await recordConflicts(run, plan, couplingOf.get(plan.sourceId.toLowerCase()));
          run.count("modified");
        }
        // The values a match coupling replaced, once they are replaced.
        if (plan.kind === "couple") await recordConflicts(run, plan, undefined);
        const source = sourceOf.get(plan.sourceId.toLowerCase());
        const coupling = couplingOf.get(plan.sourceId.toLowerCase());
        const openConflicts = openConflictsAfter(plan, coupling);
        const written = outcome.partial
          ? withoutUnwritten(run, plan, outcome.partial.properties, coupling?.snapshot)
          : plan;
        await recordSuccess(run, written, source, outcome.record, openConflicts);
        if (outcome.partial) await run.fail(plan, outcome.partial.error, true);
      }
    },
  );
  return stale;
}

function openConflictsAfter(plan: RecordPlan, coupling: CouplingState | undefined): string[] {
  const open = new Set(coupling?.openConflicts ?? []);
  if ("conflicts" in plan) for (const c of plan.conflicts) if (c.resolution === "open") open.add(c.field);
  return [...open];
}

/** A plan with the coupling state its record leaves behind. */
type PlanWithUpdate = RecordPlan & {
  update: { snapshot: CouplingState["snapshot"] & object; pending: CouplingState["pending"] };
};

async function recordSuccess(
  run: Pass,
  plan: PlanWithUpdate,
  source: SideRecord | undefined,
  target: SideRecord | undefined,
  openConflicts: string[],
): Promise<void> {
  const { bcId, success } = successOf(run, plan, source, target, openConflicts);
  await run.store.couplings.recordSuccess(run.mapping.name, bcId, success);
}

/** What a coupling records for a record synced (or found in sync) in this pass. */
function successOf(
  run: Pass,
  plan: PlanWithUpdate,
  source: SideRecord | undefined,
  target: SideRecord | undefined,
  openConflicts: string[],
): CouplingSuccess {
  const toDv = run.pass === "toDataverse";
  const bc = toDv ? source : target;
  const dv = toDv ? target : source;
  const snapshot = storedSnapshot(plan.update.snapshot, plan.update.pending, openConflicts);
  return {
    bcId: run.bcIdOf(plan).toLowerCase(),
    success: {
      direction: run.pass,
      jobId: run.jobId,
      ...(bc ? { bcModifiedAt: bc.modifiedAt, bcVersion: bc.version ?? null } : {}),
      ...(dv ? { dataverseModifiedAt: dv.modifiedAt, dataverseVersion: dv.version ?? null } : {}),
      snapshot: snapshot as never,
    },
  };
}

/** A coupling's record of a sync: the BC id it is keyed by and what it stores. */
interface CouplingSuccess {
  bcId: string;
  success: Parameters<Store["couplings"]["recordSuccess"]>[2];
}

/**
 * Unchanged records: the snapshot and source stamp are stored when they moved, so the next run skips them early.
 * Returns what to record, or nothing when the coupling already holds it.
 */
function unchangedRecording(
  run: Pass,
  plan: RecordPlan,
  source: SideRecord | undefined,
  coupling: CouplingState | undefined,
  keepConflicts: boolean,
): CouplingSuccess | undefined {
  if (!coupling || !("update" in plan) || !plan.update) return undefined;
  const openConflicts = keepConflicts ? openConflictsAfter(plan, coupling) : (coupling.openConflicts ?? []);
  const next = storedSnapshot(plan.update.snapshot, plan.update.pending, openConflicts);
  const stored = storedSnapshot(coupling.snapshot ?? {}, coupling.pending, coupling.openConflicts ?? []);
  const storedStamp = run.pass === "toDataverse" ? coupling.bcModifiedAt : coupling.dataverseModifiedAt;
  const retried = coupling.lastResult?.[run.pass] === "failure";
  if (sameValue(next, stored) && !isAfter(source?.modifiedAt, storedStamp) && !retried) return undefined;
  return successOf(run, plan as never, source, undefined, openConflicts);
}

/**
 * A page's unchanged records in one transaction, not one commit each: a full sync's reverse pass finds every
 * record it just wrote unchanged, but with the stamps of the other side still to store (20,000 products were
 * 20,000 commits, 10 s of the items workload). Rerun whole on a lost connection: each update is idempotent.
 */
async function recordUnchanged(run: Pass, recordings: CouplingSuccess[]): Promise<void> {
  if (recordings.length === 0) return;
  await run.store.transaction(
    async (store) => {
      for (const slice of chunks(recordings, STORE_SLICE)) {
        for (const { bcId, success } of slice) await store.couplings.recordSuccess(run.mapping.name, bcId, success);
        if (recordings.length > STORE_SLICE) await yieldToEventLoop();
      }
    },
    { retryOnConnectionLoss: true },
  );
}

async function recordConflicts(run: Pass, plan: RecordPlan, coupling: CouplingState | undefined): Promise<void> {
  if (!("conflicts" in plan)) return;
  const alreadyOpen = new Set(coupling?.openConflicts ?? []);
  const toDv = run.pass === "toDataverse";
  for (const c of plan.conflicts) {
    if (c.resolution === "open" && alreadyOpen.has(c.field)) continue;
    await run.store.conflicts.record({
      mappingName: run.mapping.name,
      bcId: (toDv ? plan.sourceId : (plan.targetId ?? "")).toLowerCase(),
      dataverseId: (toDv ? (plan.targetId ?? "") : plan.sourceId).toLowerCase(),
      field: c.field,
      baseValue: c.base ?? null,
      bcValue: c.bcValue,
      dataverseValue: c.dataverseValue,
      jobId: run.jobId,
      ...(c.resolution === "open" ? {} : { resolution: c.resolution }),
    });
  }
}

/**
 * BC records created with a blank code in the mapping's code series field get the series' next codes (BC's
 * Salesperson numbering), read from the codes that exist in BC now.
 */
async function assignSeriesCodes(run: Pass, inserts: Extract<RecordPlan, { kind: "insert" }>[]): Promise<void> {
  const series = run.mapping.bcCodeSeries;
  if (!series || run.pass !== "fromDataverse") return;
  const blank = inserts.filter((plan) => isBlank(plan.values[series.field]));
  if (blank.length === 0) return;
  const existing: string[] = [];
  for await (const page of run.targetPort.scan([series.field])) {
    if (!page.ok) throw Object.assign(new Error(page.error.message), { portError: page.error });
    for (const record of page.value) existing.push(String(record.values[series.field] ?? ""));
  }
  const codes = nextCodes(existing, series, blank.length);
  for (const [i, plan] of blank.entries()) plan.values = { ...plan.values, [series.field]: codes[i] };
}

async function executeDeletions(run: Pass): Promise<string | undefined> {
  if (run.deletions.length === 0) return undefined;
  const decision = massDeleteDecision(run.deletions.length, run.mapping.massDeleteThreshold);
  if (!decision.execute) {
    const held = await run.store.heldDeletions.hold({
      mappingName: run.mapping.name,
      direction: run.pass,
      recordIds: run.deletions.map((d) => d.targetId),
      tableCount: run.deletions.length,
    });
    const e = planError(ENGINE_MASS_DELETE_HELD, {
      mapping: run.mapping.name,
      count: run.deletions.length,
      threshold: run.mapping.massDeleteThreshold,
    });
    await run.logError({ sourceId: "" }, e);
    return held.id;
  }
  await deleteTargets(run, run.deletions);
  return undefined;
}

/** Deletes counterparts and their couplings (also used when a held deletion is approved). */
async function deleteTargets(run: Pass, items: { sourceId: string; targetId: string; bcId: string }[]): Promise<void> {
  for (const batch of chunks(items, 1000)) {
    run.writeRequests++;
    const res = await run.targetPort.delete(batch.map((d) => d.targetId));
    for (const [i, item] of batch.entries()) {
      const outcome = res.ok ? res.value[i] : { ok: false as const, error: res.error };
      if (outcome?.ok || (outcome && !outcome.ok && outcome.notFound)) {
        await run.store.couplings.uncoupleByBcId(run.mapping.name, item.bcId.toLowerCase());
        run.count("deleted");
      } else {
        await run.fail(
          { sourceId: item.sourceId, targetId: item.targetId },
          outcome?.error ?? writeError(run, item.sourceId, "delete", "no outcome"),
          false,
        );
      }
    }
  }
  await run.flushCounters();
}

/** Approves a held mass deletion: deletes the counterparts it lists and their couplings. */
export async function approveHeldDeletion(deps: EngineDeps, heldId: string): Promise<PassReport> {
  const held = await deps.store.heldDeletions.get(heldId);
  if (held?.status !== "held") throw new Error(`no held deletion ${heldId}`);
  const mapping = deps.mappings(held.mappingName);
  if (!mapping) throw new Error(`no mapping ${held.mappingName}`);
  const job = await deps.store.jobs.start({ mappingName: mapping.name, direction: held.direction });
  const run = new Pass(deps, mapping, held.direction, job.id, {});
  const targetSide = run.sides.target;
  const rows = await deps.store.couplings.findMany(mapping.name, storeSide(targetSide), held.recordIds);
  const items = held.recordIds.map((targetId) => {
    const c = rows.get(targetId);
    const bcId = held.direction === "toDataverse" ? (c?.bcId ?? "") : targetId;
    return { sourceId: held.direction === "toDataverse" ? (c?.bcId ?? "") : (c?.dataverseId ?? ""), targetId, bcId };
  });
  await deleteTargets(run, items);
  await deps.store.heldDeletions.decide(heldId, "approved");
  const status = run.counters.failed > 0 ? "failed" : "succeeded";
  await deps.store.jobs.finish(job.id, { status });
  return report(run, status, undefined, undefined);
}

/** Un-skips one record (by BC id) or all skipped records of a mapping; they are retried on the next run. */
export function unskip(deps: EngineDeps, mappingName: string, bcId?: string): Promise<number> {
  return deps.store.couplings.unskip(mappingName, bcId?.toLowerCase());
}

/**
 * A plan whose write reached the target only in part: the fields behind the unwritten wire properties keep their
 * previous snapshot entry (none after an insert), so the retry on the next run sees them as still to write.
 */
function withoutUnwritten<P extends { update: CouplingUpdate }>(
  run: Pass,
  plan: P,
  properties: readonly string[],
  base: CouplingState["snapshot"] | undefined,
): P {
  const unwritten = new Set(properties);
  const snapshot = { ...plan.update.snapshot };
  for (const f of passFields(run.mapping, run.pass)) {
    const wire = Object.keys(wireValue({ mapping: run.mapping, pass: run.pass, lookups: {} }, f, null));
    if (!wire.some((p) => unwritten.has(p))) continue;
    const key = fieldKey(f);
    if (base?.[key]) snapshot[key] = base[key];
    else delete snapshot[key];
  }
  return { ...plan, update: { ...plan.update, snapshot } };
}

/** Field validation for a write (see WriteValidation). */
function validation(run: Pass, values: Record<string, unknown>): WriteValidation {
  const skip = unvalidatedProperties(run.mapping, run.pass, values);
  return skip.length > 0 ? { skipValidation: skip } : {};
}

/** A record whose match query the target refused for good: its own error, naming the match fields (issue 14.5). */
function matchRefused(
  mapping: TableMapping,
  pass: PassDirection,
  source: SideRecord,
  refusal: MatchRefusal,
): PlanError {
  const record = recordName(source);
  const field = refusal.fields.join(", ");
  const side = pass === "toDataverse" ? "Dataverse" : "Business Central";
  const reason = refusal.error.detail ?? refusal.error.message;
  return planError(ENGINE_MATCH_QUERY_REFUSED, { mapping: mapping.name, record, field, side, reason }, field);
}

function writeError(run: Pass, id: string, operation: string, reason: string): PortError {
  return { ...planError(ENGINE_WRITE_FAILED, { mapping: run.mapping.name, id, operation, reason }), transient: true };
}

function toPortError(run: Pass, id: string, operation: string, error: unknown): PortError {
  const e = error as { code?: string; message?: string };
  if (e.code?.startsWith("BCSYNC_E_")) return { code: e.code, message: e.message ?? "", fix: "" };
  return writeError(run, id, operation, String(e.message ?? error));
}
