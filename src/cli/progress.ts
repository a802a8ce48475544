// Progress bars for long work in a terminal (issue 12: full sync, review), drawn on stderr with cli-progress so
// stdout stays the report a script can read. Off when stderr is not a terminal, or with --json.

import cliProgress from "cli-progress";
import type { PassDirection } from "../engine/model.ts";
import type { SyncCounters } from "../store/index.ts";

export interface ProgressReporter {
  /** A mapping starts (or a page of it was written). */
  working(mapping: string, detail?: { direction: PassDirection; pages: number; counters: SyncCounters }): void;
  /** A mapping is done: the bar moves one step. */
  done(mapping: string): void;
  stop(): void;
}

const QUIET: ProgressReporter = { working() {}, done() {}, stop() {} };

/** A bar over `total` mappings, naming the one in hand and what its pass has written so far. */
export function mappingProgress(total: number, options: { json?: boolean; stream?: NodeJS.WriteStream } = {}) {
  const stream = options.stream ?? process.stderr;
  if (options.json || !stream.isTTY || total === 0) return QUIET;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: " {bar} {value}/{total} mappings | {mapping} {detail}",
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { mapping: "", detail: "" });
  let finished = 0;
  return {
    working(mapping, detail) {
      const text = detail
        ? `${detail.direction === "toDataverse" ? "→ Sales" : "→ BC"} page ${detail.pages}: ${detail.counters.inserted} new, ${detail.counters.modified} changed, ${detail.counters.unchanged} unchanged${detail.counters.failed ? `, ${detail.counters.failed} failed` : ""}`
        : "";
      bar.update(finished, { mapping, detail: text });
      // Drawn now, not on the bar's timer: one update per mapping or page, each seconds of work apart.
      bar.render();
    },
    done(mapping) {
      finished++;
      bar.update(finished, { mapping, detail: "done" });
      bar.render();
    },
    stop() {
      bar.stop();
    },
  } satisfies ProgressReporter;
}
