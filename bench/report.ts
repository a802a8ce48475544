// What every bench workload prints: figures rounded alike, tables with aligned columns, and each target met or not.
import type { Target } from "./throughput.ts";

export function round(n: number, digits = 2): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

/** Rows as lines of text, each column as wide as its widest cell. */
export function aligned(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  "));
}

export function targetLines(targets: readonly Target[]): string[] {
  return targets.map((t) => `${t.met ? "met    " : "NOT met"}  ${t.name}: target ${t.target}, measured ${t.measured}`);
}
