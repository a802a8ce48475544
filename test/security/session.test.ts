// Issue 14, "Security": session fixation on the REST API and the console. A session id set in the browser before
// sign-in (planted by someone else, or the attacker's own signed-in session) must not be the session after sign-in,
// and must not work afterwards. (Anonymous access, CSRF and the sign-in rate limit are in test/server/api.test.ts.)
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { SESSION_COOKIE } from "../../src/server/plugins/auth.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";
import { buildTestServer } from "../server/helpers.ts";

let h: Harness;
let app: FastifyInstance;
let admin: { username: string; password: string };

beforeAll(async () => {
  h = await startIntegration();
  const made = await ensureAdminAccount(h.ctx.store);
  if (!made) throw new Error("no admin made");
  admin = made;
  app = await buildTestServer(h.ctx);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

async function signInWith(cookie: string | undefined) {
  const r = await app.inject({
    method: "POST",
    url: "/api/v1/session",
    payload: admin,
    ...(cookie ? { cookies: { [SESSION_COOKIE]: cookie } } : {}),
  });
  expect(r.statusCode, r.body).toBe(200);
  const set = (r.cookies as { name: string; value: string; httpOnly?: boolean; sameSite?: string }[]).find(
    (c) => c.name === SESSION_COOKIE,
  );
  expect(set, "sign-in sets a session cookie").toBeDefined();
  return set!;
}

const whoAmI = (cookie: string) =>
  app.inject({ method: "GET", url: "/api/v1/session", cookies: { [SESSION_COOKIE]: cookie } });

describe("session fixation", () => {
  it("a session id planted before sign-in is replaced by a new one, and never signs anyone in", async () => {
    const planted = "planted-session-id-0123456789abcdef";
    const session = await signInWith(planted);
    expect(session.value).not.toBe(planted);
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite?.toLowerCase()).toBe("strict");
    expect((await whoAmI(session.value)).statusCode).toBe(200);
    expect((await whoAmI(planted)).statusCode).toBe(401);
  });

  it("a signed-in session carried into another sign-in is ended: the old id stops working", async () => {
    const first = await signInWith(undefined);
    expect((await whoAmI(first.value)).statusCode).toBe(200);
    // The attacker's own session, planted in the victim's browser before the victim signs in.
    const second = await signInWith(first.value);
    expect(second.value).not.toBe(first.value);
    expect((await whoAmI(second.value)).statusCode).toBe(200);
    expect((await whoAmI(first.value)).statusCode).toBe(401);
  });

  it("signing out ends the session on the server, not only in the browser", async () => {
    const session = await signInWith(undefined);
    // The CSRF token and its cookie come from one answer.
    const me = await whoAmI(session.value);
    const csrf = me.json().csrfToken as string;
    const csrfCookie = (me.cookies as { name: string; value: string }[]).find((c) => c.name === "_csrf")?.value;
    const out = await app.inject({
      method: "DELETE",
      url: "/api/v1/session",
      cookies: { [SESSION_COOKIE]: session.value, ...(csrfCookie ? { _csrf: csrfCookie } : {}) },
      headers: { "x-csrf-token": csrf },
    });
    expect(out.statusCode, out.body).toBe(200);
    expect((await whoAmI(session.value)).statusCode).toBe(401);
  });
});
