import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { zeroCounters } from "../store/index.ts";
import { mappingProgress } from "./progress.ts";

/** A terminal-like stream that keeps what was drawn. */
function terminal(isTTY: boolean): { stream: NodeJS.WriteStream; drawn: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  Object.assign(stream, { isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, drawn: () => stripVTControlCharacters(text) };
}

describe("mappingProgress", () => {
  it("draws the mapping in hand, its page counters and the mappings done, on a terminal", () => {
    const t = terminal(true);
    const bar = mappingProgress(2, { stream: t.stream });
    bar.working("CUSTOMER", {
      direction: "toDataverse",
      pages: 3,
      counters: { ...zeroCounters(), inserted: 120, modified: 4 },
    });
    bar.done("CUSTOMER");
    bar.working("VENDOR");
    bar.done("VENDOR");
    bar.stop();
    const out = t.drawn();
    expect(out).toContain("CUSTOMER → Sales page 3: 120 new, 4 changed, 0 unchanged");
    expect(out).toContain("1/2 mappings");
  });

  it("draws nothing for a script: not a terminal, or --json", () => {
    for (const [isTTY, json] of [
      [false, false],
      [true, true],
    ] as const) {
      const t = terminal(isTTY);
      const bar = mappingProgress(2, { stream: t.stream, json });
      bar.working("CUSTOMER");
      bar.done("CUSTOMER");
      bar.stop();
      expect(t.drawn()).toBe("");
    }
  });
});
