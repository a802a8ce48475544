// Match-based coupling (BC §8.1): for an uncoupled source record, find exactly one uncoupled counterpart by the
// field mappings marked `match`, trying priorities in ascending order. Text compares case-insensitively unless
// the field says otherwise; blank values never match.

import { convertField, dataverseReadProperty, type LookupTable, passFields } from "./convert.ts";
import { type FieldMapping, fieldKey, type PassDirection, type TableMapping } from "./model.ts";
import type { SideRecord } from "./records.ts";
import { isBlank, sameValue } from "./values.ts";

export interface MatchCondition {
  field: string;
  /** Property on the target record to compare. */
  targetProperty: string;
  value: unknown;
  caseSensitive: boolean;
}

/** Condition groups (AND within a group), one per priority, lowest priority first. */
export function matchCriteria(
  mapping: TableMapping,
  pass: PassDirection,
  source: SideRecord,
  lookups: LookupTable = {},
): MatchCondition[][] {
  const byPriority = new Map<number, MatchCondition[]>();
  for (const f of passFields(mapping, pass)) {
    if (!f.match || f.constant !== undefined) continue;
    const targetProperty = pass === "toDataverse" ? dataverseReadProperty(f) : f.bcField;
    if (targetProperty === undefined) continue;
    const converted = convertField(mapping, f, pass, source, lookups);
    if (!converted.ok || converted.omit || isBlank(converted.value)) continue;
    const group = byPriority.get(f.match.priority) ?? [];
    group.push({ field: fieldKey(f), targetProperty, value: converted.value, caseSensitive: f.match.caseSensitive });
    byPriority.set(f.match.priority, group);
  }
  return [...byPriority.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

export function conditionHolds(c: MatchCondition, target: SideRecord): boolean {
  const actual = target.values[c.targetProperty];
  if (!c.caseSensitive && typeof c.value === "string" && typeof actual === "string") {
    return c.value.trim().toLowerCase() === actual.trim().toLowerCase();
  }
  return sameValue(c.value, actual);
}

export type MatchResult =
  | { kind: "unique"; target: SideRecord; priority: number }
  | { kind: "none" }
  | { kind: "ambiguous"; candidateIds: string[] };

/**
 * Picks the counterpart among candidates (the runner fetched them with the criteria as a filter; they are
 * re-checked here). Records already coupled to something else never match.
 */
export function selectMatch(
  criteria: MatchCondition[][],
  candidates: SideRecord[],
  alreadyCoupled: ReadonlySet<string>,
): MatchResult {
  let ambiguous: string[] | undefined;
  for (const [priority, group] of criteria.entries()) {
    const hits = candidates.filter((t) => !alreadyCoupled.has(t.id) && group.every((c) => conditionHolds(c, t)));
    if (hits.length === 1) return { kind: "unique", target: hits[0], priority };
    if (hits.length > 1) ambiguous ??= hits.map((h) => h.id);
  }
  return ambiguous ? { kind: "ambiguous", candidateIds: ambiguous } : { kind: "none" };
}

/** True when the mapping has match fields for this pass (else match-based coupling is not attempted). */
export function hasMatchFields(mapping: TableMapping, pass: PassDirection): boolean {
  return passFields(mapping, pass).some((f: FieldMapping) => f.match !== undefined && f.constant === undefined);
}

/**
 * Every match of the pass is by a value each source record has of its own: each priority's conditions (AND-ed)
 * include a field marked unique (MatchRule.unique), so no record can match what another record created.
 */
export function matchesByUniqueValues(mapping: TableMapping, pass: PassDirection): boolean {
  const unique = new Map<number, boolean>();
  for (const f of passFields(mapping, pass)) {
    if (f.match === undefined || f.constant !== undefined) continue;
    unique.set(f.match.priority, (unique.get(f.match.priority) ?? false) || f.match.unique === true);
  }
  return unique.size > 0 && [...unique.values()].every(Boolean);
}
