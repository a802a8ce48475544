import { join } from "node:path";
import { type Kysely, Migrator } from "kysely";
import { bcsyncError, STORE_MIGRATION_FAILED, STORE_UNSUPPORTED_URL } from "../errors/catalogue.ts";
import { scrubSecrets } from "../log/logger.ts";
import { migrationProvider } from "./migrations/index.ts";
import { connectPostgres, isPostgresConnectionLost, isPostgresUniqueViolation } from "./postgres/connect.ts";
import { AccountsRepository } from "./repositories/accounts.ts";
import { ConflictsRepository } from "./repositories/conflicts.ts";
import { CouplingsRepository, type IsUniqueViolation } from "./repositories/couplings.ts";
import { FullSyncReviewRepository } from "./repositories/full-sync-review.ts";
import { HeldDeletionsRepository } from "./repositories/held-deletions.ts";
import { JobQueueRepository } from "./repositories/job-queue.ts";
import { LeasesRepository } from "./repositories/leases.ts";
import { MappingsRepository } from "./repositories/mappings.ts";
import { PendingWritesRepository } from "./repositories/pending-writes.ts";
import { RefusedRowsRepository } from "./repositories/refused-rows.ts";
import { SettingsRepository } from "./repositories/settings.ts";
import { SyncJobsRepository } from "./repositories/sync-jobs.ts";
import { WatermarksRepository } from "./repositories/watermarks.ts";
import type { Database } from "./schema.ts";
import { connectSqlite, isSqliteUniqueViolation, withSyncedCommits } from "./sqlite/connect.ts";

export type Dialect = "sqlite" | "postgres";

/** Runs of one transaction when its PostgreSQL connection keeps getting lost before the work is done. */
const CONNECTION_LOSS_ATTEMPTS = 3;

export interface StoreOptions {
  /** `postgres://...` for PostgreSQL; absent for the embedded SQLite file under `dataDir`. */
  url?: string;
  /** Directory of the embedded store (`<dataDir>/bcsync.sqlite`); `:memory:` keeps it in memory. */
  dataDir?: string;
  /** PostgreSQL schema (tests use one per run). */
  schema?: string;
  /** PostgreSQL application_name of the store's sessions (default `bcsync`). */
  applicationName?: string;
  /** Told when PostgreSQL ends an idle connection (the pool reconnects on the next query). */
  onConnectionLost?: (error: Error) => void;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
}

/** The repositories over one connection or one transaction. */
export class Store {
  readonly settings: SettingsRepository;
  readonly mappings: MappingsRepository;
  readonly couplings: CouplingsRepository;
  readonly watermarks: WatermarksRepository;
  readonly jobs: SyncJobsRepository;
  readonly queue: JobQueueRepository;
  readonly review: FullSyncReviewRepository;
  readonly pendingWrites: PendingWritesRepository;
  readonly refusedRows: RefusedRowsRepository;
  readonly conflicts: ConflictsRepository;
  readonly heldDeletions: HeldDeletionsRepository;
  readonly accounts: AccountsRepository;
  readonly leases: LeasesRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly isUniqueViolation: IsUniqueViolation,
    private readonly inTransaction = false,
    /** PostgreSQL schema holding the tables (and the migration bookkeeping), when not the default. */
    readonly schema?: string,
  ) {
    this.settings = new SettingsRepository(db);
    this.mappings = new MappingsRepository(db);
    this.couplings = new CouplingsRepository(db, isUniqueViolation);
    this.watermarks = new WatermarksRepository(db);
    this.jobs = new SyncJobsRepository(db);
    this.queue = new JobQueueRepository(db);
    this.review = new FullSyncReviewRepository(db);
    this.pendingWrites = new PendingWritesRepository(db);
    this.refusedRows = new RefusedRowsRepository(db);
    this.conflicts = new ConflictsRepository(db);
    this.heldDeletions = new HeldDeletionsRepository(db);
    this.accounts = new AccountsRepository(db);
    this.leases = new LeasesRepository(db);
  }

  /**
   * Runs `work` in one transaction: all of it is written, or (on a throw) none of it. Nested calls join it.
   *
   * With `durable`, the commit is on disk before this resolves, also on SQLite (whose other commits are synced at
   * checkpoints): for what must survive a power loss, the write intents recorded before a create is sent. A nested
   * call's durability is its outer transaction's.
   *
   * With `retryOnConnectionLoss`, a transaction whose PostgreSQL connection was lost before `work` finished (the
   * server ended the session, a failover, the network) is run again on a new connection, up to
   * CONNECTION_LOSS_ATTEMPTS times: nothing of it was committed, so nothing is written twice. Only for `work` whose
   * effects all go through the store (it may run more than once). A connection lost during the commit itself is
   * not retried: the commit may have happened, so the caller gets the error (a catalogued STORE_CONNECTION_LOST
   * through storeFailure) and the next run settles the state as after a crash.
   */
  async transaction<T>(
    work: (store: Store) => Promise<T>,
    options: { retryOnConnectionLoss?: boolean; durable?: boolean } = {},
  ): Promise<T> {
    if (this.inTransaction) return work(this);
    if (options.durable && this.dialect === "sqlite") {
      return withSyncedCommits(this.db, () => this.transaction(work, { ...options, durable: false }));
    }
    for (let attempt = 1; ; attempt++) {
      let workDone = false;
      try {
        return await this.db.transaction().execute(async (trx) => {
          const result = await work(new Store(trx, this.dialect, this.isUniqueViolation, true, this.schema));
          workDone = true;
          return result;
        });
      } catch (error) {
        const retry =
          options.retryOnConnectionLoss &&
          !workDone &&
          attempt < CONNECTION_LOSS_ATTEMPTS &&
          this.dialect === "postgres" &&
          isPostgresConnectionLost(error);
        if (!retry) throw error;
      }
    }
  }

  /** Applies pending migrations; each runs in its own transaction, so a failure leaves none half applied. */
  async migrate(): Promise<string[]> {
    // An explicit migration table schema: otherwise Kysely may find another schema's bookkeeping tables.
    const migrator = new Migrator({ db: this.db, provider: migrationProvider, migrationTableSchema: this.schema });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "?";
      throw bcsyncError(
        STORE_MIGRATION_FAILED,
        { migration: failed, reason: String((error as Error).message ?? error) },
        { cause: error },
      );
    }
    return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Opens (and by default migrates) the state store: PostgreSQL when `url` is given, else embedded SQLite. */
export async function openStore(options: StoreOptions): Promise<Store> {
  let store: Store;
  if (options.url) {
    if (!/^postgres(ql)?:\/\//.test(options.url)) {
      throw bcsyncError(STORE_UNSUPPORTED_URL, { url: scrubSecrets(options.url) });
    }
    const db = await connectPostgres({
      url: options.url,
      schema: options.schema,
      ...(options.applicationName ? { applicationName: options.applicationName } : {}),
      ...(options.onConnectionLost ? { onConnectionLost: options.onConnectionLost } : {}),
    });
    store = new Store(db, "postgres", isPostgresUniqueViolation, false, options.schema);
  } else {
    const dataDir = options.dataDir ?? ".bcsync";
    const filename = dataDir === ":memory:" ? ":memory:" : join(dataDir, "bcsync.sqlite");
    store = new Store(connectSqlite({ filename }), "sqlite", isSqliteUniqueViolation);
  }
  if (options.migrate !== false) await store.migrate();
  return store;
}
