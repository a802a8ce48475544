#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { reportError } from "./output.ts";

// Each command lives in commands/<name>.ts and exports `register<Name>Command(program)`.
const COMMANDS = ["emulate", "setup", "demo", "mappings", "sync", "review", "couple", "jobs"] as const;

/** Builds the `bcsync` program; tests call it with `exitOverride()` to run commands in-process. */
export async function buildProgram(): Promise<Command> {
  const program = new Command("bcsync")
    .description("Keeps Dynamics 365 Business Central and Dynamics 365 Sales / Dataverse in sync.")
    .version("0.1.0")
    .showHelpAfterError();
  for (const name of COMMANDS) {
    const module = await import(`./commands/${name}.ts`).catch((error: { code?: string }) => {
      if (error?.code === "ERR_MODULE_NOT_FOUND") return undefined;
      throw error;
    });
    const register = module?.[`register${name[0].toUpperCase()}${name.slice(1)}Command`];
    if (typeof register === "function") register(program);
  }
  if (!program.commands.some((c) => c.name() === "demo")) {
    program
      .command("demo")
      .description("Run the demo on the local emulators (arriving soon).")
      .action(() => {
        process.stdout.write(
          "bcsync demo: the demo on the emulators is being built; try `bcsync emulate` meanwhile.\n",
        );
      });
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = (await buildProgram()).exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return reportError(error, argv.includes("--json"));
  }
}

const invokedDirectly = process.argv[1] && /(?:main\.ts|bcsync(?:\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  const code = await main(process.argv.slice(2));
  // Long-running commands (emulate, demo, worker) keep the event loop alive and exit on their own signals.
  if (code !== 0) process.exit(code);
}
