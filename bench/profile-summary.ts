// Where a CPU profile's time went, as issue 13's done-when asks ("no single avoidable hot spot above 10%"):
//   node --import tsx bench/profile-summary.ts file.cpuprofile [rows]
// Self time by function, by file and by package or source folder, in percent of the profile. Native functions
// have no file: SQLite's statements (better-sqlite3's `all` and `run`, called by Kysely's driver) are grouped as
// "SQLite (native)" by their caller, so the store's own work is one figure rather than two anonymous ones.
// Percentages count wall-clock samples: on a loaded machine a native call that is descheduled keeps its samples,
// so compare the store's share with its CPU (process.cpuUsage around each statement) before judging it.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node --import tsx bench/profile-summary.ts file.cpuprofile [rows]\n");
  process.exit(2);
}
const rows = Number(rowsArg ?? 20);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const selfTime = new Map<number, number>();
for (const [i, id] of profile.samples.entries())
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));

/** A file's path from the repository root, or node_modules/… for a dependency. */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  const dependency = path.lastIndexOf("node_modules/");
  if (dependency >= 0) return path.slice(dependency);
  const source = path.search(/\/(src|bench|emulators|test)\//);
  return source >= 0 ? path.slice(source + 1) : path;
}

/** node_modules/<package>, node:*, the first two folders of a source path, or the native function's name. */
function group(node: ProfileNode): string {
  const url = shortUrl(node.callFrame.url);
  if (!url) {
    const parentUrl = byId.get(parentOf.get(node.id) ?? -1)?.callFrame.url ?? "";
    return /kysely|better-sqlite3/.test(parentUrl) ? "SQLite (native)" : node.callFrame.functionName || "(native)";
  }
  if (url.startsWith("node:")) return "node:*";
  const parts = url.split("/");
  if (parts[0] === "node_modules") return parts.slice(0, parts[1]?.startsWith("@") ? 3 : 2).join("/");
  return parts.slice(0, 2).join("/");
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
const byGroup = new Map<string, number>();
let total = 0;
const add = (map: Map<string, number>, key: string, t: number) => map.set(key, (map.get(key) ?? 0) + t);
for (const [id, t] of selfTime) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  total += t;
  add(byFunction, `${functionName || "(anonymous)"} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`, t);
  add(byFile, shortUrl(url) || functionName, t);
  add(byGroup, group(node), t);
}

const table = (title: string, map: Map<string, number>) => {
  const lines = [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(
      ([key, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    );
  return `${title}\n${lines.join("\n")}\n`;
};
process.stdout.write(`${(total / 1e6).toFixed(2)} s sampled\n\n`);
process.stdout.write(`${table("self time by function", byFunction)}\n`);
process.stdout.write(`${table("self time by file", byFile)}\n`);
process.stdout.write(table("self time by package or source folder", byGroup));
