// The `emulate` command's definition; its implementation (../commands/emulate.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { DEFAULT_EMULATOR_DATA_DIR } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerEmulateCommand(program: Command): void {
  program
    .command("emulate")
    .description("Run local emulators of Entra ID, Dataverse and Business Central until Ctrl+C.")
    .option("--dataverse-port <port>", "Dataverse emulator port (default: any free port)")
    .option("--bc-port <port>", "Business Central emulator port (default: any free port)")
    .option("--identity-port <port>", "identity (Entra ID) emulator port (default: any free port)")
    .option("--data <dir>", "where the emulators keep their data and TLS certificate", DEFAULT_EMULATOR_DATA_DIR)
    .option("--in-memory", "keep nothing on disk (a new certificate and empty stores on every start)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--seed <seed>", "initial data: empty, demo or scale:N", "demo")
    .option("--limits <mode>", "service protection limits: realistic or off", "realistic")
    .option("--cost <mode>", "the services' request costs (time per request and row): realistic or off", "realistic")
    .option("--latency <ms>", "extra latency added to every API response, in ms")
    .option("--faults <rate>", "share of API requests that fail (500, 503, dropped, slow), 0 to 1")
    .option("--json", "print one JSON line with the URLs and credentials instead of text")
    .action(lazy(() => import("../commands/emulate.ts"), "emulateAction"));
}
