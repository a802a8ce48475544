// Administrator accounts of the live service, their browser sessions and API tokens. The repository stores and
// finds hashes only; hashing and the random values themselves live in src/server/auth/.

import { randomUUID } from "node:crypto";
import type { Executor } from "./executor.ts";
import { nowIso } from "./executor.ts";

export interface User {
  id: string;
  username: string;
  passwordHash: string;
}

export interface ApiToken {
  id: string;
  name: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export class AccountsRepository {
  constructor(private readonly db: Executor) {}

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async create(username: string, passwordHash: string): Promise<User> {
    const now = nowIso();
    const user = { id: randomUUID(), username, password_hash: passwordHash, created_at: now, updated_at: now };
    await this.db.insertInto("users").values(user).execute();
    return { id: user.id, username, passwordHash };
  }

  async byName(username: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : undefined;
  }

  async byId(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : undefined;
  }

  /** Sets a new password and ends every session of the user (a reset must lock out whoever had it). */
  async setPassword(userId: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable("users")
      .set({ password_hash: passwordHash, updated_at: nowIso() })
      .where("id", "=", userId)
      .execute();
    await this.db.deleteFrom("sessions").where("user_id", "=", userId).execute();
  }

  async createSession(idHash: string, userId: string, expiresAt: string): Promise<void> {
    await this.db
      .insertInto("sessions")
      .values({ id_hash: idHash, user_id: userId, created_at: nowIso(), expires_at: expiresAt })
      .execute();
  }

  /** The user of a live session; expired sessions are removed when met. */
  async sessionUser(idHash: string, now = new Date()): Promise<User | undefined> {
    const row = await this.db.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at <= now.toISOString()) {
      await this.endSession(idHash);
      return undefined;
    }
    return this.byId(row.user_id);
  }

  async endSession(idHash: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
  }

  async createToken(name: string, tokenHash: string, userId: string): Promise<ApiToken> {
    const token = { id: randomUUID(), name, token_hash: tokenHash, user_id: userId, created_at: nowIso() };
    await this.db
      .insertInto("api_tokens")
      .values({ ...token, last_used_at: null })
      .execute();
    return { id: token.id, name, userId, createdAt: token.created_at, lastUsedAt: null };
  }

  async tokenUser(tokenHash: string): Promise<User | undefined> {
    const row = await this.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    await this.db.updateTable("api_tokens").set({ last_used_at: nowIso() }).where("id", "=", row.id).execute();
    return this.byId(row.user_id);
  }
}
