// The Business Central side of a table mapping over the BC connector (API v2.0 or the companion API): reads by
// lastModifiedDateTime (oldest first), creates with client-chosen ids (BC accepts the SystemId on insert, so the
// id is the write intent), and writes through JSON $batch (100 operations a request) with If-Match.
// Field validation: BC's API pages validate every field they set and have no switch, so CreateItem/UpdateItem's
// `skipValidation` is accepted and not sent (see WriteValidation in ports.ts).
// A mapping may name a secondary page of the same record (BcSide.secondary): its fields are read by id after
// each page of the main page and merged in, and written to it after the main page's write (If-Match "*": the
// main write has just moved the row's ETag).

import { type BusinessCentralClient, COMPANION_API, type CompanyScope, type Row } from "../../connectors/index.ts";
import type { MatchCondition } from "../matching.ts";
import type { TableMapping } from "../model.ts";
import { readAhead } from "../pipeline/read.ts";
import { inParallel, type WriteBudget } from "../pipeline/write.ts";
import {
  type ChangePage,
  type ColumnRules,
  type CreateItem,
  type EntityPort,
  NO_COLUMN_RULES,
  type PortError,
  type PortResult,
  type ReadChangesOptions,
  type RefusedRow,
  type UpdateItem,
  type WriteOutcome,
} from "../ports.ts";
import { chunks } from "../prefetch.ts";
import { newRecordId } from "../record-id.ts";
import type { SideRecord } from "../records.ts";
import {
  andConditions,
  andFilters,
  isNotFound,
  orEquals,
  portError,
  settleRepeatedCreates,
  writeBudgetOf,
} from "./common.ts";
import { checkRow, type RowRules, rowError } from "./row-check.ts";

type BatchRequest = {
  method: "POST" | "PATCH" | "DELETE";
  url: string;
  record?: string;
  headers?: Record<string, string>;
  body?: unknown;
};

interface SecondaryPage {
  scope: CompanyScope;
  set: string;
  fields: ReadonlySet<string>;
}

/** Secondary-page reads of one page's records in flight at once (BC allows 5 concurrent requests a user). */
const SECONDARY_READS_AT_ONCE = 4;

const scopeOf = (client: BusinessCentralClient, companyId: string, api: "v2.0" | "companion"): CompanyScope =>
  client.company(companyId, api === "companion" ? COMPANION_API : "v2.0");

export class BusinessCentralPort implements EntityPort {
  readonly side = "bc" as const;
  readonly supportsDelta = false;
  /** "The 'OR' operator is not supported on distinct fields on an OData filter." */
  readonly orAcrossFields = false;

  async changeTracking(): Promise<boolean> {
    return false;
  }
  private readonly scope: CompanyScope;
  private readonly set: string;
  private readonly key: string;
  private readonly modified: string;
  private readonly second: SecondaryPage | undefined;

  constructor(
    private readonly client: BusinessCentralClient,
    companyId: string,
    private readonly mapping: TableMapping,
  ) {
    this.scope = scopeOf(client, companyId, mapping.bc.api);
    this.set = mapping.bc.entitySet;
    this.key = mapping.bc.keyField;
    this.modified = mapping.bc.modifiedField;
    const sec = mapping.bc.secondary;
    this.second = sec
      ? { scope: scopeOf(client, companyId, sec.api), set: sec.entitySet, fields: new Set(sec.fields) }
      : undefined;
  }

  /** Text lengths from the API's $metadata: the main page's fields, and the secondary page's for its own fields. */
  async columnLimits(): Promise<Map<string, number>> {
    const routeOf = (api: "v2.0" | "companion") => (api === "companion" ? COMPANION_API : "v2.0");
    const limits = await this.client.textColumnLimits(this.set, routeOf(this.mapping.bc.api));
    const sec = this.mapping.bc.secondary;
    if (sec && this.second) {
      const other = await this.client.textColumnLimits(sec.entitySet, routeOf(sec.api));
      for (const field of this.second.fields) {
        const max = other.get(field);
        if (max !== undefined) limits.set(field, max);
      }
    }
    return limits;
  }

  /**
   * Business Central validates its e-mail fields (MailManagement: "The email address … is not valid") and its API
   * metadata does not mark them: the text properties named e-mail of the pages this mapping writes. It enforces no
   * required text (a blank is a value) and takes enums as names, so those rules stay empty.
   */
  async columnRules(): Promise<ColumnRules> {
    const limits = await this.columnLimits();
    const email = new Set([...limits.keys()].filter((p) => /^(e-?mail|.*E-?mail)$/i.test(p)));
    return { ...NO_COLUMN_RULES, email };
  }

  /** The main page's share of a `$select` (with key and stamp) and the secondary page's. */
  private split(select: readonly string[]): { main: string[]; other: string[] } {
    const other = this.second ? select.filter((p) => this.second!.fields.has(p)) : [];
    const main = select.filter((p) => !other.includes(p));
    return { main: [...new Set([...main, this.key, this.modified])], other };
  }

  private splitValues(values: Record<string, unknown>): { main: Row; other: Row } {
    const main: Row = {};
    const other: Row = {};
    for (const [k, v] of Object.entries(values)) {
      if (this.second?.fields.has(k)) other[k] = v;
      else main[k] = v;
    }
    return { main, other };
  }

  /**
   * Merges the secondary page's fields into main-page rows (read by id, 100 a request). A secondary row answered
   * malformed is refused with its record: the record's main row is left out of `rows` (half a record would write
   * its companion fields as blanks) and the others go on.
   */
  private async merge(
    rows: Row[],
    other: readonly string[],
  ): Promise<PortResult<{ rows: Row[]; refused: RefusedRow[] }>> {
    if (!this.second || other.length === 0 || rows.length === 0) return { ok: true, value: { rows, refused: [] } };
    const extra = new Map<string, Row>();
    const refused: RefusedRow[] = [];
    const second = this.second;
    let failure: PortError | undefined;
    // Several chunks at once (within BC's 5 concurrent requests, the client's throttle keeps to them): one after the
    // other they were the longest part of reading a page (10 requests of 100 ids after each 1,000-row page).
    await inParallel(
      chunks(
        rows.map((r) => String(r[this.key])),
        100,
      ),
      SECONDARY_READS_AT_ONCE,
      async (chunk) => {
        for await (const page of second.scope.pages(second.set, {
          select: [this.key, ...other],
          filter: orEquals(this.key, chunk),
          pageSize: chunk.length,
        })) {
          if (failure) return;
          if (!page.ok) {
            failure = portError(page.error);
            return;
          }
          const checked = this.checked(page.value.rows, [this.key, ...other], false, second);
          refused.push(...checked.refused);
          for (const row of checked.rows) extra.set(String(row[this.key]).toLowerCase(), row);
        }
      },
    );
    if (failure) return { ok: false, error: failure };
    // A row whose id is not usable cannot be told apart from the others: no row of the answer can be trusted.
    const unnamed = refused.find((r) => r.id === undefined);
    if (unnamed) return { ok: false, error: unnamed.error };
    const refusedIds = new Set(refused.map((r) => r.id));
    return {
      ok: true,
      value: {
        rows: rows.flatMap((row) => {
          const id = String(row[this.key]).toLowerCase();
          if (refusedIds.has(id)) return [];
          const found = extra.get(id);
          if (!found) return [row];
          const merged: Row = { ...row };
          for (const p of other) if (p in found) merged[p] = found[p];
          return [merged];
        }),
        refused,
      },
    };
  }

  /** `merge` for answers that decide what exists (by id, by filter, a scan): one refused row fails the answer. */
  private async mergeAll(rows: Row[], other: readonly string[]): Promise<PortResult<Row[]>> {
    const merged = await this.merge(rows, other);
    if (!merged.ok) return merged;
    if (merged.value.refused.length > 0) return { ok: false, error: merged.value.refused[0].error };
    return { ok: true, value: merged.value.rows };
  }

  /**
   * The rows the engine can use, and the others refused with what was wrong (row-check.ts). `secondary`: rows of
   * the secondary page (read by id, without the change stamp).
   */
  private checked(
    rows: readonly Row[],
    select: readonly string[],
    requireVersion: boolean,
    secondary?: SecondaryPage,
  ): { rows: Row[]; refused: RefusedRow[] } {
    const rules: RowRules = {
      key: this.key,
      ...(secondary ? {} : { modified: this.modified }),
      values: select,
      requireVersion,
    };
    const out: Row[] = [];
    const refused: RefusedRow[] = [];
    const page = secondary ?? { scope: this.scope, set: this.set };
    const path = this.client.pathOf(new URL(page.set, page.scope.root).href);
    for (const [i, row] of rows.entries()) {
      const fault = checkRow(row, rules, i);
      if (!fault) out.push(row);
      else refused.push({ ...(fault.id ? { id: fault.id } : {}), error: rowError("Business Central", path, fault) });
    }
    return { rows: out, refused };
  }

  /** A write's answer as a record, when it is a usable one (no ETag is allowed: the next update reads first). */
  private answered(body: unknown): SideRecord | undefined {
    if (!body || typeof body !== "object") return undefined;
    const usable = this.checked([body as Row], [], false);
    return usable.rows.length === 1 ? this.toRecord(usable.rows[0]) : undefined;
  }

  toRecord(row: Row): SideRecord {
    return {
      id: String(row[this.key]).toLowerCase(),
      modifiedAt: String(row[this.modified] ?? ""),
      ...(row["@odata.etag"] !== undefined ? { version: String(row["@odata.etag"]) } : {}),
      values: row,
    };
  }

  async *readChanges(options: ReadChangesOptions): AsyncIterable<PortResult<ChangePage>> {
    const since = options.modifiedSince ? `${this.modified} ge ${options.modifiedSince}` : undefined;
    const { main, other } = this.split(options.select);
    const pages = this.scope.pages(this.set, {
      select: main,
      filter: andFilters(options.filter, since),
      orderby: `${this.modified} asc`,
      pageSize: options.pageSize,
      ...(options.firstPageSize ? { firstPageSize: options.firstPageSize } : {}),
    });
    // With a secondary page, the next page is read while this one's secondary rows are: one after the other, each
    // 1,000 items waited 0.14 s for their page, then 0.27 s for the secondary reads, with BC's other slots idle.
    for await (const page of other.length > 0 && this.second ? readAhead(pages, 1) : pages) {
      if (!page.ok) {
        yield { ok: false, error: portError(page.error) };
        return;
      }
      // A malformed row is refused alone; the rest of the page goes on (issue 14).
      const checked = this.checked(page.value.rows, main, true);
      // So is a record whose secondary-page row is malformed (its main row is left out with it).
      const merged = await this.merge(checked.rows, other);
      if (!merged.ok) {
        yield merged;
        return;
      }
      const refused = [...checked.refused, ...merged.value.refused];
      yield {
        ok: true,
        value: {
          changes: merged.value.rows.map((row) => ({ kind: "upsert", record: this.toRecord(row) })),
          ...(refused.length > 0 ? { refused } : {}),
        },
      };
    }
  }

  async countRecords(filter?: string): Promise<number | undefined> {
    const counted = await this.scope.count(this.set, filter);
    return counted.ok ? counted.value : undefined;
  }

  async getByIds(ids: readonly string[], select: readonly string[]): Promise<PortResult<SideRecord[]>> {
    if (ids.length === 0) return { ok: true, value: [] };
    return this.query(orEquals(this.key, ids), select, ids.length);
  }

  async query(filter: string, select: readonly string[], top: number): Promise<PortResult<SideRecord[]>> {
    const { main, other } = this.split(select);
    const rows: Row[] = [];
    for await (const page of this.scope.pages(this.set, {
      select: main,
      filter,
      pageSize: Math.min(Math.max(top, 1), 20_000),
    })) {
      if (!page.ok) return { ok: false, error: portError(page.error) };
      // An answer by id or by filter decides what exists: a row left out would look absent (deleted, or free to
      // create again), so one malformed row fails the whole answer.
      const checked = this.checked(page.value.rows, main, true);
      if (checked.refused.length > 0) return { ok: false, error: checked.refused[0].error };
      rows.push(...checked.rows);
      if (rows.length >= top) break;
    }
    const merged = await this.mergeAll(rows, other);
    if (!merged.ok) return merged;
    return { ok: true, value: merged.value.map((row) => this.toRecord(row)) };
  }

  newKey(): string {
    return newRecordId();
  }

  /** A Business Central $batch carries at most 100 operations. */
  writeBudget(): WriteBudget {
    return writeBudgetOf(this.client.throttleStates(), 100);
  }

  async create(items: readonly CreateItem[]): Promise<PortResult<WriteOutcome[]>> {
    const parts = items.map((item) => this.splitValues(item.values));
    const created = await this.writeBatch(
      items.map((item, i) => ({
        method: "POST" as const,
        url: this.set,
        body: { ...parts[i].main, ...(item.key ? { [this.key]: item.key } : {}) },
        ...(item.key ? { record: `${this.set}(${item.key})` } : {}),
      })),
      items.map((item) => item.key ?? ""),
      // Creates that carry their SystemId are safe to repeat after a 5xx or a lost answer (issue 14.3): a repeat
      // of one that applied is refused as a duplicate of that id, and settled below.
      items.every((item) => item.key !== undefined),
    );
    if (!created.ok) return created;
    const settled = await settleRepeatedCreates((ids) => this.getByIds(ids, []), items, created.value);
    // The secondary page cannot insert: its fields are written to the record just created.
    return this.writeSecondary(
      settled,
      parts.map((p) => p.other),
      () => "*",
    );
  }

  async update(items: readonly UpdateItem[]): Promise<PortResult<WriteOutcome[]>> {
    const parts = items.map((item) => this.splitValues(item.values));
    // Items with only secondary fields skip the main page; their If-Match goes to the secondary write.
    const mainIdx = items.flatMap((_, i) => (Object.keys(parts[i].main).length > 0 || !this.second ? [i] : []));
    const mainRes = await this.writeBatch(
      mainIdx.map((i) => ({
        method: "PATCH" as const,
        url: `${this.set}(${items[i].id})`,
        headers: { "If-Match": items[i].ifMatch ?? "*" },
        body: parts[i].main,
      })),
      mainIdx.map((i) => items[i].id),
    );
    if (!mainRes.ok) return mainRes;
    const outcomes: WriteOutcome[] = items.map((item) => ({ ok: true, id: item.id.toLowerCase() }));
    for (const [n, i] of mainIdx.entries()) outcomes[i] = mainRes.value[n];
    const mainSent = new Set(mainIdx);
    return this.writeSecondary(
      outcomes,
      parts.map((p) => p.other),
      (i) => (mainSent.has(i) ? "*" : (items[i].ifMatch ?? "*")),
      mainSent,
    );
  }

  /**
   * Writes secondary-page fields for the records whose main write succeeded. A refused secondary write after a
   * main write leaves the record written in part (`partial`); with no main write it is the record's failure.
   */
  private async writeSecondary(
    outcomes: WriteOutcome[],
    values: Row[],
    ifMatch: (i: number) => string,
    mainSent?: ReadonlySet<number>,
  ): Promise<PortResult<WriteOutcome[]>> {
    const second = this.second;
    if (!second) return { ok: true, value: outcomes };
    const idx = outcomes.flatMap((o, i) => (o.ok && Object.keys(values[i]).length > 0 ? [i] : []));
    if (idx.length === 0) return { ok: true, value: outcomes };
    const res = await second.scope.batch(
      idx.map((i) => ({
        method: "PATCH" as const,
        url: `${second.set}(${(outcomes[i] as { id: string }).id})`,
        headers: { "If-Match": ifMatch(i) },
        body: values[i],
      })),
      { continueOnError: true },
    );
    const out = [...outcomes];
    for (const [n, i] of idx.entries()) {
      const prior = outcomes[i] as Extract<WriteOutcome, { ok: true }>;
      const r = res.ok ? res.value[n] : undefined;
      const error = res.ok ? r?.error : res.error;
      const wroteMain = mainSent === undefined || mainSent.has(i);
      if (error) {
        const e = portError(error);
        out[i] = wroteMain
          ? { ...prior, partial: { properties: Object.keys(values[i]), error: e } }
          : { ok: false, error: e, notFound: isNotFound(error) };
        continue;
      }
      const after = this.answered(r?.body);
      if (!after) continue;
      // The last write holds the row's newest ETag; values and stamp merge over what the main write returned.
      const before = prior.record;
      out[i] = {
        ...prior,
        record: {
          ...(before ?? after),
          ...(after.version ? { version: after.version } : {}),
          modifiedAt: after.modifiedAt || before?.modifiedAt || "",
          // Object.assign: a literal of two record-sized spreads takes V8's slow path (~50 µs a record).
          values: Object.assign({}, before?.values, after.values),
        },
      };
    }
    return { ok: true, value: out };
  }

  async delete(ids: readonly string[]): Promise<PortResult<WriteOutcome[]>> {
    return this.writeBatch(
      ids.map((id) => ({ method: "DELETE" as const, url: `${this.set}(${id})`, headers: { "If-Match": "*" } })),
      [...ids],
    );
  }

  private async writeBatch(
    requests: BatchRequest[],
    ids: string[],
    idempotent?: boolean,
  ): Promise<PortResult<WriteOutcome[]>> {
    if (requests.length === 0) return { ok: true, value: [] };
    const res = await this.scope.batch(requests, { continueOnError: true, ...(idempotent ? { idempotent } : {}) });
    if (!res.ok) return { ok: false, error: portError(res.error) };
    return {
      ok: true,
      value: res.value.map((r, i) => {
        if (r.error) return { ok: false as const, error: portError(r.error), notFound: isNotFound(r.error) };
        // A malformed answer is not taken as the record: the id is the one sent, the version unknown.
        const record = this.answered(r.body);
        return { ok: true as const, id: record?.id ?? ids[i].toLowerCase(), ...(record ? { record } : {}) };
      }),
    };
  }

  async *scan(select: readonly string[], filter?: string, pageSize = 5000): AsyncIterable<PortResult<SideRecord[]>> {
    const { main, other } = this.split(select);
    for await (const page of this.scope.pages(this.set, { select: main, filter, pageSize })) {
      if (!page.ok) {
        yield { ok: false, error: portError(page.error) };
        return;
      }
      // A scan finds deletions by absence: a row left out would look deleted, so a malformed one fails the scan.
      const checked = this.checked(page.value.rows, main, true);
      if (checked.refused.length > 0) {
        yield { ok: false, error: checked.refused[0].error };
        return;
      }
      const rows = await this.mergeAll(checked.rows, other);
      if (!rows.ok) {
        yield rows;
        return;
      }
      yield { ok: true, value: rows.value.map((row) => this.toRecord(row)) };
    }
  }

  matchFilter(conditions: readonly MatchCondition[]): string {
    return andConditions(conditions);
  }

  inFilter(property: string, values: readonly string[]): string {
    return orEquals(property, values);
  }
}
