// Who is calling: a browser session (an HTTP-only cookie holding a random id; the store keeps its SHA-256) or an
// API token (`Authorization: Bearer bcs_…`, for scripts and Prometheus). Requests that change something with a
// session must carry the CSRF token; token requests need none (no cookie a third-party page could ride on).
// `requireUser` guards every route but health, readiness, the API documentation and the sign-in itself.

import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import rateLimit from "@fastify/rate-limit";
import type {} from "@fastify/swagger";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import {
  bcsyncError,
  SERVER_CSRF_MISSING,
  SERVER_LOGIN_FAILED,
  SERVER_UNAUTHENTICATED,
} from "../../errors/catalogue.ts";
import type { Store, User } from "../../store/index.ts";
import { randomSecret, sha256, verifyPassword } from "../auth/secrets.ts";

export const SESSION_COOKIE = "bcsync_session";
const SESSION_HOURS = 12;
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

declare module "fastify" {
  interface FastifyRequest {
    user?: User;
    authenticatedBy?: "session" | "token";
  }
}

export interface AuthOptions {
  store: Store;
  /** Sign-in attempts per address and minute (default 5). */
  loginAttemptsPerMinute?: number;
}

export const authPlugin = fp(async (app: FastifyInstance, options: AuthOptions) => {
  const { store } = options;
  await app.register(cookie, { hook: "onRequest" });
  await app.register(csrf, { cookieOpts: { httpOnly: true, sameSite: "strict", path: "/", secure: "auto" } });
  await app.register(rateLimit, { global: false });

  app.addHook("onRequest", async (request) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    if (bearer) {
      const user = await store.accounts.tokenUser(sha256(bearer));
      if (user) {
        request.user = user;
        request.authenticatedBy = "token";
      }
      return;
    }
    const session = request.cookies[SESSION_COOKIE];
    if (!session) return;
    const user = await store.accounts.sessionUser(sha256(session));
    if (user) {
      request.user = user;
      request.authenticatedBy = "session";
    }
  });

  app.decorate("requireUser", async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.user) throw bcsyncError(SERVER_UNAUTHENTICATED, {});
    if (request.authenticatedBy === "session" && UNSAFE.has(request.method)) {
      await new Promise<void>((resolve, reject) =>
        app.csrfProtection(request, reply, (error?: Error) =>
          error ? reject(bcsyncError(SERVER_CSRF_MISSING, {})) : resolve(),
        ),
      );
    }
  });

  const loginSchema = {
    tags: ["session"],
    summary: "Sign in; sets the session cookie",
    body: {
      type: "object",
      required: ["username", "password"],
      additionalProperties: false,
      properties: { username: { type: "string", minLength: 1 }, password: { type: "string", minLength: 1 } },
    },
  };
  app.post<{ Body: { username: string; password: string } }>(
    "/api/v1/session",
    {
      schema: loginSchema,
      config: { rateLimit: { max: options.loginAttemptsPerMinute ?? 5, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const user = await store.accounts.byName(request.body.username);
      if (!user || !(await verifyPassword(user.passwordHash, request.body.password)))
        throw bcsyncError(SERVER_LOGIN_FAILED, {});
      // A new id at every sign-in: a session id planted before sign-in (fixation) is never the one that counts.
      const old = request.cookies[SESSION_COOKIE];
      if (old) await store.accounts.endSession(sha256(old));
      const id = randomSecret();
      const expires = new Date(Date.now() + SESSION_HOURS * 3_600_000);
      await store.accounts.createSession(sha256(id), user.id, expires.toISOString());
      reply.setCookie(SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: "strict",
        secure: "auto",
        path: "/",
        expires,
      });
      return { username: user.username, csrfToken: reply.generateCsrf() };
    },
  );

  app.get(
    "/api/v1/session",
    { schema: { tags: ["session"], summary: "Who is signed in, and the CSRF token for changes" } },
    async (request, reply) => {
      if (!request.user) throw bcsyncError(SERVER_UNAUTHENTICATED, {});
      return { username: request.user.username, csrfToken: reply.generateCsrf() };
    },
  );

  app.delete(
    "/api/v1/session",
    { schema: { tags: ["session"], summary: "Sign out" }, preValidation: app.requireUser },
    async (request, reply) => {
      const id = request.cookies[SESSION_COOKIE];
      if (id) await store.accounts.endSession(sha256(id));
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return { signedOut: true };
    },
  );
});

declare module "fastify" {
  interface FastifyInstance {
    requireUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}
