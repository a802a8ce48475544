// Whether dist/ holds a build no older than the TypeScript sources. bin/bcsync.js runs the compiled CLI only then
// (tsx's loader otherwise); bench/start.ts asks the same question, so its figures say which of the two it measured.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

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

/** The compiled CLI's entry under `root` when the build is fresh, else undefined. */
export function freshCompiledEntry(root) {
  const stamp = join(root, "dist", ".build-stamp");
  const compiled = join(root, "dist", "src", "cli", "main.js");
  const fresh =
    existsSync(compiled) &&
    existsSync(stamp) &&
    !newerThan([join(root, "src"), join(root, "emulators")], statSync(stamp).mtimeMs);
  return fresh ? compiled : undefined;
}
