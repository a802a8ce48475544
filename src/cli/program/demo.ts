// The `demo` command's definition; its implementation (../commands/demo.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { lazy } from "./lazy.ts";

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Run the Sales integration on the local emulators with demo data, and show what syncs.")
    .option("--data <dir>", "where the demo keeps emulator data, configuration and state", ".bcsync/demo")
    .option("--limits <mode>", "service protection limits of the emulators: realistic or off", "realistic")
    .option(
      "--cost <mode>",
      "time the emulators spend per request and record: off (answer at once) or realistic (the services' documented timings, as the benchmarks use)",
      "off",
    )
    .option("--host <host>", "address the web console listens on", "127.0.0.1")
    .option("--port <port>", "port of the web console (a free one when it is taken)", "8080")
    .option("--json", "print one JSON line (emulators, configPath, console URL and login) and keep running")
    .action(lazy(() => import("../commands/demo.ts"), "demoAction"));
}
