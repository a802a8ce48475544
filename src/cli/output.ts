import { BcsyncError } from "../errors/catalogue.ts";
import { scrubSecrets } from "../log/logger.ts";
import { storeFailure } from "../store/failures.ts";
import { EXIT, exitCodeOf } from "./exit-codes.ts";

/** Prints rows as an aligned text table for people. */
export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write("(none)\n");
    return;
  }
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) =>
    v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(cols)}\n${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(cols.map((c) => cell(row[c])))}\n`);
}

/** One JSON document per line, for scripts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Reports an error the way a user can act on it: code, message, fix. Unexpected errors keep their stack. */
export function reportError(thrown: unknown, json: boolean): number {
  // A full disk or a lost store connection is not a bug: say it with its catalogued code and fix (issue 14).
  const error = thrown instanceof BcsyncError ? thrown : (storeFailure(thrown) ?? thrown);
  if (error instanceof BcsyncError) {
    if (json) printJson({ error: JSON.parse(scrubSecrets(JSON.stringify(error.toJSON()))) });
    else
      process.stderr.write(`error ${error.code}: ${scrubSecrets(error.message)}\n  fix: ${scrubSecrets(error.fix)}\n`);
    return exitCodeOf(error);
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (json)
    printJson({
      error: { code: "BCSYNC_E_INTERNAL", message: scrubSecrets(String((error as Error)?.message ?? error)) },
    });
  else process.stderr.write(`unexpected error (a bug: please report it): ${scrubSecrets(message)}\n`);
  return EXIT.internal;
}
