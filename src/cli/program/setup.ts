// The `setup` command's definition; its implementation (../commands/setup.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { DEFAULT_CONFIG_PATH } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerSetupCommand(program: Command): void {
  program
    .command("setup")
    .description("Connect to Dataverse and Business Central, install the integration solution, apply default mappings.")
    .option("--config <path>", "configuration file to write", DEFAULT_CONFIG_PATH)
    .option("--data <dir>", "state directory", ".bcsync")
    .option("--emulators <file>", "connect to the local emulators: a file holding `bcsync emulate --json` output")
    .option("--company <id>", "Business Central company id (or name with --emulators)")
    .option("--dataverse-url <url>", "Dynamics 365 Sales / Dataverse URL")
    .option("--connection-string <text>", "legacy connection string (Url and AppId are taken; secrets never stored)")
    .option("--tenant-id <id>", "Microsoft Entra tenant id")
    .option("--client-id <id>", "app registration (client) id")
    .option("--client-secret-env <name>", "environment variable holding the client secret")
    .option("--client-secret-file <path>", "file holding the client secret")
    .option("--authority <url>", "token authority (default Microsoft Entra ID)")
    .option("--ca-file <path>", "extra CA certificate (PEM) to trust")
    .option("--bc-url <url>", "Business Central API URL")
    .option("--bc-tenant-id <id>", "Business Central tenant (default: --tenant-id)")
    .option("--environment <name>", "Business Central environment")
    .option("--sales-url <url>", "Dynamics 365 Sales URL for opening coupled records")
    .option("--item-availability", "synchronize item availability every 30 minutes")
    .option("--legacy-sales-orders", "enable legacy sales order integration (Sales → BC)")
    .option("--bidirectional-sales-orders", "synchronize sales orders in both directions")
    .option("--auto-create-sales-orders", "create BC sales orders from submitted Sales orders (legacy mode)")
    .option("--auto-process-sales-quotes", "process Sales quotes in BC when activated")
    .option("--no-unit-groups", "one unit per unit group instead of multiple units of measure")
    .option("--no-solution", "do not install the integration solution")
    .option("--reinstall-solution", "reinstall the integration solution (resets the roles' privileges)")
    .option("--ownership <model>", "person or team ownership in Dataverse")
    .option("--disable", "write the connection disabled")
    .option("--yes", "confirm resetting custom mappings to the defaults")
    .option("--json", "JSON output")
    .action(lazy(() => import("../commands/setup.ts"), "setupAction"));
}
