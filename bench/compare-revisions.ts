// Two revisions of the engine on the same machine, their customer workloads alternated, for a change whose effect is
// smaller than the machine's noise: on 2 shared CPUs single runs of one tree vary by ±0.3 s (and its CPU seconds by
// 30%), so "before" on one day and "after" on another compare the machines, not the change. Each revision is
// checked out in a worktree of its own (the current node_modules linked in), and `bench/profile-run.ts` (customers)
// or `bench/profile-items.ts` (items and their price list) or `bench/profile-orders.ts` (orders, three BC apps) runs
// in each by turns, so both see the same load.
//   node --import tsx bench/compare-revisions.ts <base> [<head>=working tree] [--runs 4] [--workload items|orders]
// Prints one JSON line per run and a summary: each side's median seconds, Dataverse requests and CPU seconds, and
// head's median time over base's. A timing tool for people; no test depends on it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 4;
const workloadAt = args.indexOf("--workload");
const workload = workloadAt >= 0 ? args[workloadAt + 1] : "customers";
const script = {
  customers: "bench/profile-run.ts",
  items: "bench/profile-items.ts",
  orders: "bench/profile-orders.ts",
}[workload];
// Arguments that are not options nor an option's value (an absent option's index is -1: nothing to leave out).
const values = new Set([runsAt, workloadAt].filter((at) => at >= 0).map((at) => at + 1));
const [base, head] = args.filter((a, i) => !a.startsWith("--") && !values.has(i));
if (!base || !Number.isInteger(runs) || runs < 1 || !script) {
  process.stderr.write(
    "usage: node --import tsx bench/compare-revisions.ts <base> [<head>] [--runs 4] [--workload customers|items|orders]\n",
  );
  process.exit(2);
}

interface Run {
  side: "base" | "head";
  seconds: number;
  dataverseRequests: number;
  cpuSeconds: number;
}

const git = (...a: string[]) => execFileSync("git", a, { cwd: root, encoding: "utf8" }).trim();

/** A worktree of `rev` with this checkout's node_modules, removed by the returned function. */
function worktree(rev: string): { dir: string; remove: () => void } {
  const dir = join(mkdtempSync(join(tmpdir(), "bcsync-compare-")), "tree");
  git("worktree", "add", "--detach", "--quiet", dir, rev);
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return {
    dir,
    remove: () => {
      git("worktree", "remove", "--force", dir);
      rmSync(resolve(dir, ".."), { recursive: true, force: true });
    },
  };
}

function once(dir: string, side: Run["side"]): Run {
  const out = spawnSync(process.execPath, ["--import", "tsx", join(dir, script!)], {
    cwd: dir,
    encoding: "utf8",
  });
  // The scripts print their result as the last line of stderr.
  const last = out.stderr.trim().split("\n").at(-1) ?? "";
  if (out.status !== 0 || !last.startsWith("{")) throw new Error(`${side}: ${script} failed\n${out.stderr}`);
  const result = JSON.parse(last) as { seconds: number; dv: number; cpu: number; status: string };
  if (result.status !== "succeeded") throw new Error(`${side}: the sync did not succeed (${result.status})`);
  return { side, seconds: round(result.seconds), dataverseRequests: result.dv, cpuSeconds: round(result.cpu, 2) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

const baseTree = worktree(base);
const headTree = head ? worktree(head) : undefined;
try {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [side, dir] of [
      ["base", baseTree.dir],
      ["head", headTree?.dir ?? root],
    ] as const) {
      if (!existsSync(join(dir, script!))) throw new Error(`${side} has no ${script}`);
      const run = once(dir, side);
      results.push(run);
      process.stdout.write(`${JSON.stringify(run)}\n`);
    }
  }
  const summary = (side: Run["side"]) => {
    const mine = results.filter((r) => r.side === side);
    return {
      medianSeconds: round(median(mine.map((r) => r.seconds))),
      medianDataverseRequests: median(mine.map((r) => r.dataverseRequests)),
      medianCpuSeconds: round(median(mine.map((r) => r.cpuSeconds)), 2),
    };
  };
  const b = summary("base");
  const h = summary("head");
  process.stdout.write(
    `${JSON.stringify({
      base: { rev: git("rev-parse", "--short", base), ...b },
      head: { rev: head ? git("rev-parse", "--short", head) : "working tree", ...h },
      runsEach: runs,
      headOverBase: round(h.medianSeconds / b.medianSeconds),
    })}\n`,
  );
} finally {
  baseTree.remove();
  headTree?.remove();
}
