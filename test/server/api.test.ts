// Issue 11: the REST API behind a sign-in. Every route but health, readiness, the documentation and the sign-in
// refuses an anonymous request; every state-changing route refuses a session request without the CSRF token;
// sign-ins are rate-limited; an API token works for scripts and Prometheus. In-process HTTP with inject().
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobQueueControl } from "../../src/jobs/control.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { buildServer, PUBLIC_ROUTES } from "../../src/server/app.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { ServiceMetrics } from "../../src/server/plugins/metrics.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";

let h: Harness;
let app: FastifyInstance;
let admin: { username: string; password: string };

beforeAll(async () => {
  h = await startIntegration();
  const made = await ensureAdminAccount(h.ctx.store);
  if (!made) throw new Error("no admin made");
  admin = made;
  const waker = new ChangeWaker({ store: h.ctx.store, debounceMs: 0 });
  app = await buildServer({
    ctx: h.ctx,
    jobs: new JobQueueControl(h.ctx.store, waker),
    wake: (mapping) => waker.wake(mapping),
    metrics: new ServiceMetrics(h.ctx.store, { dataverse: () => h.ctx.dataverse.metrics() }),
    ready: () => true,
    loginAttemptsPerMinute: 3,
  });
  await app.ready();
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const guarded = () => app.routeList.filter((r) => r.method !== "HEAD" && !PUBLIC_ROUTES.some((p) => p.test(r.url)));
const concrete = (url: string) => url.replace(/:(\w+)/g, "x");

async function signIn(): Promise<{ cookie: string; csrfToken: string; csrfCookie: string }> {
  const r = await app.inject({ method: "POST", url: "/api/v1/session", payload: admin });
  expect(r.statusCode, r.body).toBe(200);
  const cookies = r.cookies as { name: string; value: string }[];
  const cookie = cookies.find((c) => c.name === "bcsync_session")?.value ?? "";
  const csrfCookie = cookies.find((c) => c.name === "_csrf")?.value ?? "";
  return { cookie, csrfToken: r.json().csrfToken, csrfCookie };
}

describe("sign-in rules for every route", () => {
  it("the service has guarded routes (the list is not empty)", () => {
    expect(guarded().length).toBeGreaterThan(10);
  });

  it("every guarded route refuses an anonymous request with BCSYNC_E_SERVER_UNAUTHENTICATED", async () => {
    for (const route of guarded()) {
      const r = await app.inject({ method: route.method as "GET", url: concrete(route.url), payload: {} });
      expect(r.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(r.json().error.code, `${route.method} ${route.url}`).toBe("BCSYNC_E_SERVER_UNAUTHENTICATED");
    }
  });

  it("every state-changing route refuses a session without the CSRF token", async () => {
    const { cookie } = await signIn();
    const unsafe = guarded().filter((r) => UNSAFE.has(r.method));
    expect(unsafe.length).toBeGreaterThan(3);
    for (const route of unsafe) {
      const r = await app.inject({
        method: route.method as "POST",
        url: concrete(route.url),
        cookies: { bcsync_session: cookie },
        payload: {},
      });
      expect(r.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(r.json().error.code).toBe("BCSYNC_E_SERVER_CSRF_MISSING");
    }
  });

  it("a signed-in session reads the status and, with the CSRF token, puts a job on hold and resumes it", async () => {
    const { cookie, csrfToken, csrfCookie } = await signIn();
    const status = await app.inject({ method: "GET", url: "/api/v1/status", cookies: { bcsync_session: cookie } });
    expect(status.statusCode).toBe(200);
    expect(status.json().mappings).toBeGreaterThan(5);
    const [job] = (await app.inject({ url: "/api/v1/jobs", cookies: { bcsync_session: cookie } })).json();
    const hold = await app.inject({
      method: "POST",
      url: `/api/v1/jobs/${job.id}/hold`,
      cookies: { bcsync_session: cookie, _csrf: csrfCookie },
      headers: { "x-csrf-token": csrfToken },
    });
    expect(hold.statusCode, hold.body).toBe(200);
    expect(hold.json().status).toBe("on_hold");
    const resume = await app.inject({
      method: "POST",
      url: `/api/v1/jobs/${job.id}/resume`,
      cookies: { bcsync_session: cookie, _csrf: csrfCookie },
      headers: { "x-csrf-token": csrfToken },
    });
    expect(resume.json().status).toBe("ready");
  });

  it("an API token works without a cookie or CSRF token, for /metrics too", async () => {
    const { cookie, csrfToken, csrfCookie } = await signIn();
    const made = await app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      cookies: { bcsync_session: cookie, _csrf: csrfCookie },
      headers: { "x-csrf-token": csrfToken },
      payload: { name: "prometheus" },
    });
    const { token } = made.json();
    expect(token).toMatch(/^bcs_/);
    const metrics = await app.inject({ url: "/metrics", headers: { authorization: `Bearer ${token}` } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain("bcsync_queue_entries");
    const stored = await h.ctx.store.db.selectFrom("api_tokens").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it("sign-ins are rate-limited, and a wrong password never says which part was wrong", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({
        method: "POST",
        url: "/api/v1/session",
        payload: { username: admin.username, password: "wrong" },
        remoteAddress: "10.9.9.9",
      });
      codes.push(r.statusCode);
      if (r.statusCode === 401) expect(r.json().error.code).toBe("BCSYNC_E_SERVER_LOGIN_FAILED");
    }
    expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
    expect(codes.slice(3)).toEqual([429, 429]);
  });

  it("health and readiness need no sign-in", async () => {
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/readyz" })).json().status).toBe("ready");
  });
});
