#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `prepare` runs on install) when it is there and
// no newer than the sources; otherwise loads the TypeScript through tsx's loader in this same process, so a clone
// being edited never runs stale code. Compiled, `bcsync --help` skips compiling TypeScript at every start.
// Either way signals (SIGINT/SIGTERM) reach the CLI directly.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freshCompiledEntry } from "./fresh.js";

const compiled = freshCompiledEntry(join(dirname(fileURLToPath(import.meta.url)), ".."));

if (compiled !== undefined) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
