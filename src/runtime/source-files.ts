// Files the running code loads beside its own module that are not TypeScript (the console's browser scripts, the
// SQLite worker): tsc compiles src/ into dist/src/ but copies nothing else, so a compiled module's neighbours are
// missing. Such files are read from src/ whichever of the two is running; the package ships both (bin/bcsync.js
// falls back to src/ when dist/ is stale), and a copy in dist/ could itself go stale, since only a .ts change makes
// bin/fresh.js rebuild.
import { existsSync } from "node:fs";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";

const COMPILED = `${sep}dist${sep}src${sep}`;
const SOURCE = `${sep}src${sep}`;

/**
 * The path of `relative` (a file or folder) next to the module at `moduleUrl` (its import.meta.url) in the source
 * tree: the same path when the module runs from src/, the one under src/ when it runs compiled from dist/src/.
 */
export function sourceFilePath(moduleUrl: string, relative: string): string {
  const beside = fileURLToPath(new URL(relative, moduleUrl));
  if (existsSync(beside)) return beside;
  const at = beside.lastIndexOf(COMPILED);
  return at < 0 ? beside : beside.slice(0, at) + SOURCE + beside.slice(at + COMPILED.length);
}
