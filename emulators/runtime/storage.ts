// Storage for the API emulators, modelled on Azurite's: named tables of JSON rows keyed by a string id, with
// get/put/delete/scan (ordered by key) and atomic multi-row transactions.
//
// Design: every table lives in memory (a Map plus a sorted key list kept up to date on every write, and ordered
// indexes a service asks for) so reads, filters and ordered pages do not rescan or re-sort the table; when a
// data directory is given, each committed transaction is also written to SQLite (better-sqlite3, WAL journal) in
// ONE SQLite transaction. SQLite's journal makes a commit all-or-nothing on disk, so a SIGKILL mid-write leaves
// either the old or the new state, never a torn file; on start the whole store is loaded back into memory.
// Chosen over an append-only journal because SQLite already solves torn writes, compaction and fsync ordering.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SortedList } from "./sorted.ts";

export type StoredRow = Record<string, unknown>;

export interface StoreTable<R extends StoredRow = StoredRow> {
  readonly name: string;
  get(id: string): R | undefined;
  has(id: string): boolean;
  /** Inserts or replaces. Rows are treated as immutable once stored: put a new object to change one. */
  put(id: string, row: R): void;
  /** true when a row was removed. */
  delete(id: string): boolean;
  /** Rows ordered by id (string order). */
  scan(): IterableIterator<[string, R]>;
  values(): R[];
  readonly size: number;
  /**
   * An ordered index of the table's rows by a key computed from each row, built on first use under `name` and kept
   * up to date by every later write (rollbacks and loads included). `spec` is read on creation only: one name,
   * one spec.
   */
  index(name: string, spec: IndexSpec<R>): OrderedIndex;
}

/** What an ordered index orders rows by. */
export interface IndexSpec<R extends StoredRow = StoredRow> {
  /** The row's key (computed on every write of the row: keep it cheap). */
  key(row: R): unknown[];
  /** Order of two keys; entries with equal keys are ordered by row id (string order). */
  compare(a: unknown[], b: unknown[]): number;
  /** A label of a key, counted over the index (`tagCount`): lets a reader check a property of every key at once. */
  tag?(key: unknown[]): string;
  /**
   * Indexes a reader makes up as queries come (one per `$orderby`): at most `keep` of a `group` are kept on a
   * table, the one used least recently dropped for a new one (every index costs memory and time on each write).
   */
  group?: { name: string; keep: number };
}

export interface IndexEntry {
  readonly key: unknown[];
  readonly id: string;
}

/** Entries ordered by (key, id). Positions are ranks from 0; readers must not write while iterating. */
export interface OrderedIndex {
  readonly size: number;
  /** First position in [from, to) whose entry passes a test that is false, then true, along the index. */
  search(test: (entry: IndexEntry) => boolean, from?: number, to?: number): number;
  /** The entries from a position on, in order. */
  entries(from?: number): IterableIterator<IndexEntry>;
  /** How many keys have this tag (IndexSpec.tag). */
  tagCount(tag: string): number;
}

export interface Store {
  table<R extends StoredRow = StoredRow>(name: string): StoreTable<R>;
  tableNames(): string[];
  /**
   * Runs `work` atomically: if it throws, every write it made is undone (memory and disk) and the error
   * rethrown. Nested calls join the outer transaction. Writes outside a transaction commit one by one.
   */
  transaction<T>(work: () => T): T;
  /** true when backed by a data directory. */
  readonly durable: boolean;
  close(): void;
}

export interface StoreOptions {
  /** Directory for the SQLite file; absent = memory only. */
  dataDir?: string;
  /** File name inside dataDir (default `store.sqlite`). */
  fileName?: string;
}

interface PendingWrite {
  table: string;
  id: string;
  /** undefined = deleted. */
  row: StoredRow | undefined;
}

interface UndoEntry {
  table: MemoryTable;
  id: string;
  previous: StoredRow | undefined;
}

class RowIndex implements OrderedIndex {
  private readonly list: SortedList<IndexEntry>;
  private readonly tags = new Map<string, number>();
  /** The entry of each row, as inserted (its key is what the list is ordered by). */
  private readonly byId = new Map<string, IndexEntry>();

  readonly group: string | undefined;

  constructor(private readonly spec: IndexSpec) {
    this.group = spec.group?.name;
    this.list = new SortedList<IndexEntry>((a, b) => {
      const d = spec.compare(a.key, b.key);
      return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
  }

  build(rows: Map<string, StoredRow>): void {
    const entries: IndexEntry[] = [];
    for (const [id, row] of rows) {
      const entry = { key: this.spec.key(row), id };
      this.count(entry, 1);
      this.byId.set(id, entry);
      entries.push(entry);
    }
    this.list.reset(entries);
  }

  private count(entry: IndexEntry, by: number): void {
    if (!this.spec.tag) return;
    const tag = this.spec.tag(entry.key);
    this.tags.set(tag, (this.tags.get(tag) ?? 0) + by);
  }

  /** Keeps the index in step with one write of the row `id` (`row` undefined: deleted). */
  written(id: string, row: StoredRow | undefined): void {
    const before = this.byId.get(id);
    const after = row === undefined ? undefined : { key: this.spec.key(row), id };
    if (before && after && this.spec.compare(before.key, after.key) === 0) {
      if (!this.spec.tag || this.spec.tag(before.key) === this.spec.tag(after.key)) return;
    }
    if (before) {
      this.list.remove(before);
      this.byId.delete(id);
      this.count(before, -1);
    }
    if (after) {
      this.list.insert(after);
      this.byId.set(id, after);
      this.count(after, 1);
    }
  }

  get size(): number {
    return this.list.size;
  }
  search(test: (entry: IndexEntry) => boolean, from?: number, to?: number): number {
    return this.list.search(test, from, to);
  }
  entries(from = 0): IterableIterator<IndexEntry> {
    return this.list.from(from);
  }
  tagCount(tag: string): number {
    return this.tags.get(tag) ?? 0;
  }
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

class MemoryTable implements StoreTable {
  readonly rows = new Map<string, StoredRow>();
  /** Every key in string order, kept sorted on insert and delete (a new key never re-sorts the table). */
  private readonly keys = new SortedList<string>(byString);
  /** `keys` as an array, for scans; rebuilt (without sorting) after the key set changed. */
  private keyArray: string[] | undefined;
  private readonly indexes = new Map<string, RowIndex>();

  constructor(
    readonly name: string,
    private readonly onWrite: (
      table: MemoryTable,
      id: string,
      row: StoredRow | undefined,
      previous: StoredRow | undefined,
    ) => void,
  ) {}

  get size(): number {
    return this.rows.size;
  }
  get(id: string): StoredRow | undefined {
    return this.rows.get(id);
  }
  has(id: string): boolean {
    return this.rows.has(id);
  }
  put(id: string, row: StoredRow): void {
    const previous = this.rows.get(id);
    this.setRaw(id, row);
    this.onWrite(this, id, row, previous);
  }
  delete(id: string): boolean {
    const previous = this.rows.get(id);
    if (previous === undefined) return false;
    this.setRaw(id, undefined);
    this.onWrite(this, id, undefined, previous);
    return true;
  }
  /** Changes memory only (used by load and rollback). */
  setRaw(id: string, row: StoredRow | undefined): void {
    const previous = this.rows.get(id);
    if (row === undefined) {
      if (previous === undefined) return;
      this.rows.delete(id);
      this.keys.remove(id);
      this.keyArray = undefined;
    } else {
      this.rows.set(id, row);
      if (previous === undefined) {
        this.keys.insert(id);
        this.keyArray = undefined;
      }
    }
    for (const index of this.indexes.values()) index.written(id, row);
  }
  *scan(): IterableIterator<[string, StoredRow]> {
    if (!this.keyArray) this.keyArray = this.keys.toArray();
    const keys = this.keyArray;
    for (const key of keys) {
      const row = this.rows.get(key);
      if (row !== undefined) yield [key, row];
    }
  }
  values(): StoredRow[] {
    const out: StoredRow[] = [];
    for (const [, row] of this.scan()) out.push(row);
    return out;
  }
  index(name: string, spec: IndexSpec): OrderedIndex {
    let index = this.indexes.get(name);
    if (index) {
      // Most recently used last (Map order), for dropping the least recently used of a group.
      this.indexes.delete(name);
      this.indexes.set(name, index);
      return index;
    }
    if (spec.group) {
      const group = spec.group;
      const members = [...this.indexes].filter(([, i]) => i.group === group.name);
      for (const [old] of members.slice(0, Math.max(0, members.length - group.keep + 1))) this.indexes.delete(old);
    }
    index = new RowIndex(spec);
    index.build(this.rows);
    this.indexes.set(name, index);
    return index;
  }
}

class SqliteBacking {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose the last commits.
    this.db.pragma("synchronous = NORMAL");
    // Big transactions (seeding 100k rows) thrash SQLite's default 2 MB page cache.
    this.db.pragma("cache_size = -65536");
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS rows (tbl TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tbl, id)) WITHOUT ROWID",
    );
    this.upsert = this.db.prepare(
      "INSERT INTO rows (tbl, id, data) VALUES (?, ?, ?) ON CONFLICT (tbl, id) DO UPDATE SET data = excluded.data",
    );
    this.remove = this.db.prepare("DELETE FROM rows WHERE tbl = ? AND id = ?");
  }

  load(into: (table: string, id: string, row: StoredRow) => void): void {
    for (const r of this.db.prepare("SELECT tbl, id, data FROM rows").iterate() as IterableIterator<{
      tbl: string;
      id: string;
      data: string;
    }>) {
      into(r.tbl, r.id, JSON.parse(r.data) as StoredRow);
    }
  }

  write(writes: Iterable<PendingWrite>): void {
    // Key order turns random-id inserts into sequential B-tree appends (10× faster for 100k random GUIDs).
    const ordered = [...writes].sort((a, b) =>
      a.table === b.table ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.table < b.table ? -1 : 1,
    );
    this.db.transaction(() => {
      for (const w of ordered) {
        if (w.row === undefined) this.remove.run(w.table, w.id);
        else this.upsert.run(w.table, w.id, JSON.stringify(w.row));
      }
    })();
  }

  close(): void {
    this.db.close();
  }
}

export function openStore(options: StoreOptions = {}): Store {
  const tables = new Map<string, MemoryTable>();
  let backing: SqliteBacking | undefined;
  let depth = 0;
  let undo: UndoEntry[] = [];
  // Last write per (table, id) within the current transaction; flushed to disk at commit.
  let pending = new Map<string, PendingWrite>();

  const onWrite = (table: MemoryTable, id: string, row: StoredRow | undefined, previous: StoredRow | undefined) => {
    if (depth === 0) {
      backing?.write([{ table: table.name, id, row }]);
      return;
    }
    undo.push({ table, id, previous });
    if (backing) pending.set(`${table.name}\u0000${id}`, { table: table.name, id, row });
  };

  const tableFor = (name: string): MemoryTable => {
    let t = tables.get(name);
    if (!t) {
      t = new MemoryTable(name, onWrite);
      tables.set(name, t);
    }
    return t;
  };

  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    backing = new SqliteBacking(join(options.dataDir, options.fileName ?? "store.sqlite"));
    backing.load((table, id, row) => tableFor(table).setRaw(id, row));
  }

  const rollback = () => {
    for (let i = undo.length - 1; i >= 0; i--) {
      const u = undo[i];
      u.table.setRaw(u.id, u.previous);
    }
  };

  return {
    durable: backing !== undefined,
    table<R extends StoredRow = StoredRow>(name: string): StoreTable<R> {
      return tableFor(name) as unknown as StoreTable<R>;
    },
    tableNames: () => [...tables.keys()],
    transaction<T>(work: () => T): T {
      if (depth > 0) return work();
      depth = 1;
      undo = [];
      pending = new Map();
      try {
        const result = work();
        if (result instanceof Promise) throw new Error("Store transactions must be synchronous.");
        backing?.write(pending.values());
        return result;
      } catch (error) {
        rollback();
        throw error;
      } finally {
        depth = 0;
        undo = [];
        pending = new Map();
      }
    },
    close() {
      backing?.close();
      backing = undefined;
    },
  };
}
