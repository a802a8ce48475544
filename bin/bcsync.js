#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `prepare` runs on install) when it is there and
// no newer than the sources; otherwise loads the TypeScript through tsx's loader in this same process, so a clone
// being edited never runs stale code. Compiled, `bcsync --help` skips compiling TypeScript at every start.
// Either way signals (SIGINT/SIGTERM) reach the CLI directly.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".build-stamp");
const compiled = join(root, "dist", "src", "cli", "main.js");

/** Whether a .ts file under these folders changed after the build (a few hundred stat calls: milliseconds). */
function newerThan(dirs, since) {
  const pending = [...dirs];
  while (pending.length > 0) {
    const dir = pending.pop();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.name.endsWith(".ts") && statSync(path).mtimeMs > since) return true;
    }
  }
  return false;
}

const fresh =
  existsSync(compiled) &&
  existsSync(stamp) &&
  !newerThan([join(root, "src"), join(root, "emulators")], statSync(stamp).mtimeMs);

if (fresh) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
