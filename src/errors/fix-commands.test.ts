// "Fix texts name commands that exist" (issue 12): every `npx bcsync …` a catalogued error's fix or message names
// is a command (and subcommand) of the CLI, with options the command knows. Before, fixes named `bcsync users`,
// which did not exist.
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../cli/main.ts";
import { allErrorDefinitions } from "./catalogue.ts";

/** `npx bcsync a b --c` spans inside backticks, as the fix texts write them. */
function namedCommands(text: string): string[][] {
  return [...text.matchAll(/`npx bcsync ([^`]+)`/g)].map((m) => m[1].trim().split(/\s+/));
}

function resolve(program: Command, words: string[]): { command: Command; rest: string[] } | undefined {
  let command: Command = program;
  let i = 0;
  for (; i < words.length; i++) {
    const sub = command.commands.find((c) => c.name() === words[i]);
    if (!sub) break;
    command = sub;
  }
  return command === program ? undefined : { command, rest: words.slice(i) };
}

describe("fix texts", () => {
  const program = buildProgram();
  const cases = allErrorDefinitions().flatMap((def) =>
    namedCommands(`${def.message} ${def.fix}`).map((words) => [def.code, words.join(" "), words] as const),
  );

  it("name at least a few commands (the check is not vacuous)", () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  it.each(cases)("%s names `npx bcsync %s`, which exists", (_code, _text, words) => {
    const found = resolve(program, words);
    expect(found, `no command for ${words.join(" ")}`).toBeDefined();
    const known = new Set(
      [found!.command, ...(found!.command.parent ? [found!.command.parent] : [])].flatMap((c) =>
        c.options.flatMap((o) => [o.long, o.short]).filter(Boolean),
      ),
    );
    for (const word of found!.rest.filter((w) => w.startsWith("--")))
      expect(known.has(word.split("=")[0]), `${word} is not an option of ${found!.command.name()}`).toBe(true);
  });
});
