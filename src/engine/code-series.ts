// Codes for new BC records the way Business Central's integration numbers them when the source has no code to
// give (new salespeople from Sales users: `SP NO. 00001`, `SP NO. 00002`, …). Pure: the runner reads the codes
// that exist and writes the ones this returns.

export interface CodeSeries {
  prefix: string;
  digits: number;
}

/**
 * The next `count` codes of the series: one past the highest existing code of the form `<prefix><digits>` (case
 * insensitive, as BC codes are upper case), zero-padded to `digits`. Codes of other forms do not count.
 */
export function nextCodes(existing: Iterable<string>, series: CodeSeries, count: number): string[] {
  const prefix = series.prefix.toUpperCase();
  let highest = 0;
  for (const code of existing) {
    const upper = code.toUpperCase();
    if (!upper.startsWith(prefix)) continue;
    const rest = upper.slice(prefix.length);
    if (!/^\d+$/.test(rest)) continue;
    highest = Math.max(highest, Number(rest));
  }
  return Array.from(
    { length: count },
    (_, i) => `${series.prefix}${String(highest + 1 + i).padStart(series.digits, "0")}`,
  );
}
