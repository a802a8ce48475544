// Runs the benchmarks: every bench/<name>.bench.ts (or those named on the command line) in its own process,
// one after another, so they do not disturb each other. Each prints one JSON object; this prints them as one
// JSON document and keeps a copy in bench/results/latest.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const results: Record<string, unknown> = {};
for (const file of files) {
  process.stderr.write(`bench: ${file} ...\n`);
  const run = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastLine = run.stdout.trim().split("\n").pop() ?? "";
  try {
    results[file.replace(/\.bench\.ts$/, "")] = JSON.parse(lastLine);
  } catch {
    results[file.replace(/\.bench\.ts$/, "")] = { error: `exit ${run.status}`, output: run.stdout.slice(-2000) };
  }
}
const document = { machine: { node: process.version, cpus: (await import("node:os")).cpus().length }, results };
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "latest.json"), `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
