// Issue 12: the REST routes behind the console's full synchronization review, overview chart, live progress and
// settings, in-process with inject() against the emulators. Each refuses an anonymous request and (for changes) a
// session without the CSRF token; each answers with what the store holds.
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { activityOf } from "../../src/server/api/activity.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import type { SyncJob } from "../../src/store/index.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";
import { buildTestServer, signIn } from "./helpers.ts";

let h: Harness;
let app: FastifyInstance;
let session: { cookies: Record<string, string>; headers: Record<string, string> };

const ROUTES = [
  { method: "GET", url: "/api/v1/review" },
  { method: "POST", url: "/api/v1/review/sync-all" },
  { method: "POST", url: "/api/v1/review/CUSTOMER/restart" },
  { method: "POST", url: "/api/v1/review/CUSTOMER/recommend-full" },
  { method: "GET", url: "/api/v1/activity" },
  { method: "GET", url: "/api/v1/progress" },
  { method: "GET", url: "/api/v1/settings" },
  { method: "PUT", url: "/api/v1/settings/service" },
  { method: "PUT", url: "/api/v1/settings/mappings/CUSTOMER" },
] as const;

beforeAll(async () => {
  h = await startIntegration();
  // As the demo does: customers' salespeople resolve to Sales users, so CUSTOMER can finish in the review.
  await coupleDemoSalespeople(h.ctx);
  const admin = await ensureAdminAccount(h.ctx.store);
  if (!admin) throw new Error("no admin made");
  app = await buildTestServer(h.ctx);
  session = await signIn(app, admin);
}, 180_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const get = (url: string) => app.inject({ url, cookies: session.cookies });

describe("console routes: review, activity, progress, settings", () => {
  it("each refuses an anonymous request, and each change a session without the CSRF token", async () => {
    for (const route of ROUTES) {
      const anonymous = await app.inject({ method: route.method, url: route.url, payload: {} });
      expect(anonymous.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(anonymous.json().error.code).toBe("BCSYNC_E_SERVER_UNAUTHENTICATED");
      if (route.method === "GET") continue;
      const noCsrf = await app.inject({ method: route.method, url: route.url, cookies: session.cookies, payload: {} });
      expect(noCsrf.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(noCsrf.json().error.code).toBe("BCSYNC_E_SERVER_CSRF_MISSING");
    }
    // Nothing ran: the refused requests changed nothing.
    expect((await h.ctx.store.review.list()).every((l) => !l.queueStatus)).toBe(true);
  });

  it("the review lists every mapping not started, runs the full synchronization in the background, and shows the outcome", async () => {
    const before = (await get("/api/v1/review")).json();
    expect(before.running).toBe(false);
    expect(before.lines.length).toBeGreaterThan(5);
    expect(before.lines.every((l: { state: string }) => l.state === "")).toBe(true);
    expect(before.lines[0].recommendation).toBeTruthy();

    const started = await app.inject({ method: "POST", url: "/api/v1/review/sync-all", ...session });
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json().running).toBe(true);
    await expect
      .poll(async () => (await get("/api/v1/review")).json().running, { timeout: 240_000, interval: 250 })
      .toBe(false);
    const after = (await get("/api/v1/review")).json();
    expect(after.error).toBeNull();
    const customer = after.lines.find((l: { mapping: string }) => l.mapping === "CUSTOMER");
    expect(customer.state).toBe("Finished");
    expect(customer.toDataverse.job.coupled + customer.toDataverse.job.inserted).toBeGreaterThan(0);
    expect(customer.jobQueueStatus).toBeTruthy();
    const stored = (await h.ctx.store.review.list()).find((l) => l.mappingName === "CUSTOMER");
    expect(stored?.queueStatus).toBe("Finished");

    const unknown = await app.inject({ method: "POST", url: "/api/v1/review/NOPE/restart", ...session });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("BCSYNC_E_INTEGRATION_UNKNOWN_MAPPING");
  }, 300_000);

  it("activity sums the sync log's runs into buckets; progress shows the running ones with their counters", async () => {
    const activity = (await get("/api/v1/activity?hours=24")).json();
    const jobs = (await h.ctx.store.jobs.list({ limit: 5000 })).filter((j) => !j.dryRun);
    const synced = jobs.reduce((n, j) => n + j.inserted + j.modified + j.deleted + j.coupled, 0);
    expect(activity.synced.reduce((a: number, b: number) => a + b, 0)).toBe(synced);
    expect(activity.times.length).toBe(activity.synced.length);
    expect(activity.bucketSeconds).toBe(3600); // 24 points: the smallest bucket that gives at most 60

    expect((await get("/api/v1/progress")).json().running).toEqual([]);
    const job = await h.ctx.store.jobs.start({ mappingName: "CONTACT", direction: "toDataverse" });
    await h.ctx.store.jobs.count(job.id, { inserted: 4 });
    const progress = (await get("/api/v1/progress")).json();
    expect(progress.running).toMatchObject([{ id: job.id, mapping: "CONTACT", inserted: 4 }]);
    await h.ctx.store.jobs.finish(job.id, { status: "succeeded" });
    expect((await get("/api/v1/progress")).json().running).toEqual([]);

    const bad = await get("/api/v1/activity?hours=0");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("BCSYNC_E_SERVER_BAD_REQUEST");
  });

  it("activityOf puts each run in its bucket and leaves dry runs and runs outside the window out", () => {
    const now = new Date("2026-01-01T12:00:00Z");
    const run = (startedAt: string, inserted: number, dryRun = false) =>
      ({ startedAt, inserted, modified: 1, deleted: 0, coupled: 0, failed: 1, dryRun }) as unknown as SyncJob;
    const a = activityOf(
      [
        run("2026-01-01T11:58:00Z", 5),
        run("2026-01-01T11:10:00Z", 2),
        run("2026-01-01T11:59:00Z", 100, true),
        run("2025-12-31T10:00:00Z", 50),
      ],
      now,
      1,
    );
    expect(a.bucketSeconds).toBe(60);
    expect(a.synced.reduce((x, y) => x + y, 0)).toBe(5 + 1 + 2 + 1);
    expect(a.failed.reduce((x, y) => x + y, 0)).toBe(2);
    expect(a.synced.at(-2)).toBe(6); // 11:58 falls in the last bucket but one (11:58–11:59)
    expect(a.times[1] - a.times[0]).toBe(60);
  });

  it("settings: service settings go to the configuration file, a mapping's policies are used at once", async () => {
    const settings = (await get("/api/v1/settings")).json();
    expect(settings.service.jobs.pollSeconds).toBe(h.ctx.config.jobs.pollSeconds);
    expect(settings.service.triggers).not.toHaveProperty("secretEnv");
    expect(settings.mappings.find((m: { mapping: string }) => m.mapping === "CUSTOMER")).toMatchObject({
      updateConflict: "none",
    });

    const saved = await app.inject({
      method: "PUT",
      url: "/api/v1/settings/service",
      ...session,
      payload: {
        jobs: { pollSeconds: 7 },
        triggers: { publicUrl: "https://bcsync.example.com" },
        log: { level: "warn" },
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({
      restartNeeded: true,
      service: { jobs: { pollSeconds: 7 }, log: { level: "warn" } },
    });
    const file = JSON.parse(readFileSync(h.configPath, "utf8"));
    expect(file.jobs.pollSeconds).toBe(7);
    expect(file.triggers.publicUrl).toBe("https://bcsync.example.com");
    expect(file.dataverse.url).toBe(h.ctx.config.dataverse?.url);

    const invalid = await app.inject({
      method: "PUT",
      url: "/api/v1/settings/service",
      ...session,
      payload: { triggers: { publicUrl: "not a url" } },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe("BCSYNC_E_CONFIG_INVALID");
    expect(JSON.parse(readFileSync(h.configPath, "utf8")).triggers.publicUrl).toBe("https://bcsync.example.com");

    const policy = await app.inject({
      method: "PUT",
      url: "/api/v1/settings/mappings/customer",
      ...session,
      payload: { deletionConflict: "removeCoupling", massDeleteThreshold: 3 },
    });
    expect(policy.statusCode, policy.body).toBe(200);
    expect(policy.json()).toMatchObject({
      mapping: "CUSTOMER",
      deletionConflict: "removeCoupling",
      massDeleteThreshold: 3,
    });
    expect(h.ctx.mappings.find((m) => m.name === "CUSTOMER")?.massDeleteThreshold).toBe(3);
    const stored = (await h.ctx.store.mappings.list()).find((m) => m.name === "CUSTOMER") as {
      deletionConflict?: string;
    };
    expect(stored.deletionConflict).toBe("removeCoupling");
  });
});
