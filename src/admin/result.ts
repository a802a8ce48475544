// Every admin task answers with a value: the CLI prints it or its catalogued error, the REST API sends it or the
// error's code and status. Same shape as the connectors' results.
export { fail, ok, type Result } from "../connectors/result.ts";

import type { Result } from "../connectors/result.ts";

/** For the CLI: the value, or the catalogued error thrown for main's one error report (message, fix, exit code). */
export function valueOrThrow<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
