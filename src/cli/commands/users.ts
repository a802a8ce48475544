// `bcsync users`: the administrator accounts of the console and the REST API. `add` makes one (a generated password
// printed once unless --password-env names one), `reset-password` gives a new one (every session of the user ends),
// `token` makes an API token for scripts and Prometheus (shown once; only its hash is kept).

import type { Command } from "commander";
import { type CommonCliOptions, withStore } from "../../integration/cli.ts";
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

export async function usersAction(options: UsersCliOptions): Promise<void> {
  await withStore(options, async (store) => {
    const count = await store.accounts.count();
    if (options.json) printJson({ accounts: count });
    else process.stdout.write(`${count} administrator account(s); add one with \`npx bcsync users add NAME\`\n`);
  });
}

export async function addUserAction(name: string, _local: UsersCliOptions, command: Command): Promise<void> {
  const options = command.optsWithGlobals<UsersCliOptions>();
  await withStore(options, async (store) => {
    const given = passwordOf(options);
    const password = await addUser(store, name, given);
    report(options, name, given ? undefined : password);
  });
}

export async function resetPasswordAction(name: string, _local: UsersCliOptions, command: Command): Promise<void> {
  const options = command.optsWithGlobals<UsersCliOptions>();
  await withStore(options, async (store) => {
    const given = passwordOf(options);
    const password = await resetPassword(store, name, given);
    report(options, name, given ? undefined : password);
  });
}

export async function tokenAction(
  name: string,
  _local: UsersCliOptions & { label: string },
  command: Command,
): Promise<void> {
  const options = command.optsWithGlobals<UsersCliOptions & { label: string }>();
  await withStore(options, async (store) => {
    const token = await createApiToken(store, name, options.label);
    if (options.json) printJson({ user: name, label: options.label, token });
    else process.stdout.write(`API token for ${name} (${options.label}), shown once:\n${token}\n`);
  });
}

function report(options: UsersCliOptions, name: string, generated: string | undefined): void {
  if (options.json) printJson({ user: name, ...(generated ? { password: generated } : {}) });
  else if (generated) process.stdout.write(`${name}: password ${generated} (shown once)\n`);
  else process.stdout.write(`${name}: password set\n`);
}
