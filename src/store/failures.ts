// Store failures a person can act on, as catalogued errors: a full disk under the SQLite store and a PostgreSQL
// connection the server ended. Anything else stays what it is (an unexpected error is a bug to report).
import { type BcsyncError, bcsyncError } from "../errors/catalogue.ts";
import { STORE_CONNECTION_LOST, STORE_DISK_FULL } from "../errors/codes/store.ts";
import { isPostgresConnectionLost } from "./postgres/connect.ts";

export function storeFailure(error: unknown): BcsyncError | undefined {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  // SQLITE_FULL: "database or disk is full" (ENOSPC, or the file system refused to grow the file).
  if (code === "SQLITE_FULL" || code === "ENOSPC") return bcsyncError(STORE_DISK_FULL, { reason: message });
  if (code.startsWith("SQLITE_IOERR") && /space|full/i.test(message))
    return bcsyncError(STORE_DISK_FULL, { reason: message });
  if (isPostgresConnectionLost(error)) return bcsyncError(STORE_CONNECTION_LOST, { reason: message });
  return undefined;
}
