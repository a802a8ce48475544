// `bcsync users`: the administrator accounts of the console and the REST API. `add` makes one (a generated password
// printed once unless --password-env names one), `reset-password` gives a new one (every session of the user ends),
// `token` makes an API token for scripts and Prometheus (shown once; only its hash is kept).

import type { Command } from "commander";
import { type CommonCliOptions, withCommonOptions, withStore } from "../../integration/cli.ts";
import { addUser, createApiToken, resetPassword } from "../../server/auth/accounts.ts";
import { printJson } from "../output.ts";

interface UsersCliOptions extends CommonCliOptions {
  json?: boolean;
  passwordEnv?: string;
}

/** A password from the named environment variable (never a command-line argument: shells keep history). */
function passwordOf(options: UsersCliOptions): string | undefined {
  if (!options.passwordEnv) return undefined;
  const value = process.env[options.passwordEnv];
  if (!value) throw new Error(`environment variable ${options.passwordEnv} is empty or not set`);
  return value;
}

export function registerUsersCommand(program: Command): void {
  const users = withCommonOptions(
    program
      .command("users")
      .description("Administrator accounts of the console and the REST API: add, reset-password, token.")
      .option("--json", "JSON output"),
  ).action(async (options: UsersCliOptions) => {
    await withStore(options, async (store) => {
      const count = await store.accounts.count();
      if (options.json) printJson({ accounts: count });
      else process.stdout.write(`${count} administrator account(s); add one with \`npx bcsync users add NAME\`\n`);
    });
  });
  users
    .command("add")
    .description("Add an administrator; prints its generated password once.")
    .argument("<name>", "user name")
    .option("--password-env <var>", "take the password from this environment variable instead")
    .action(async (name: string, _local: UsersCliOptions, command: Command) => {
      const options = command.optsWithGlobals<UsersCliOptions>();
      await withStore(options, async (store) => {
        const given = passwordOf(options);
        const password = await addUser(store, name, given);
        report(options, name, given ? undefined : password);
      });
    });
  users
    .command("reset-password")
    .description("Give an administrator a new password (generated unless --password-env); its sessions end.")
    .argument("<name>", "user name")
    .option("--password-env <var>", "take the password from this environment variable instead")
    .action(async (name: string, _local: UsersCliOptions, command: Command) => {
      const options = command.optsWithGlobals<UsersCliOptions>();
      await withStore(options, async (store) => {
        const given = passwordOf(options);
        const password = await resetPassword(store, name, given);
        report(options, name, given ? undefined : password);
      });
    });
  users
    .command("token")
    .description("Make an API token for scripts and Prometheus (Authorization: Bearer …); shown once.")
    .argument("<name>", "the administrator the token acts as")
    .option("--label <text>", "what the token is for", "script")
    .action(async (name: string, _local: UsersCliOptions & { label: string }, command: Command) => {
      const options = command.optsWithGlobals<UsersCliOptions & { label: string }>();
      await withStore(options, async (store) => {
        const token = await createApiToken(store, name, options.label);
        if (options.json) printJson({ user: name, label: options.label, token });
        else process.stdout.write(`API token for ${name} (${options.label}), shown once:\n${token}\n`);
      });
    });
}

function report(options: UsersCliOptions, name: string, generated: string | undefined): void {
  if (options.json) printJson({ user: name, ...(generated ? { password: generated } : {}) });
  else if (generated) process.stdout.write(`${name}: password ${generated} (shown once)\n`);
  else process.stdout.write(`${name}: password set\n`);
}
