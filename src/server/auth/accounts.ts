// Administrator accounts of the console and the REST API. `bcsync setup` makes the first one (a generated password,
// printed once); `bcsync users` adds more, resets passwords and makes API tokens.

import { bcsyncError, SERVER_NOT_FOUND, SERVER_USER_EXISTS } from "../../errors/catalogue.ts";
import type { Store } from "../../store/index.ts";
import { generatePassword, hashPassword, randomSecret, sha256 } from "./secrets.ts";

export const FIRST_ADMIN = "admin";

/** Creates the first administrator when there is none; returns its one-time password, or undefined. */
export async function ensureAdminAccount(store: Store): Promise<{ username: string; password: string } | undefined> {
  if ((await store.accounts.count()) > 0) return undefined;
  const password = generatePassword();
  await store.accounts.create(FIRST_ADMIN, await hashPassword(password));
  return { username: FIRST_ADMIN, password };
}

export async function addUser(store: Store, username: string, password = generatePassword()): Promise<string> {
  if (await store.accounts.byName(username)) throw bcsyncError(SERVER_USER_EXISTS, { username });
  await store.accounts.create(username, await hashPassword(password));
  return password;
}

/** A new password (generated unless given); every session of the user ends. */
export async function resetPassword(store: Store, username: string, password = generatePassword()): Promise<string> {
  const user = await store.accounts.byName(username);
  if (!user) throw bcsyncError(SERVER_NOT_FOUND, { what: `User ${username}` });
  await store.accounts.setPassword(user.id, await hashPassword(password));
  return password;
}

/** An API token for scripts and Prometheus; only its hash is kept, so it is shown once. */
export async function createApiToken(store: Store, username: string, name: string): Promise<string> {
  const user = await store.accounts.byName(username);
  if (!user) throw bcsyncError(SERVER_NOT_FOUND, { what: `User ${username}` });
  const token = `bcs_${randomSecret()}`;
  await store.accounts.createToken(name, sha256(token), user.id);
  return token;
}
