// The emulator's data on the shared runtime storage (emulators/runtime/storage.ts): environments → companies →
// tables of rows keyed by SystemId. Rows are stored in their page shape (API field names; columns starting with
// `$` are internal and never serialized). Every write goes through `CompanyStore` so row versions,
// SystemModifiedAt and change events stay consistent; events of a transaction are published only on commit.

import { randomUUID } from "node:crypto";
import { rowsWhere } from "../../runtime/equality.ts";
import type { IndexSpec, OrderedIndex, Store, StoreTable } from "../../runtime/storage.ts";
import type { Row } from "../entities/types.ts";

export type ChangeType = "created" | "updated" | "deleted";

export interface ChangeEvent {
  environment: string;
  companyId: string;
  table: string;
  id: string;
  changeType: ChangeType;
  at: string;
  /** The row after the change (before it, for deletes): lets listeners find a line's document. */
  row: Row;
}

export type ChangeListener = (event: ChangeEvent) => void;

export interface CompanyInfo {
  id: string;
  name: string;
  displayName: string;
  createdAt: string;
  [key: string]: unknown;
}

/**
 * Monotonic ISO timestamps: two writes in the same millisecond still get distinct, ordered times. A bulk insert
 * (`scale:N` seeds) allows equal times instead: at a millisecond a write, 100,000 seeded customers would stamp
 * later writes 15 minutes ahead of the real clock (a service's clock skew no client should have to absorb).
 */
export class Clock {
  private last = 0;
  /** Writes may share the last time (bulk inserts). */
  allowTies = false;
  now(): string {
    let t = Date.now();
    if (t < this.last || (t === this.last && !this.allowTies)) t = this.allowTies ? this.last : this.last + 1;
    this.last = t;
    return new Date(t).toISOString();
  }
}

const ENVIRONMENTS = "bc:environments";

export class BcDatabase {
  readonly store: Store;
  readonly clock = new Clock();
  private readonly listeners: ChangeListener[] = [];
  private buffered: ChangeEvent[] | undefined;
  /** SystemIds for new rows; seeding swaps in a seeded generator so demo ids are stable. */
  newId: () => string = randomUUID;
  /** Show blank currency codes as blank instead of the LCY code (the pre-fidelity behaviour, opt-in). */
  localCurrencyAsBlank = false;
  /**
   * Per table: its rows as an array kept up to date on every write, so lookups never re-sort the storage's
   * keys (bulk inserts stay linear), plus aggregates (inventory per item, …) dropped on any write to the table.
   * A rolled-back transaction clears everything (the storage undid its writes; the caches cannot know which).
   */
  private readonly rowCache = new Map<string, { rows: Row[]; index: Map<string, number> }>();
  private readonly memos = new Map<string, Map<string, unknown>>();

  constructor(store: Store) {
    this.store = store;
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  offChange(listener: ChangeListener): void {
    const index = this.listeners.indexOf(listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  /** Runs `work` atomically; change events are published after the commit, dropped on rollback. */
  transaction<T>(work: () => T): T {
    if (this.buffered) return work();
    this.buffered = [];
    let events: ChangeEvent[] = [];
    try {
      const result = this.store.transaction(work);
      events = this.buffered;
      return result;
    } catch (error) {
      this.rowCache.clear();
      this.memos.clear();
      throw error;
    } finally {
      this.buffered = undefined;
      for (const event of events) for (const listener of this.listeners) listener(event);
    }
  }

  cachedRows(table: string): Row[] {
    let entry = this.rowCache.get(table);
    if (!entry) {
      const rows = this.store.table<Row>(table).values();
      entry = { rows, index: new Map(rows.map((r, i) => [String(r.id), i])) };
      this.rowCache.set(table, entry);
    }
    return entry.rows;
  }

  /** Keeps the row cache in step with a write (`row` undefined = deleted) and drops the table's aggregates. */
  written(table: string, id: string, row: Row | undefined): void {
    this.memos.delete(table);
    const entry = this.rowCache.get(table);
    if (!entry) return;
    const at = entry.index.get(id);
    if (row && at !== undefined) entry.rows[at] = row;
    else if (row) {
      entry.index.set(id, entry.rows.length);
      entry.rows.push(row);
    } else if (at !== undefined) this.rowCache.delete(table); // deletes are rare: rebuild on next read
  }

  /** An aggregate over a table, computed once until the table changes. */
  memo<T>(table: string, name: string, compute: () => T): T {
    let byName = this.memos.get(table);
    if (!byName) {
      byName = new Map();
      this.memos.set(table, byName);
    }
    if (!byName.has(name)) byName.set(name, compute());
    return byName.get(name) as T;
  }

  /** Rows written so far (inserts, updates, deletes), committed or not: the cost model's "rows written". */
  writeCount = 0;

  emit(event: ChangeEvent): void {
    this.writeCount++;
    if (this.buffered) this.buffered.push(event);
    else for (const listener of this.listeners) listener(event);
  }

  environmentNames(): string[] {
    return this.store
      .table(ENVIRONMENTS)
      .values()
      .map((e) => String(e.name));
  }

  hasEnvironment(name: string): boolean {
    return this.store.table(ENVIRONMENTS).has(name.toLowerCase());
  }

  addEnvironment(name: string): void {
    const table = this.store.table(ENVIRONMENTS);
    if (!table.has(name.toLowerCase())) table.put(name.toLowerCase(), { name });
  }

  companies(environment: string): CompanyInfo[] {
    return this.store.table<CompanyInfo>(`bc:${environment.toLowerCase()}:companies`).values();
  }

  addCompany(environment: string, name: string, displayName = name, id: string = randomUUID()): CompanyStore {
    this.addEnvironment(environment);
    const now = this.clock.now();
    const info: CompanyInfo = { id: id.toLowerCase(), name, displayName, createdAt: now };
    this.store.table(`bc:${environment.toLowerCase()}:companies`).put(info.id, info);
    return this.company(environment, info.id) as CompanyStore;
  }

  company(environment: string, companyId: string): CompanyStore | undefined {
    const info = this.store
      .table<CompanyInfo>(`bc:${environment.toLowerCase()}:companies`)
      .get(companyId.toLowerCase());
    return info ? new CompanyStore(this, environment.toLowerCase(), info) : undefined;
  }

  subscriptions(environment: string): StoreTable {
    return this.store.table(`bc:${environment.toLowerCase()}:subscriptions`);
  }
}

export class CompanyStore {
  readonly db: BcDatabase;
  readonly environment: string;
  readonly info: CompanyInfo;

  constructor(db: BcDatabase, environment: string, info: CompanyInfo) {
    this.db = db;
    this.environment = environment;
    this.info = info;
  }

  get id(): string {
    return this.info.id;
  }

  /** General Ledger Setup "LCY Code": set on the company, else from the demo flavour (Canada: CAD, else USD). */
  get lcyCode(): string {
    return String(this.info.lcyCode ?? (/canada/i.test(this.info.name) ? "CAD" : "USD"));
  }

  private key(name: string): string {
    return `bc:${this.environment}:${this.id}:${name}`;
  }

  private tableOf(name: string): StoreTable<Row> {
    return this.db.store.table<Row>(this.key(name));
  }

  /** The table's rows (a shared array: do not mutate). */
  rows(name: string): Row[] {
    return this.db.cachedRows(this.key(name));
  }

  /**
   * A row whose columns hold exactly (`===`) the given values and that passes `also`, if any (which one when there
   * are several is unspecified): looked up in an index of those columns kept up to date by every write, so a
   * uniqueness check does not scan the table.
   */
  findEqual(name: string, values: Row, also: (row: Row) => boolean = () => true): Row | undefined {
    for (const [, row] of rowsWhere(this.tableOf(name), values)) if (also(row)) return row;
    return undefined;
  }

  /**
   * The rows whose columns hold exactly (`===`) the given values, in the order `filter` gives them: from the same
   * index as findEqual, so the lines of one document cost what they find, not a pass over every line.
   */
  whereEqual(name: string, values: Row): Row[] {
    return [...rowsWhere(this.tableOf(name), values)].map(([, row]) => row);
  }

  /** An ordered index of the table (emulators/runtime/storage.ts), kept up to date by every write. */
  index(name: string, indexName: string, spec: IndexSpec): OrderedIndex {
    return this.tableOf(name).index(indexName, spec);
  }

  /** An aggregate over `name`, recomputed only after the table changed. */
  memo<T>(name: string, aggregate: string, compute: () => T): T {
    return this.db.memo(this.key(name), aggregate, compute);
  }

  get(name: string, id: string): Row | undefined {
    return this.tableOf(name).get(id.toLowerCase());
  }

  find(name: string, predicate: (row: Row) => boolean): Row | undefined {
    return this.rows(name).find(predicate);
  }

  filter(name: string, predicate: (row: Row) => boolean): Row[] {
    return this.rows(name).filter(predicate);
  }

  count(name: string): number {
    return this.tableOf(name).size;
  }

  /** Inserts a row (an id is assigned when absent) and stamps version and SystemModifiedAt. */
  insert(name: string, row: Row): Row {
    const id = String(row.id ?? this.db.newId()).toLowerCase();
    const now = this.db.clock.now();
    const stored: Row = { ...row, id, lastModifiedDateTime: now, $v: 1, $createdAt: now };
    this.tableOf(name).put(id, stored);
    this.db.written(this.key(name), id, stored);
    this.db.emit({
      environment: this.environment,
      companyId: this.id,
      table: name,
      id,
      changeType: "created",
      at: now,
      row: stored,
    });
    return stored;
  }

  /** Stores a new version of the row; the version moves only when a value really changed. */
  update(name: string, id: string, changes: Row): Row {
    const table = this.tableOf(name);
    const row = table.get(id.toLowerCase());
    if (!row) throw new Error(`update of missing ${name} ${id}`);
    const changed = Object.entries(changes).some(([key, value]) => row[key] !== value);
    if (!changed) return row;
    const now = this.db.clock.now();
    const next: Row = { ...row, ...changes, lastModifiedDateTime: now, $v: Number(row.$v ?? 0) + 1 };
    table.put(row.id as string, next);
    this.db.written(this.key(name), row.id as string, next);
    this.db.emit({
      environment: this.environment,
      companyId: this.id,
      table: name,
      id: row.id as string,
      changeType: "updated",
      at: now,
      row: next,
    });
    return next;
  }

  delete(name: string, id: string): void {
    const key = id.toLowerCase();
    const previous = this.tableOf(name).get(key);
    if (!previous || !this.tableOf(name).delete(key)) return;
    this.db.written(this.key(name), key, undefined);
    const now = this.db.clock.now();
    this.db.emit({
      environment: this.environment,
      companyId: this.id,
      table: name,
      id: key,
      changeType: "deleted",
      at: now,
      row: previous,
    });
  }

  /** Next number of a number series, e.g. `S-ORD` 101001 → `S-ORD101001`. */
  nextNumber(series: string, prefix: string, start: number): string {
    const table = this.tableOf("$series");
    const next = Number(table.get(series)?.value ?? start - 1) + 1;
    table.put(series, { value: next });
    return `${prefix}${next}`;
  }

  nowIso(): string {
    return this.db.clock.now();
  }
}
