// The `serve` command's definition; its implementation (../commands/serve.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { lazy } from "./lazy.ts";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description(
      "Run the live service: the job queue, change triggers, the web console (/console/), the REST API (/api/v1, documentation at /docs), /healthz, /readyz and /metrics.",
    )
    .option(
      "--config <file>",
      "configuration file written by `bcsync setup`; repeat it to connect several Business Central companies (the others' APIs at /api/v1/companies/<slug>)",
      (file: string, files: string[] = []) => [...files, file],
    )
    .option("--data <dir>", "state directory (overrides the configuration's dataDir)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "8080")
    .option("--pg-boss", "share the job queue with other serve/worker processes through pg-boss (PostgreSQL only)")
    .option("--concurrency <n>", "entries this process runs at once (with --pg-boss)", "1")
    .option("--debounce <ms>", "changes to one mapping within this window are one run", "1000")
    .option("--quiet", "no line per completed run")
    .action(lazy(() => import("../commands/serve.ts"), "serveAction"));
}
