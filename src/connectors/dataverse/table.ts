// Typed access to one entity set: the row type is the caller's (e.g. an interface of the account columns it
// maps), the methods are the client's with the entity set filled in.
import type { Result } from "../result.ts";
import type {
  BulkResult,
  ChangePage,
  DataverseClient,
  Impersonation,
  QueryOptions,
  Row,
  UpsertMode,
  WriteOptions,
  WriteResult,
} from "./client.ts";
import type { RecordKey } from "./keys.ts";

export interface TypedPage<T> {
  rows: Array<T & Row>;
  nextLink?: string;
}

export interface TableClient<T extends object> {
  readonly entitySet: string;
  readonly logicalName: string;
  retrieve(key: RecordKey, options?: QueryOptions): Promise<Result<(T & Row) | undefined>>;
  pages(options?: QueryOptions & { nextLink?: string }): AsyncGenerator<Result<TypedPage<T>>>;
  changes(options?: {
    select?: readonly (keyof T & string)[];
    pageSize?: number;
    deltaLink?: string;
  }): AsyncGenerator<Result<ChangePage>>;
  create(row: Partial<T>, options?: WriteOptions): Promise<Result<WriteResult>>;
  update(key: RecordKey, changes: Partial<T>, options?: WriteOptions & { etag?: string }): Promise<Result<WriteResult>>;
  upsert(key: RecordKey, row: Partial<T>, options?: WriteOptions & { mode?: UpsertMode }): Promise<Result<WriteResult>>;
  delete(
    key: RecordKey,
    options?: { etag?: string; impersonate?: Impersonation },
  ): Promise<Result<{ existed: boolean }>>;
  createMultiple(rows: readonly Partial<T>[]): Promise<Result<BulkResult>>;
  updateMultiple(items: ReadonlyArray<{ key: RecordKey; row: Partial<T> }>): Promise<Result<BulkResult>>;
  upsertMultiple(items: ReadonlyArray<{ key: RecordKey; row: Partial<T> }>): Promise<Result<BulkResult>>;
}

export function tableClient<T extends object>(
  client: DataverseClient,
  entitySet: string,
  logicalName: string,
  primaryKey = `${logicalName}id`,
): TableClient<T> {
  return {
    entitySet,
    logicalName,
    retrieve: (key, options) => client.retrieve(entitySet, key, options) as Promise<Result<(T & Row) | undefined>>,
    pages: (options) => client.pages(entitySet, options) as AsyncGenerator<Result<TypedPage<T>>>,
    changes: (options) => client.changes(entitySet, options),
    create: (row, options) => client.create(entitySet, row as unknown as Row, options),
    update: (key, changes, options) => client.update(entitySet, key, changes as unknown as Row, options),
    upsert: (key, row, options) => client.upsert(entitySet, key, row as unknown as Row, options),
    delete: (key, options) => client.delete(entitySet, key, options),
    createMultiple: (rows) => client.createMultiple(entitySet, logicalName, rows as unknown as Row[]),
    updateMultiple: (items) =>
      client.updateMultiple(entitySet, logicalName, items as unknown as ReadonlyArray<{ key: RecordKey; row: Row }>, {
        primaryKey,
      }),
    upsertMultiple: (items) =>
      client.upsertMultiple(entitySet, logicalName, items as unknown as ReadonlyArray<{ key: RecordKey; row: Row }>, {
        primaryKey,
      }),
  };
}
