// Process start (issue 13): `bcsync --help` as a user runs it (node bin/bcsync.js, the compiled CLI when dist/ is
// fresh), timed from spawn to exit, with the process's peak resident memory, which is what it holds before any
// work. Several runs, the median reported: a shared machine's noise is larger than the figure.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freshCompiledEntry } from "../bin/fresh.js";
import { targetLines } from "./report.ts";
import type { Target } from "./throughput.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin", "bcsync.js");

export interface StartResult {
  command: string;
  runs: number;
  /** Whether bin/bcsync.js ran the compiled CLI (it runs the TypeScript through tsx when dist/ is missing or stale). */
  compiled: boolean;
  /** Whether this run built dist/ first, as it was missing or older than the sources. */
  built: boolean;
  medianSeconds: number;
  maxSeconds: number;
  peakRssMb: number;
  targets: Target[];
}

/** One `bcsync --help`: wall seconds and peak RSS (reported by the process itself at exit, on fd 3). */
function once(): Promise<{ seconds: number; rssMb: number }> {
  // The CLI runs as bin/bcsync.js would (same argv[1]); a hook prints its peak RSS as it exits.
  const script = `process.argv = [process.execPath, ${JSON.stringify(bin)}, "--help"];
process.on("exit", () => require("node:fs").writeSync(3, String(process.resourceUsage().maxRSS)));
import(${JSON.stringify(bin)});`;
  const started = performance.now();
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "ignore", "inherit", "pipe"] });
  let rss = "";
  (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
    rss += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`bcsync --help exited ${code}`));
      resolve({ seconds: (performance.now() - started) / 1000, rssMb: Number(rss) / 1024 });
    });
  });
}

/** `build: false` measures whatever bin/bcsync.js runs now (tests: no compiling inside a test run). */
export async function runStart(runs: number, options: { build?: boolean } = {}): Promise<StartResult> {
  // The target is the installed CLI, which is always compiled (`prepare` builds it). A stale dist/ made
  // bin/bcsync.js fall back to tsx (84-87 MB, 0.4-0.9 s) while this file, which only looked for the build stamp,
  // reported it compiled: so build first, with the same freshness test bin/bcsync.js applies.
  let built = false;
  if (options.build !== false && freshCompiledEntry(root) === undefined) {
    const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    built = build.status === 0;
  }
  const compiled = freshCompiledEntry(root) !== undefined;
  const results: { seconds: number; rssMb: number }[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const seconds = results.map((r) => r.seconds).sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)];
  const peak = Math.max(...results.map((r) => r.rssMb));
  return {
    command: "node bin/bcsync.js --help",
    runs,
    compiled,
    built,
    medianSeconds: Math.round(median * 1000) / 1000,
    maxSeconds: Math.round(seconds.at(-1)! * 1000) / 1000,
    peakRssMb: Math.round(peak),
    targets: [
      { name: "bcsync --help", target: "≤ 0.5 s", measured: `${median.toFixed(2)} s (median)`, met: median <= 0.5 },
      { name: "resident before any work", target: "≤ 80 MB", measured: `${Math.round(peak)} MB`, met: peak <= 80 },
    ],
  };
}

export function startTable(result: StartResult): string {
  return [
    `process start: ${result.command}, ${result.runs} runs${result.compiled ? (result.built ? " (dist/ built first)" : "") : " (not compiled: the build failed)"}`,
    `median ${result.medianSeconds} s, slowest ${result.maxSeconds} s, peak RSS ${result.peakRssMb} MB`,
    "",
    ...targetLines(result.targets),
  ].join("\n");
}
