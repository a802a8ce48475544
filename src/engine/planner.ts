// The planner: the functional core of a sync pass. Given one changed source record, its coupling (with the
// last-synced snapshot), the target's current values when read, and the mapping, it decides what to do and
// with which values. No I/O: the runner prefetches targets, lookups and match candidates, and executes plans.
//
// Decisions follow BC's per-record algorithm (bc-reference §3.3) with two upgrades the peers suggest:
// a field-level three-way merge against the snapshot (edits to different fields both survive; the same field
// edited on both sides follows the policy or waits in the review queue, and the losing value is recorded),
// and hash/snapshot change detection so an unchanged record writes nothing.

import {
  ENGINE_AMBIGUOUS_MATCH,
  ENGINE_COUNTERPART_DELETED,
  ENGINE_OPTION_VALUE_INVALID,
  ENGINE_UPDATE_CONFLICT,
  ENGINE_VALUE_NOT_EMAIL,
  ENGINE_VALUE_REQUIRED,
  ENGINE_VALUE_TOO_LONG,
} from "../errors/codes/engine.ts";
import {
  convertField,
  dataverseReadProperty,
  type LookupTable,
  type PlanError,
  passFields,
  planError,
  sideValue,
} from "./convert.ts";
import { type IntegrationUsers, isIntegrationUser } from "./integration-users.ts";
import { matchCriteria, selectMatch } from "./matching.ts";
import {
  type FieldMapping,
  fieldDirection,
  fieldKey,
  lookupTableKey,
  type PassDirection,
  type TableMapping,
} from "./model.ts";
import type { ColumnRules } from "./ports.ts";
import { type CouplingState, recordName, type SideRecord, type Snapshot, type SourceChange } from "./records.ts";
import { isAfter, isBlank, sameValue } from "./values.ts";

export type RunMode =
  /** Scheduled: only-coupled honoured, unchanged records skipped. */
  | "scheduled"
  /** Full sync: uncoupled records are matched or created regardless of syncOnlyCoupled. */
  | "full"
  /** Force: write every differing field from the source (BC ForceModify; manual "synchronize now"). */
  | "force";

export interface PlanContext {
  mapping: TableMapping;
  pass: PassDirection;
  lookups: LookupTable;
  /** Ids of the integration users on each side (one per app registration): their changes are never synced (S15). */
  integrationUsers?: IntegrationUsers;
  /** The most characters each target text property takes (from its metadata): longer values are reported, not sent. */
  targetLimits?: ReadonlyMap<string, number>;
  /** Required, e-mail and choice properties of the target (from its metadata): refused values are reported, not sent. */
  targetRules?: ColumnRules;
  mode?: RunMode;
}

export interface PlanInput {
  change: SourceChange;
  coupling?: CouplingState;
  /** The coupled target: undefined = not read, null = read and gone. */
  target?: SideRecord | null;
  /** Uncoupled records: candidates fetched with the match criteria. */
  matchCandidates?: SideRecord[];
  /** Target ids already coupled to another source record (never match them). */
  coupledTargetIds?: ReadonlySet<string>;
  /**
   * The coupled target was not read: it is taken to hold what the last sync left (the coupling's snapshot), and the
   * update carries the version stored then, so the service refuses it (412) if the record changed since; the runner
   * then reads the target and plans again. Saves reading every changed record's counterpart before writing it.
   */
  targetAtBase?: { version: string };
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export type ConflictResolution = "open" | "bcWins" | "dataverseWins";

/** One field edited on both sides. Always recorded, also when a policy resolved it, so no value is lost silently. */
export interface FieldConflict {
  field: string;
  bcValue: unknown;
  dataverseValue: unknown;
  base?: { bc: unknown; dv: unknown };
  resolution: ConflictResolution;
}

interface PlanBase {
  sourceId: string;
  targetId?: string;
}

/** What the coupling should hold after the plan is carried out successfully. */
export interface CouplingUpdate {
  snapshot: Snapshot;
  pending: Partial<Record<PassDirection, string[]>>;
  /** False when the target still has changes for the reverse pass: do not advance its stored timestamp. */
  advanceTargetWatermark: boolean;
}

export type RecordPlan =
  | (PlanBase & { kind: "insert"; values: Record<string, unknown>; update: CouplingUpdate; restore?: boolean })
  | (PlanBase & {
      kind: "modify";
      targetId: string;
      values: Record<string, unknown>;
      changes: FieldChange[];
      conflicts: FieldConflict[];
      update: CouplingUpdate;
      /** Target version read for the plan: write with If-Match so a concurrent edit is not overwritten. */
      ifMatch?: string;
    })
  | (PlanBase & {
      kind: "conflict";
      targetId: string;
      /** Non-conflicting fields that still merge (empty unless fieldLevelMerge). */
      values: Record<string, unknown>;
      changes: FieldChange[];
      conflicts: FieldConflict[];
      update: CouplingUpdate;
      error: PlanError;
      ifMatch?: string;
    })
  | (PlanBase & { kind: "unchanged"; reason: UnchangedReason; update?: CouplingUpdate })
  | (PlanBase & {
      kind: "couple";
      targetId: string;
      values: Record<string, unknown>;
      changes: FieldChange[];
      /** Values of the target the coupling replaced in fields both sides own, recorded as resolved conflicts. */
      conflicts: FieldConflict[];
      update: CouplingUpdate;
    })
  | (PlanBase & { kind: "skip"; reason: SkipReason })
  | (PlanBase & { kind: "ignore"; reason: IgnoreReason })
  | (PlanBase & { kind: "delete"; targetId: string })
  | (PlanBase & { kind: "uncouple"; targetId: string; reason: "counterpart_deleted" | "source_deleted" })
  | (PlanBase & { kind: "fail"; error: PlanError });

export type PlanKind = RecordPlan["kind"];
export type UnchangedReason = "echo" | "not_modified" | "same_values" | "waiting_for_review";
export type SkipReason = "skipped_coupling" | "conflict_other_side_wins" | "no_match";
export type IgnoreReason = "uncoupled" | "deleted_not_propagated" | "deleted_uncoupled" | "integration_user";

const other = (pass: PassDirection): PassDirection => (pass === "toDataverse" ? "fromDataverse" : "toDataverse");
const sourceSide = (pass: PassDirection): "bc" | "dv" => (pass === "toDataverse" ? "bc" : "dv");
const targetSide = (pass: PassDirection): "bc" | "dv" => (pass === "toDataverse" ? "dv" : "bc");

/** Plans one source change. */
export function planRecord(ctx: PlanContext, input: PlanInput): RecordPlan {
  const { mapping, pass } = ctx;
  const mode = ctx.mode ?? "scheduled";
  const { change, coupling } = input;
  const sourceId = change.kind === "upsert" ? change.record.id : change.id;
  const targetId = coupling ? (pass === "toDataverse" ? coupling.dataverseId : coupling.bcId) : undefined;

  if (coupling?.skipped && mode === "scheduled")
    return { kind: "skip", sourceId, targetId, reason: "skipped_coupling" };

  if (change.kind === "deleted") {
    if (!coupling || !targetId) return { kind: "ignore", sourceId, reason: "deleted_uncoupled" };
    if (mapping.propagateDeletes) return { kind: "delete", sourceId, targetId };
    return planDeletionConflict(ctx, sourceId, targetId, mode);
  }
  const source = change.record;

  if (!coupling || !targetId) return planUncoupled(ctx, input, source, mode);

  // Coupled, but the counterpart is gone: a deletion conflict (not raised when forcing).
  if (input.target === null) {
    if (mode !== "force") {
      if (mapping.deletionConflict === "removeCoupling") {
        return { kind: "uncouple", sourceId, targetId, reason: "counterpart_deleted" };
      }
      if (mapping.deletionConflict === "none") {
        return {
          kind: "fail",
          sourceId,
          targetId,
          error: planError(ENGINE_COUNTERPART_DELETED, {
            mapping: mapping.name,
            id: sourceId,
            side: pass === "toDataverse" ? "Dataverse" : "Business Central",
          }),
        };
      }
    }
    return planInsert(ctx, source, { restore: true, base: coupling });
  }

  const pendingHere = coupling.pending?.[pass] ?? [];
  const retrying = coupling.lastResult?.[pass] === "failure";
  const echo = isEcho(ctx, source, coupling);
  if (mode === "scheduled" && !retrying && pendingHere.length === 0) {
    if (echo === "integration_user") return { kind: "unchanged", sourceId, targetId, reason: "echo" };
    if (echo === "own_write") return { kind: "unchanged", sourceId, targetId, reason: "echo" };
    if (notModifiedSince(pass, source, coupling)) {
      return { kind: "unchanged", sourceId, targetId, reason: "not_modified" };
    }
  }
  // Our own write with changes still pending from before it: only the pending fields flow.
  const onlyFields = echo !== "none" && mode === "scheduled" && !retrying ? new Set(pendingHere) : undefined;
  return planCoupled(ctx, input, source, coupling, targetId, mode, onlyFields);
}

/**
 * A coupled record was deleted and deletes do not propagate: the survivor is now coupled to a deleted record, a
 * deletion conflict (BC §3.8) settled by the mapping's policy here rather than left as a coupling to nothing.
 * Remove Coupling uncouples; None fails the coupling with the reason (repeated, then skipped); Restore Records
 * keeps the coupling, so the survivor's next full sync finds its counterpart gone and creates it again.
 */
function planDeletionConflict(ctx: PlanContext, sourceId: string, targetId: string, mode: RunMode): RecordPlan {
  const { mapping, pass } = ctx;
  if (mode === "force" || mapping.deletionConflict === "restoreRecord") {
    return { kind: "ignore", sourceId, targetId, reason: "deleted_not_propagated" };
  }
  if (mapping.deletionConflict === "removeCoupling") {
    return { kind: "uncouple", sourceId, targetId, reason: "source_deleted" };
  }
  return {
    kind: "fail",
    sourceId,
    targetId,
    error: planError(ENGINE_COUNTERPART_DELETED, {
      mapping: mapping.name,
      id: targetId,
      side: pass === "toDataverse" ? "Business Central" : "Dataverse",
    }),
  };
}

/**
 * The source's stamp is not after the one stored at the last sync. Modified-on has whole-second precision on
 * Dataverse, so an edit in the same second as the last sync carries the same stamp: a row version other than
 * the stored one is then a change (isEcho has already caught the equal version).
 */
function notModifiedSince(pass: PassDirection, source: SideRecord, coupling: CouplingState): boolean {
  const stored = pass === "toDataverse" ? coupling.bcModifiedAt : coupling.dataverseModifiedAt;
  if (stored === undefined || isAfter(source.modifiedAt, stored)) return false;
  const storedVersion = pass === "toDataverse" ? coupling.bcVersion : coupling.dataverseVersion;
  const sameInstant = !isAfter(stored, source.modifiedAt);
  const newVersion = source.version !== undefined && storedVersion !== undefined && source.version !== storedVersion;
  return !(sameInstant && newVersion);
}

type EchoKind = "none" | "own_write" | "integration_user";

function isEcho(ctx: PlanContext, source: SideRecord, coupling: CouplingState): EchoKind {
  const side = ctx.pass === "toDataverse" ? "bc" : "dataverse";
  const ourVersion = side === "bc" ? coupling.bcVersion : coupling.dataverseVersion;
  if (source.version !== undefined && ourVersion !== undefined && source.version === ourVersion) return "own_write";
  if (isIntegrationUser(ctx.integrationUsers?.[side], source.modifiedBy)) return "integration_user";
  return "none";
}

function planUncoupled(ctx: PlanContext, input: PlanInput, source: SideRecord, mode: RunMode): RecordPlan {
  const { mapping, pass } = ctx;
  const sourceId = source.id;
  if (isIntegrationUser(ctx.integrationUsers?.[pass === "toDataverse" ? "bc" : "dataverse"], source.modifiedBy)) {
    return { kind: "ignore", sourceId, reason: "integration_user" };
  }
  if (mapping.syncOnlyCoupled && mode === "scheduled") return { kind: "ignore", sourceId, reason: "uncoupled" };

  const criteria = matchCriteria(mapping, pass, source, ctx.lookups);
  if (criteria.length > 0 && input.matchCandidates) {
    const match = selectMatch(criteria, input.matchCandidates, input.coupledTargetIds ?? new Set());
    if (match.kind === "unique") {
      // A fresh coupling has no base: the source's values are written (BC ForceModify after a match).
      const merged = mergeFields(ctx, source, match.target, undefined, "force", undefined);
      if (merged.kind === "error") return { kind: "fail", sourceId, targetId: match.target.id, error: merged.error };
      return {
        kind: "couple",
        sourceId,
        targetId: match.target.id,
        values: merged.values,
        changes: merged.changes,
        conflicts: merged.conflicts,
        update: merged.update,
      };
    }
    if (match.kind === "ambiguous") {
      return {
        kind: "fail",
        sourceId,
        error: planError(ENGINE_AMBIGUOUS_MATCH, {
          mapping: mapping.name,
          id: sourceId,
          candidates: match.candidateIds.slice(0, 5).join(", "),
        }),
      };
    }
  }
  if (!mapping.createNew) return { kind: "skip", sourceId, reason: "no_match" };
  return planInsert(ctx, source, { restore: false });
}

function planInsert(
  ctx: PlanContext,
  source: SideRecord,
  opts: { restore: boolean; base?: CouplingState },
): RecordPlan {
  const merged = mergeFields(ctx, source, undefined, undefined, "force", undefined);
  if (merged.kind === "error") return { kind: "fail", sourceId: source.id, error: merged.error };
  // Inserting into BC: leave blanks out so the service applies its defaults.
  const values =
    ctx.pass === "fromDataverse"
      ? Object.fromEntries(Object.entries(merged.values).filter(([, v]) => !isBlank(v)))
      : merged.values;
  return {
    kind: "insert",
    sourceId: source.id,
    values,
    update: merged.update,
    ...(opts.restore ? { restore: true } : {}),
  };
}

function planCoupled(
  ctx: PlanContext,
  input: PlanInput,
  source: SideRecord,
  coupling: CouplingState,
  targetId: string,
  mode: RunMode,
  onlyFields: Set<string> | undefined,
): RecordPlan {
  const target = input.target ?? undefined;
  const assumed = target === undefined ? input.targetAtBase : undefined;
  const merged = mergeFields(ctx, source, target, coupling, mode, onlyFields, assumed !== undefined);
  if (merged.kind === "error") return { kind: "fail", sourceId: source.id, targetId, error: merged.error };
  const ifMatch = target?.version ?? assumed?.version;
  const open = merged.conflicts.filter((c) => c.resolution === "open");
  if (open.length > 0) {
    return {
      kind: "conflict",
      sourceId: source.id,
      targetId,
      values: merged.values,
      changes: merged.changes,
      conflicts: merged.conflicts,
      update: merged.update,
      error: planError(ENGINE_UPDATE_CONFLICT, {
        mapping: ctx.mapping.name,
        id: source.id,
        fields: open.map((c) => c.field).join(", "),
      }),
      ...(ifMatch ? { ifMatch } : {}),
    };
  }
  if (merged.recordLoses) {
    return { kind: "skip", sourceId: source.id, targetId, reason: "conflict_other_side_wins" };
  }
  if (merged.changes.length === 0) {
    const waiting = (coupling.openConflicts ?? []).length > 0;
    return {
      kind: "unchanged",
      sourceId: source.id,
      targetId,
      reason: waiting ? "waiting_for_review" : "same_values",
      update: merged.update,
    };
  }
  return {
    kind: "modify",
    sourceId: source.id,
    targetId,
    values: merged.values,
    changes: merged.changes,
    conflicts: merged.conflicts,
    update: merged.update,
    ...(ifMatch ? { ifMatch } : {}),
  };
}

type Merged =
  | { kind: "error"; error: PlanError }
  | {
      kind: "ok";
      values: Record<string, unknown>;
      changes: FieldChange[];
      conflicts: FieldConflict[];
      update: CouplingUpdate;
      /** Record-level merge (fieldLevelMerge off) where the other side wins: skip this pass. */
      recordLoses: boolean;
    };

interface FieldDecision {
  f: FieldMapping;
  key: string;
  srcVal: unknown;
  tgtVal: unknown;
  desired: unknown;
  srcChanged: boolean;
  tgtChanged: boolean;
  needsWrite: boolean;
  omit: boolean;
  /** Cleared by clearOnFail (lookup not coupled): written blank, its source value never recorded as synced. */
  unresolved: boolean;
}

/**
 * The three-way merge of one record. `target` undefined means an insert (no current values); `coupling`
 * undefined means no base (insert or fresh coupling: the source wins).
 */
/**
 * A text the target would refuse as too long (its metadata's MaxLength), named with the record and the field (issue
 * 14.6): reported as the record's error, never cut short, and never sent to fail a whole request. A value the target
 * already holds is not checked again.
 */
function overLimit(
  ctx: PlanContext,
  f: FieldMapping,
  value: unknown,
  targetValue: unknown,
  source: SideRecord,
): PlanError | undefined {
  const property = ctx.pass === "toDataverse" ? f.dataverseField : f.bcField;
  const max = property === undefined ? undefined : ctx.targetLimits?.get(property);
  if (max === undefined || typeof value !== "string" || value.length <= max || sameValue(value, targetValue))
    return undefined;
  // Label and id: a name alone may be shared or blank (found by the bad-input property test).
  const record = recordName(source);
  return planError(
    ENGINE_VALUE_TOO_LONG,
    { mapping: ctx.mapping.name, record, field: fieldKey(f), length: value.length, max },
    fieldKey(f),
  );
}

const EMAIL = /^[^\s@;,<>"]+@[^\s@;,<>"]+\.[^\s@;,<>".]+$/;

/**
 * A value the target's metadata says it would refuse (issue 14.6): a required property left empty, an e-mail
 * property whose value is no address, a choice property given a value that is not one of its options. Named with
 * the mapping, the record (label and id) and the field; a value the target already holds is not checked again.
 */
function refusedValue(
  ctx: PlanContext,
  f: FieldMapping,
  value: unknown,
  targetExists: boolean,
  targetValue: unknown,
  source: SideRecord,
): PlanError | undefined {
  const rules = ctx.targetRules;
  const property = ctx.pass === "toDataverse" ? f.dataverseField : f.bcField;
  // On an insert every value is new (an empty one included: the record would be created without it).
  if (!rules || property === undefined || (targetExists && sameValue(value, targetValue))) return undefined;
  const empty = value === undefined || value === null || (typeof value === "string" && value.trim() === "");
  if (empty) {
    if (!rules.required.has(property)) return undefined;
    const side = ctx.pass === "toDataverse" ? "Dataverse" : "Business Central";
    const names = refusalNames(ctx, f, source);
    return planError(ENGINE_VALUE_REQUIRED, { ...names, side }, names.field);
  }
  if (rules.email.has(property) && typeof value === "string") {
    const addresses = value.split(";").map((a) => a.trim());
    if (!addresses.every((a) => a === "" || EMAIL.test(a)) || addresses.every((a) => a === "")) {
      const names = refusalNames(ctx, f, source);
      return planError(ENGINE_VALUE_NOT_EMAIL, { ...names, value: value.slice(0, 200) }, names.field);
    }
  }
  const options = rules.options.get(property);
  if (options && options.size > 0 && typeof value === "number" && !options.has(value)) {
    const valid = [...options].slice(0, 20).join(", ") + (options.size > 20 ? ", …" : "");
    const names = refusalNames(ctx, f, source);
    return planError(ENGINE_OPTION_VALUE_INVALID, { ...names, value: String(value), valid }, names.field);
  }
  return undefined;
}

/**
 * The names a refusal's message carries. Built only for a refusal: the record's name and the field's key are new
 * strings, and refusedValue runs for every field of every record.
 */
function refusalNames(ctx: PlanContext, f: FieldMapping, source: SideRecord) {
  return { mapping: ctx.mapping.name, record: recordName(source), field: fieldKey(f) };
}

function mergeFields(
  ctx: PlanContext,
  source: SideRecord,
  target: SideRecord | undefined,
  coupling: CouplingState | undefined,
  mode: RunMode,
  onlyFields: Set<string> | undefined,
  /** The target was not read and is taken to hold its base values (PlanInput.targetAtBase). */
  targetAtBase = false,
): Merged {
  const { mapping, pass } = ctx;
  const targetKnown = target !== undefined || targetAtBase;
  const src = sourceSide(pass);
  const tgt = targetSide(pass);
  const base = coupling?.snapshot;
  const openConflicts = new Set(coupling?.openConflicts ?? []);
  const targetStored = pass === "toDataverse" ? coupling?.dataverseModifiedAt : coupling?.bcModifiedAt;
  const targetTouched = target !== undefined && coupling !== undefined && isAfter(target.modifiedAt, targetStored);
  const force = mode === "force" || coupling === undefined;
  // An insert has neither a coupling nor a target; insert-only fields are written then and never after.
  const inserting = coupling === undefined && target === undefined;
  // A coupling just made by match: a blank never replaces a value the target holds (see keepsTargetValue).
  const matched = coupling === undefined && target !== undefined;

  const decisions: FieldDecision[] = [];
  for (const f of passFields(mapping, pass)) {
    // Not even converted on updates: a lookup that no longer resolves must not fail the record.
    if (f.insertOnly && !inserting) continue;
    const key = fieldKey(f);
    const converted = convertField(mapping, f, pass, source, ctx.lookups);
    if (!converted.ok) return { kind: "error", error: converted.error };
    const b = base?.[key];
    const baseSrc = b ? (src === "bc" ? b.bc : b.dv) : undefined;
    const baseTgt = b ? (tgt === "bc" ? b.bc : b.dv) : undefined;
    const srcVal = sideValue(f, src, source);
    const tgtVal = targetAtBase ? baseTgt : sideValue(f, tgt, target);
    const tooLong = overLimit(ctx, f, converted.value, tgtVal, source);
    if (tooLong) return { kind: "error", error: tooLong };
    const refused = converted.omit ? undefined : refusedValue(ctx, f, converted.value, targetKnown, tgtVal, source);
    if (refused) return { kind: "error", error: refused };
    const hasSourceField = (pass === "toDataverse" ? f.bcField : f.dataverseField) !== undefined;
    let srcChanged =
      force || !b || (hasSourceField ? !sameValue(srcVal, baseSrc) : !sameValue(converted.value, baseTgt));
    if (onlyFields && !onlyFields.has(key)) srcChanged = false;
    const tgtChanged = target === undefined ? false : b ? !sameValue(tgtVal, baseTgt) : targetTouched;
    decisions.push({
      f,
      key,
      srcVal,
      tgtVal,
      desired: converted.value,
      srcChanged,
      tgtChanged,
      needsWrite: !converted.omit && (!targetKnown || !sameValue(converted.value, tgtVal)),
      omit: converted.omit === true,
      unresolved: converted.unresolved === true,
    });
  }

  const values: Record<string, unknown> = {};
  const changes: FieldChange[] = [];
  const conflicts: FieldConflict[] = [];
  const snapshot: Snapshot = { ...(base ?? {}) };
  const pendingReverse = new Set(coupling?.pending?.[other(pass)] ?? []);
  const winner = winnerOf(mapping.updateConflict);
  const sourceWins = winner === src;

  // Record-level (fieldLevelMerge off): both sides touched and a bidirectional field would be written.
  let recordConflict = false;
  if (!mapping.fieldLevelMerge && !force && target !== undefined) {
    const targetChangedAny = decisions.some((d) => d.tgtChanged) || (base === undefined && targetTouched);
    const bidirWrite = decisions.some(
      (d) => d.srcChanged && d.needsWrite && fieldDirection(mapping, d.f) === "bidirectional",
    );
    recordConflict = targetChangedAny && bidirWrite;
  }
  if (recordConflict && winner !== undefined && !sourceWins) {
    return {
      kind: "ok",
      values: {},
      changes: [],
      conflicts: [],
      update: buildUpdate(base ?? {}, coupling, pass, pendingUnion(pendingReverse, decisions), false),
      recordLoses: true,
    };
  }

  const write = (d: FieldDecision) => {
    Object.assign(values, wireValue(ctx, d.f, d.desired));
    changes.push({ field: d.key, from: d.tgtVal, to: d.desired });
    snapshot[d.key] = sidePair(pass, d.unresolved ? UNRESOLVED : d.srcVal, writtenTargetValue(d));
    pendingReverse.delete(d.key);
  };

  for (const d of decisions) {
    const bidirectional = fieldDirection(mapping, d.f) === "bidirectional";
    if (openConflicts.has(d.key) && !force) continue; // waits for a decision in the review queue
    if (d.omit) continue;
    if (!d.srcChanged) {
      if (d.tgtChanged && bidirectional) pendingReverse.add(d.key);
      continue;
    }
    if (!d.needsWrite) {
      // Both sides hold the same value (or the target already took it): converged.
      if (targetKnown) snapshot[d.key] = sidePair(pass, d.unresolved ? UNRESOLVED : d.srcVal, d.tgtVal);
      pendingReverse.delete(d.key);
      continue;
    }
    if (matched && keepsTargetValue(d)) {
      // Recorded as if the target had been blank at the coupling: the next pass towards it writes nothing here,
      // and the value flows the other way (pending), filling the source's blank instead of being lost.
      snapshot[d.key] = sidePair(pass, d.srcVal, null);
      if (bidirectional) pendingReverse.add(d.key);
      continue;
    }
    if (matched && bidirectional && !isBlank(d.tgtVal)) {
      // The target held another value in a field both sides own: the coupling's source wins (as before), and the
      // value it replaces is recorded as a conflict the source won, so that nothing is lost without a trace.
      conflicts.push(conflictOf(pass, d, undefined, src));
      write(d);
      continue;
    }
    const conflicting = !force && d.tgtChanged && bidirectional;
    if (!conflicting && !(recordConflict && bidirectional)) {
      write(d);
      continue;
    }
    const conflict = conflictOf(pass, d, base?.[d.key], winner);
    if (winner === undefined) {
      conflicts.push(conflict);
      pendingReverse.delete(d.key);
    } else if (sourceWins) {
      conflicts.push(conflict); // the losing target value is recorded
      write(d);
    } else {
      // The target wins: its value flows in the reverse pass, which records the conflict.
      pendingReverse.add(d.key);
    }
  }

  if (recordConflict && winner === undefined) {
    // Without field-level merging nothing is written while any field conflicts.
    for (const key of Object.keys(values)) delete values[key];
    for (const c of changes) {
      if (base?.[c.field]) snapshot[c.field] = base[c.field];
      else delete snapshot[c.field];
    }
    changes.length = 0;
  }

  const pending = [...pendingReverse];
  return {
    kind: "ok",
    values,
    changes,
    conflicts,
    update: buildUpdate(snapshot, coupling, pass, pending, pending.length === 0),
    recordLoses: false,
  };
}

/**
 * The snapshot's source value of a field clearOnFail blanked: never equal to a real value, so the next run that
 * reads the record tries the lookup again, while the target side holds the blank actually written (the reverse
 * pass sees no change there and never writes the blank back over the source).
 */
const UNRESOLVED = "\u0000bcsync:unresolved-lookup";

function pendingUnion(set: Set<string>, decisions: FieldDecision[]): string[] {
  const out = new Set(set);
  for (const d of decisions) if (d.tgtChanged) out.add(d.key);
  return [...out];
}

function buildUpdate(
  snapshot: Snapshot,
  coupling: CouplingState | undefined,
  pass: PassDirection,
  pendingReverse: string[],
  advanceTargetWatermark: boolean,
): CouplingUpdate {
  const pending: Partial<Record<PassDirection, string[]>> = { ...(coupling?.pending ?? {}) };
  pending[pass] = [];
  pending[other(pass)] = pendingReverse;
  return { snapshot, pending, advanceTargetWatermark };
}

function winnerOf(policy: TableMapping["updateConflict"]): "bc" | "dv" | undefined {
  if (policy === "bcWins") return "bc";
  if (policy === "dataverseWins") return "dv";
  return undefined;
}

/** A field's conflict: both sides' values, the base if there is one, and the side that won (none: open). */
function conflictOf(
  pass: PassDirection,
  d: FieldDecision,
  base: { bc: unknown; dv: unknown } | undefined,
  winner: "bc" | "dv" | undefined,
): FieldConflict {
  return {
    field: d.key,
    bcValue: pass === "toDataverse" ? d.srcVal : d.tgtVal,
    dataverseValue: pass === "toDataverse" ? d.tgtVal : d.srcVal,
    ...(base ? { base } : {}),
    resolution: winner === undefined ? "open" : winner === "bc" ? "bcWins" : "dataverseWins",
  };
}

function sidePair(pass: PassDirection, srcVal: unknown, tgtVal: unknown): { bc: unknown; dv: unknown } {
  return pass === "toDataverse"
    ? { bc: srcVal ?? null, dv: tgtVal ?? null }
    : { bc: tgtVal ?? null, dv: srcVal ?? null };
}

/**
 * Coupling two existing records by match, a field blank on the source side and filled on the target is not written:
 * the first full sync of the demo blanked the address, e-mail, website, payment terms and currency of every BC
 * customer matched to a Dataverse account that lacked them (and, through BC, of their company contacts), counted
 * only as "coupled". Business Central's match-based coupling writes nothing at all until a sync after it; here the
 * source's values still go where they fill a blank or differ from a value.
 */
function keepsTargetValue(d: FieldDecision): boolean {
  return isBlank(d.desired) && !isBlank(d.tgtVal);
}

/** The target's value after our write, in the form it reads back (lookups read back as the id). */
function writtenTargetValue(d: FieldDecision): unknown {
  return d.desired ?? null;
}

/** The wire properties that write a field: Dataverse lookups bind by navigation property. */
export function wireValue(ctx: PlanContext, f: FieldMapping, value: unknown): Record<string, unknown> {
  if (ctx.pass === "fromDataverse") return { [f.bcField!]: value };
  if (f.lookup && !f.lookup.option) {
    const nav = f.lookup.dataverseNavigation ?? f.dataverseField!;
    const set = ctx.lookups[lookupTableKey(f.lookup)]?.dataverseEntitySet;
    if (isBlank(value) || set === undefined) return { [`${nav}@odata.bind`]: null };
    return { [`${nav}@odata.bind`]: `/${set}(${String(value)})` };
  }
  return { [f.dataverseField!]: value };
}

/** The written properties whose field mappings turn the destination's validation off (`validate: false`). */
export function unvalidatedProperties(
  mapping: TableMapping,
  pass: PassDirection,
  values: Record<string, unknown>,
): string[] {
  const skip: string[] = [];
  for (const f of passFields(mapping, pass)) {
    if (f.validate) continue;
    for (const p of Object.keys(wireValue({ mapping, pass, lookups: {} }, f, null))) if (p in values) skip.push(p);
  }
  return skip;
}

/** A snapshot built from both sides' current values (after coupling, reconciliation or a verified write). */
export function snapshotOf(mapping: TableMapping, bc: SideRecord, dv: SideRecord): Snapshot {
  const out: Snapshot = {};
  const seen = new Set<string>();
  for (const pass of ["toDataverse", "fromDataverse"] as const) {
    for (const f of passFields(mapping, pass)) {
      const key = fieldKey(f);
      if (seen.has(key)) continue;
      seen.add(key);
      out[key] = { bc: sideValue(f, "bc", bc) ?? null, dv: sideValue(f, "dv", dv) ?? null };
    }
  }
  return out;
}

/** Properties to `$select` when reading a side for this mapping (both passes' fields, keys and metadata). */
export function selectFor(mapping: TableMapping, side: "bc" | "dv"): string[] {
  const props = new Set<string>();
  if (side === "bc") {
    props.add(mapping.bc.keyField);
    props.add(mapping.bc.modifiedField);
  } else {
    props.add(mapping.dataverse.keyField);
    props.add(mapping.dataverse.modifiedField);
    props.add(mapping.dataverse.modifiedByField);
  }
  for (const pass of ["toDataverse", "fromDataverse"] as const) {
    for (const f of passFields(mapping, pass)) {
      const p = side === "bc" ? f.bcField : dataverseReadProperty(f);
      if (p !== undefined) props.add(p);
    }
  }
  return [...props];
}
