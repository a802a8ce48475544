// What the planner needs besides the page itself, fetched in as few requests as possible: couplings of the
// page, the coupled targets of records that changed, lookup couplings of referenced mappings, and match
// candidates for uncoupled records. Kept apart from the runner so each step can be read on its own.

import { CONNECTOR_RECORD_MALFORMED } from "../errors/codes/connectors.ts";
import type { Store } from "../store/index.ts";
import { type LookupTable, lookupKey, lookupKeysNeeded } from "./convert.ts";
import { hasMatchFields, type MatchCondition, matchCriteria } from "./matching.ts";
import {
  type LookupRef,
  matchValueCouplingId,
  matchValueOf,
  optionCouplingId,
  optionValueOf,
  type PassDirection,
  type TableMapping,
} from "./model.ts";
import { inParallel } from "./pipeline/write.ts";
import type { EntityPort, PortError, PortFactory, PortResult } from "./ports.ts";
import type { SideRecord } from "./records.ts";
import { ISO_DATE, isBlank } from "./values.ts";

const CHUNK = 100;

/** The Dataverse table of the currency mapping: the only one whose lookups resolve a blank BC code (the LCY). */
const CURRENCY_TABLE = "transactioncurrency";

/**
 * Reads started at once on one side: its request budget (summed over principals), at most 8 so a page's reads
 * leave room for the writes of the pages in flight.
 */
function readConcurrency(port: EntityPort): number {
  return Math.min(8, port.writeBudget?.().concurrency ?? 1);
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Records by id in chunks; a failed chunk fails the whole read (the records are retried next run). */
export async function getAllByIds(
  port: EntityPort,
  ids: readonly string[],
  select: readonly string[],
): Promise<PortResult<Map<string, SideRecord>>> {
  const found = new Map<string, SideRecord>();
  let failed: PortResult<never> | undefined;
  // In parallel within the side's budget (Business Central: 5 requests at once per principal).
  await inParallel(chunks(ids, CHUNK), readConcurrency(port), async (chunk) => {
    if (failed) return;
    const res = await port.getByIds(chunk, select);
    if (!res.ok) failed = res;
    else for (const r of res.value) found.set(r.id.toLowerCase(), r);
  });
  return failed ?? { ok: true, value: found };
}

/**
 * Records by id, where a row the side answers malformed (BCSYNC_E_CONNECTOR_RECORD_MALFORMED) fails only its own
 * id: a chunk refused for one is halved until the request for that id alone is refused (the row's own id may be
 * the malformed part, so only the id asked for names it). Any other failure fails the whole read. A refused id is
 * neither found nor absent: callers must not take it as deleted.
 */
export async function getAllByIdsIsolating(
  port: EntityPort,
  ids: readonly string[],
  select: readonly string[],
): Promise<PortResult<{ found: Map<string, SideRecord>; refused: Map<string, PortError> }>> {
  const found = new Map<string, SideRecord>();
  const refused = new Map<string, PortError>();
  const read = async (part: readonly string[]): Promise<PortError | undefined> => {
    const res = await getAllByIds(port, part, select);
    if (res.ok) {
      for (const [id, record] of res.value) found.set(id, record);
      return undefined;
    }
    if (res.error.code !== CONNECTOR_RECORD_MALFORMED.code) return res.error;
    if (part.length === 1) {
      refused.set(part[0].toLowerCase(), res.error);
      return undefined;
    }
    const half = Math.ceil(part.length / 2);
    return (await read(part.slice(0, half))) ?? (await read(part.slice(half)));
  };
  const error = await read(ids);
  return error ? { ok: false, error } : { ok: true, value: { found, refused } };
}

/**
 * Resolves lookups through the couplings of the referenced mappings. A cache lives for one pass, so a
 * salesperson code is looked up once per run, not once per page.
 */
export class LookupLoader {
  private readonly table: LookupTable = {};
  private readonly tried = new Map<string, Set<string>>();
  /** Lookup tables whose local currency was looked for (found or not): once per pass. */
  private readonly localCurrencyTried = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly ports: PortFactory,
    private readonly mappings: (name: string) => TableMapping | undefined,
  ) {}

  async load(mapping: TableMapping, pass: PassDirection, records: readonly SideRecord[]): Promise<LookupTable> {
    for (const [tableKey, need] of lookupKeysNeeded(mapping, pass, [...records])) {
      const ref = this.mappings(need.ref.mapping);
      if (!ref) continue; // unresolvable: the planner fails the records naming the mapping
      this.table[tableKey] ??= {
        dataverseEntitySet: ref.dataverse.entitySet,
        toDataverse: new Map(),
        fromDataverse: new Map(),
      };
      const entry = this.table[tableKey];
      const tried = this.tried.get(`${tableKey}:${pass}`) ?? new Set<string>();
      this.tried.set(`${tableKey}:${pass}`, tried);
      const bcMatchField = need.ref.bcMatchField;
      if (
        need.localCurrency &&
        bcMatchField &&
        ref.dataverse.table === CURRENCY_TABLE &&
        !this.localCurrencyTried.has(tableKey)
      ) {
        this.localCurrencyTried.add(tableKey);
        const local = await this.localCurrencyOf(ref, bcMatchField);
        if (local !== undefined) entry.localCurrency = local;
      }
      const fresh = [...need.values].filter((v) => !tried.has(v));
      for (const v of fresh) tried.add(v);
      if (fresh.length === 0) continue;
      if (pass === "toDataverse") await this.loadToDataverse(ref, bcMatchField, fresh, entry.toDataverse);
      else if (!need.ref.bcRelated) {
        entry.byValueOnly ??= new Set();
        await this.loadFromDataverse(ref, bcMatchField, fresh, entry.fromDataverse, entry.byValueOnly);
      } else {
        const matched = new Map<string, string>();
        await this.loadFromDataverse(ref, bcMatchField, fresh, matched);
        await this.loadRelated(ref, need.ref.bcRelated, matched, entry.fromDataverse);
      }
    }
    return this.table;
  }

  /**
   * The Dataverse id of the local currency: the only coupling of the currency mapping that stands for a match value
   * (`code=<LCY>`, made by coupleLocalCurrency), since the LCY has no Currencies row. The currency mapping holds a
   * coupling per currency, so reading them all is a few rows, once per pass. None or several: undefined, and a
   * blank code stays null as before rather than naming a guessed currency.
   */
  private async localCurrencyOf(ref: TableMapping, bcMatchField: string): Promise<string | undefined> {
    const byValue: string[] = [];
    for await (const c of this.store.couplings.iteratePairs(ref.name)) {
      if (matchValueOf(bcMatchField, c.bcId) !== undefined) byValue.push(c.dataverseId.toLowerCase());
    }
    return byValue.length === 1 ? byValue[0] : undefined;
  }

  /** Second hop of a `bcRelated` lookup: the referenced record's value → the related BC record's field. */
  private async loadRelated(
    ref: TableMapping,
    related: NonNullable<LookupRef["bcRelated"]>,
    matched: Map<string, string>,
    into: Map<string, string>,
  ): Promise<void> {
    const port = this.ports.forMapping(this.relatedSide(ref, related), "bc");
    const values = [...new Set([...matched.values()].filter((v) => v !== ""))];
    const byMatch = new Map<string, string>();
    for (const chunk of chunks(values, 50)) {
      const inFilter = port.inFilter(related.matchField, chunk);
      const filter = related.filter ? `(${related.filter}) and (${inFilter})` : inFilter;
      const res = await port.query(filter, ["id", related.matchField, related.valueField], 1000);
      if (!res.ok) return; // left unresolved: the records fail and are retried
      for (const r of res.value)
        byMatch.set(String(r.values[related.matchField]).toUpperCase(), String(r.values[related.valueField] ?? ""));
    }
    for (const [dvId, value] of matched) {
      const hit = byMatch.get(value.toUpperCase());
      if (hit) into.set(dvId, hit);
    }
  }

  private readonly relatedSides = new Map<string, TableMapping>();

  /** A read-only view of the related BC records, shaped as a mapping so the usual port reads them. */
  private relatedSide(ref: TableMapping, related: NonNullable<LookupRef["bcRelated"]>): TableMapping {
    const key = `${related.api}:${related.entitySet}`;
    let side = this.relatedSides.get(key);
    if (!side) {
      side = {
        ...ref,
        name: `${ref.name}>${related.entitySet}`,
        bc: { ...ref.bc, api: related.api, entitySet: related.entitySet, filter: undefined, secondary: undefined },
      };
      this.relatedSides.set(key, side);
    }
    return side;
  }

  private async loadToDataverse(
    ref: TableMapping,
    bcMatchField: string | undefined,
    values: string[],
    into: Map<string, string>,
  ): Promise<void> {
    let bcIdByValue = new Map<string, string>();
    if (bcMatchField) {
      const port = this.ports.forMapping(ref, "bc");
      for (const chunk of chunks(values, 50)) {
        const res = await port.query(port.inFilter(bcMatchField, chunk), [ref.bc.keyField, bcMatchField], 1000);
        if (!res.ok) continue; // left unresolved: the records fail and are retried
        for (const r of res.value) bcIdByValue.set(lookupKey(bcMatchField, String(r.values[bcMatchField])), r.id);
      }
      // A value with no BC record may still be coupled by value (matchValueCouplingId: the local currency).
      for (const v of values) {
        const key = lookupKey(bcMatchField, v);
        if (!bcIdByValue.has(key)) bcIdByValue.set(key, matchValueCouplingId(bcMatchField, v));
      }
    } else {
      bcIdByValue = new Map(values.map((v) => [lookupKey(undefined, v), v.toLowerCase()]));
    }
    const couplings = await this.store.couplings.findMany(ref.name, "bc", [...new Set(bcIdByValue.values())]);
    for (const [value, bcId] of bcIdByValue) {
      const c = couplings.get(bcId);
      // Option couplings hold `<table>.<attribute>=<value>`: the field takes the option's integer.
      const dv = c && ref.kind === "optionSet" ? optionValueOf(c.dataverseId)?.toString() : c?.dataverseId;
      if (dv !== undefined) into.set(value, dv);
    }
  }

  private async loadFromDataverse(
    ref: TableMapping,
    bcMatchField: string | undefined,
    values: string[],
    into: Map<string, string>,
    byValueOnly?: Set<string>,
  ): Promise<void> {
    // An option value v of an option-set mapping is coupled as `<table>.<attribute>=v`.
    const option = ref.kind === "optionSet";
    const keyOf = (dvId: string) => (option ? String(optionValueOf(dvId) ?? dvId) : dvId.toLowerCase());
    const couplings = await this.store.couplings.findMany(
      ref.name,
      "dataverse",
      values.map((v) => (option ? optionCouplingId(ref, v) : v.toLowerCase())),
    );
    if (!bcMatchField) {
      for (const [dvId, c] of couplings) into.set(keyOf(dvId), c.bcId);
      return;
    }
    const port = this.ports.forMapping(ref, "bc");
    const byBcId = new Map<string, string>();
    for (const c of couplings.values()) {
      const byValue = matchValueOf(bcMatchField, c.bcId);
      if (byValue !== undefined) {
        into.set(keyOf(c.dataverseId), byValue);
        byValueOnly?.add(keyOf(c.dataverseId));
      } else byBcId.set(c.bcId.toLowerCase(), keyOf(c.dataverseId));
    }
    const res = await getAllByIds(port, [...byBcId.keys()], [ref.bc.keyField, bcMatchField]);
    if (!res.ok) return;
    for (const [bcId, rec] of res.value) {
      const dvId = byBcId.get(bcId);
      if (dvId) into.set(dvId, String(rec.values[bcMatchField] ?? ""));
    }
  }
}

/** The target's refusal of one record's match query, and the match fields that query compared. */
export interface MatchRefusal {
  error: PortError;
  fields: string[];
}

/** Match candidates of a page, and the records whose own match query the target refused. */
export interface MatchPool {
  candidates: SideRecord[];
  /** By source record id (lower case). */
  refused: Map<string, MatchRefusal>;
}

/**
 * Candidates for match-based coupling of a page's uncoupled records: one query per chunk of OR-ed condition
 * groups, so a full sync of N records costs about N/20 candidate reads, not N. Only groups on the same fields are
 * OR-ed together, and a group on several fields goes alone where the side refuses an `or` across fields (Business
 * Central: a second match priority, or two match fields, failed every record of the page). A chunk the side refuses
 * for good (not throttling or an outage) is asked again group by group, so a value it cannot be queried with fails
 * its own record only, naming the match fields, and the rest of the page is matched (bad-input property test).
 */
export async function matchCandidates(
  mapping: TableMapping,
  pass: PassDirection,
  target: EntityPort,
  records: readonly SideRecord[],
  lookups: LookupTable,
  select: readonly string[],
): Promise<PortResult<MatchPool>> {
  const refused: MatchPool["refused"] = new Map();
  if (records.length === 0 || !hasMatchFields(mapping, pass)) return { ok: true, value: { candidates: [], refused } };
  const groupsOf = new Map<SideRecord, string[]>();
  const fieldsOf = new Map<string, string[]>();
  for (const r of records) {
    const filters: string[] = [];
    for (const group of matchCriteria(mapping, pass, r, lookups)) {
      const filter = `(${target.matchFilter(group)})`;
      filters.push(filter);
      fieldsOf.set(
        filter,
        group.map((c) => c.field),
      );
    }
    groupsOf.set(r, filters);
  }
  const targetFilter = pass === "toDataverse" ? mapping.dataverse.filter : mapping.bc.filter;
  const query = (chunk: readonly string[]) => {
    const ors = chunk.join(" or ");
    return target.query(targetFilter ? `(${targetFilter}) and (${ors})` : ors, select, 5000);
  };
  let failed: PortResult<never> | undefined;
  const answers: SideRecord[][] = [];
  const refusedFilters = new Map<string, PortError>();
  await inParallel(combinableChunks(target, fieldsOf), readConcurrency(target), async (chunk, i) => {
    if (failed) return;
    const res = await query(chunk);
    if (res.ok) {
      answers[i] = res.value;
      return;
    }
    if (res.error.transient || chunk.length === 1) {
      if (res.error.transient) failed = res;
      else refusedFilters.set(chunk[0], res.error);
      return;
    }
    const alone = await Promise.all(chunk.map((filter) => query([filter])));
    answers[i] = [];
    for (const [j, one] of alone.entries()) {
      if (one.ok) answers[i].push(...one.value);
      else if (one.error.transient) failed = one;
      else refusedFilters.set(chunk[j], one.error);
    }
  });
  if (failed) return failed;
  for (const [record, filters] of groupsOf) {
    const bad = filters.find((f) => refusedFilters.has(f));
    if (bad) refused.set(record.id.toLowerCase(), { error: refusedFilters.get(bad)!, fields: fieldsOf.get(bad)! });
  }
  // In query order, whatever order the answers came in: the planner's choice among candidates stays the same.
  const pool = new Map<string, SideRecord>();
  for (const answer of answers) for (const r of answer ?? []) pool.set(r.id.toLowerCase(), r);
  return { ok: true, value: { candidates: [...pool.values()], refused } };
}

/** Chunks of at most 20 filters that one query may OR together on this side. */
function combinableChunks(target: EntityPort, fieldsOf: ReadonlyMap<string, string[]>): string[][] {
  const bySignature = new Map<string, string[]>();
  for (const [filter, fields] of fieldsOf) {
    const signature = target.orAcrossFields === false ? [...fields].sort().join("\u0000") : "";
    bySignature.set(signature, [...(bySignature.get(signature) ?? []), filter]);
  }
  return [...bySignature.entries()].flatMap(([signature, filters]) =>
    chunks(filters, target.orAcrossFields === false && signature.includes("\u0000") ? 1 : 20),
  );
}

/** Rows a target may have (within the mapping's filter) for a pass to read it whole instead of querying per page. */
export const MATCH_PRELOAD_LIMIT = 5000;
/** Records a page must have to match before a whole-target read is tried (a few new records query for themselves). */
const MATCH_PRELOAD_MIN = 50;

/**
 * Match candidates for a pass. A full sync into a target that holds at most `MATCH_PRELOAD_LIMIT` rows within the
 * mapping's filter (the first sync into a new Sales table: 20,000 items used to cost 1,000 candidate queries, each
 * a case-insensitive scan) reads the target once and matches every page against that read; a larger target, or a
 * failed read, is queried page by page (`matchCandidates`). Rows created after the read by others are not seen,
 * as rows created between a page's query and its writes are not; rows this pass creates are coupled, never matched.
 */
export class MatchSource {
  private preloaded: Promise<PreloadedTargets | undefined> | undefined;

  constructor(
    private readonly mapping: TableMapping,
    private readonly pass: PassDirection,
    private readonly target: EntityPort,
    private readonly select: readonly string[],
    private readonly preload: boolean,
  ) {}

  /** Starts the whole-target read now (a full sync that will match every record), whatever the pages' sizes. */
  start(): void {
    if (this.preload) this.preloaded ??= this.readWhole();
  }

  async candidates(records: readonly SideRecord[], lookups: LookupTable): Promise<PortResult<MatchPool>> {
    if (this.preload && records.length >= MATCH_PRELOAD_MIN) this.preloaded ??= this.readWhole();
    const whole = this.preloaded ? await this.preloaded : undefined;
    if (!whole) return matchCandidates(this.mapping, this.pass, this.target, records, lookups, this.select);
    const criteria = records.map((r) => matchCriteria(this.mapping, this.pass, r, lookups));
    return { ok: true, value: { candidates: whole.candidatesFor(criteria), refused: new Map() } };
  }

  private async readWhole(): Promise<PreloadedTargets | undefined> {
    if (!hasMatchFields(this.mapping, this.pass)) return undefined;
    const filter = (this.pass === "toDataverse" ? this.mapping.dataverse.filter : this.mapping.bc.filter) ?? "";
    const res = await this.target.query(filter, this.select, MATCH_PRELOAD_LIMIT + 1);
    if (!res.ok || res.value.length > MATCH_PRELOAD_LIMIT) return undefined;
    return new PreloadedTargets(res.value);
  }
}

/**
 * A whole target, indexed by the loose form of each match property's text (trimmed, lower case): a superset of
 * what `conditionHolds` accepts, so the planner, which checks every candidate again, sees every true match. A
 * condition value that is not plain text (a number, a date, a numeric or date-like string, which compare by value)
 * gets every row.
 */
export class PreloadedTargets {
  private readonly byProperty = new Map<string, { byText: Map<string, SideRecord[]>; other: SideRecord[] }>();

  constructor(private readonly rows: readonly SideRecord[]) {}

  candidatesFor(criteria: readonly MatchCondition[][][]): SideRecord[] {
    const out = new Set<SideRecord>();
    for (const groups of criteria) {
      for (const group of groups) {
        const keyed = group.find((c) => looseText(c.value) !== undefined);
        if (!keyed) return [...this.rows];
        const index = this.indexOf(keyed.targetProperty);
        for (const r of index.byText.get(looseText(keyed.value)!) ?? []) out.add(r);
        for (const r of index.other) out.add(r);
      }
    }
    return [...out];
  }

  private indexOf(property: string) {
    let index = this.byProperty.get(property);
    if (index) return index;
    index = { byText: new Map(), other: [] };
    for (const row of this.rows) {
      const value = row.values[property];
      if (isBlank(value)) continue; // a blank value never matches
      const key = typeof value === "string" ? value.trim().toLowerCase() : undefined;
      if (key === undefined) index.other.push(row);
      else index.byText.set(key, [...(index.byText.get(key) ?? []), row]);
    }
    this.byProperty.set(property, index);
    return index;
  }
}

/**
 * Text in its loose form; undefined for what compares by value: a non-string, or an ISO date or timestamp (equal
 * to the same instant written otherwise). Numeric text is text here: it equals a number, and rows holding
 * numbers are in every answer (`other`).
 */
function looseText(value: unknown): string | undefined {
  if (typeof value !== "string" || ISO_DATE.test(value.trim())) return undefined;
  const text = value.trim();
  return text === "" ? undefined : text.toLowerCase();
}
