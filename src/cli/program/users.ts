// The `users` command's definition; its implementation (../commands/users.ts) loads when it runs (./lazy.ts).
import type { Command } from "commander";
import { withCommonOptions } from "../options.ts";
import { lazy } from "./lazy.ts";

export function registerUsersCommand(program: Command): void {
  const users = withCommonOptions(
    program
      .command("users")
      .description("Administrator accounts of the console and the REST API: add, reset-password, token.")
      .option("--json", "JSON output"),
  ).action(lazy(() => import("../commands/users.ts"), "usersAction"));
  users
    .command("add")
    .description("Add an administrator; prints its generated password once.")
    .argument("<name>", "user name")
    .option("--password-env <var>", "take the password from this environment variable instead")
    .action(lazy(() => import("../commands/users.ts"), "addUserAction"));
  users
    .command("reset-password")
    .description("Give an administrator a new password (generated unless --password-env); its sessions end.")
    .argument("<name>", "user name")
    .option("--password-env <var>", "take the password from this environment variable instead")
    .action(lazy(() => import("../commands/users.ts"), "resetPasswordAction"));
  users
    .command("token")
    .description("Make an API token for scripts and Prometheus (Authorization: Bearer …); shown once.")
    .argument("<name>", "the administrator the token acts as")
    .option("--label <text>", "what the token is for", "script")
    .action(lazy(() => import("../commands/users.ts"), "tokenAction"));
}
