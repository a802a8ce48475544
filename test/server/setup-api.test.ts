// Issue 12: the assisted setup's REST routes, in-process with inject() against the emulators. Each route refuses an
// anonymous request and (for changes) a session without the CSRF token; the answers are checked by the wizard's own
// rules; the connection test says each service's result in words; the secret goes to a file and never comes back;
// saving applies the settings as `bcsync setup` does and the service uses them at once.
import { readFileSync, statSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";
import { buildTestServer, signIn } from "./helpers.ts";

let h: Harness;
let app: FastifyInstance;
let session: { cookies: Record<string, string>; headers: Record<string, string> };

const SETUP_ROUTES = [
  { method: "GET", url: "/api/v1/setup" },
  { method: "PUT", url: "/api/v1/setup" },
  { method: "POST", url: "/api/v1/setup/check" },
  { method: "POST", url: "/api/v1/setup/test" },
  { method: "GET", url: "/api/v1/setup/companies" },
  { method: "GET", url: "/api/v1/setup/solution" },
  { method: "POST", url: "/api/v1/setup/solution" },
] as const;

beforeAll(async () => {
  h = await startIntegration();
  const admin = await ensureAdminAccount(h.ctx.store);
  if (!admin) throw new Error("no admin made");
  app = await buildTestServer(h.ctx);
  session = await signIn(app, admin);
}, 180_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

/** The answers of the connection in use, as the page starts from them. */
async function current() {
  const r = await app.inject({ url: "/api/v1/setup", cookies: session.cookies });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as {
    connection: Record<string, string>;
    secret: string;
    settings: Record<string, unknown>;
  };
}

function answersOf(connection: Record<string, string>, extra: Record<string, string> = {}) {
  const { companyName: _name, ...answers } = connection;
  return Object.fromEntries(Object.entries({ ...answers, ...extra }).filter(([, v]) => v !== ""));
}

describe("assisted setup routes", () => {
  it("every setup route refuses an anonymous request, and every change a session without the CSRF token", async () => {
    for (const route of SETUP_ROUTES) {
      expect(
        app.routeList.some((r) => r.method === route.method && r.url === route.url),
        route.url,
      ).toBe(true);
      const anonymous = await app.inject({ method: route.method, url: route.url, payload: {} });
      expect(anonymous.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(anonymous.json().error.code).toBe("BCSYNC_E_SERVER_UNAUTHENTICATED");
      if (route.method === "GET") continue;
      const noCsrf = await app.inject({ method: route.method, url: route.url, cookies: session.cookies, payload: {} });
      expect(noCsrf.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(noCsrf.json().error.code).toBe("BCSYNC_E_SERVER_CSRF_MISSING");
    }
  });

  it("is in the OpenAPI document with its schemas", async () => {
    const doc = (await app.inject({ url: "/docs/json" })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(doc.paths["/api/v1/setup"]?.put?.requestBody).toBeDefined();
    expect(doc.paths["/api/v1/setup/test"]?.post?.requestBody).toBeDefined();
    expect(doc.paths["/api/v1/setup/solution"]?.get).toBeDefined();
  });

  it("shows the connection in use and where its secret is kept, never the secret", async () => {
    const setup = await current();
    expect(setup.connection.dataverseUrl).toBe(h.emulators.info.dataverse.url);
    expect(setup.connection.companyId).toBe(h.ctx.companyId);
    expect(setup.secret).toBe("a secret file under the data directory");
    const secret = readFileSync(String(h.ctx.config.dataverse?.credentials.clientSecretFile), "utf8").trim();
    const body = JSON.stringify(setup);
    expect(body).not.toContain(secret);
  });

  it("checks each answer with the wizard's rules", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/api/v1/setup/check",
      ...session,
      payload: { dataverseUrl: "not a url", clientId: "", tenantId: "contoso.onmicrosoft.com", caFile: "/nope.pem" },
    });
    expect(r.statusCode, r.body).toBe(200);
    const { problems } = r.json() as { problems: Record<string, string> };
    expect(problems.dataverseUrl).toBe("Expected a URL such as https://contoso.crm4.dynamics.com.");
    expect(problems.clientId).toMatch(/Application \(client\) ID/);
    expect(problems.caFile).toBe("Expected a file that exists (/nope.pem does not).");
    expect(problems.tenantId).toBeUndefined();
  });

  it("tests the connection: each service's result in words, the companies to choose from", async () => {
    const { connection } = await current();
    const good = await app.inject({
      method: "POST",
      url: "/api/v1/setup/test",
      ...session,
      payload: answersOf(connection),
    });
    expect(good.statusCode, good.body).toBe(200);
    const report = good.json();
    expect(report.dataverse).toMatchObject({ ok: true, text: expect.stringMatching(/^Connected as application user/) });
    expect(report.businessCentral.ok).toBe(true);
    expect(report.businessCentral.companies.map((c: { name: string }) => c.name)).toEqual(
      h.emulators.info.businessCentral.companies.map((c) => c.name),
    );
    expect(report.companyFound).toBe(true);

    // A wrong secret typed in the page: both services say the login was refused, and the secret is not echoed.
    const bad = await app.inject({
      method: "POST",
      url: "/api/v1/setup/test",
      ...session,
      payload: answersOf(connection, { clientSecret: "wrong-secret-value" }),
    });
    expect(bad.statusCode, bad.body).toBe(200);
    expect(bad.json().dataverse.ok).toBe(false);
    expect(bad.json().businessCentral.ok).toBe(false);
    expect(bad.json().dataverse.text.length).toBeGreaterThan(10);
    expect(bad.body).not.toContain("wrong-secret-value");

    const invalid = await app.inject({
      method: "POST",
      url: "/api/v1/setup/test",
      ...session,
      payload: answersOf(connection, { bcUrl: "ftp:/x" }),
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe("BCSYNC_E_SERVER_SETUP_ANSWERS_INVALID");
    expect(invalid.json().error.message).toContain("bcUrl: Expected");
  });

  it("lists the companies and checks the integration solution", async () => {
    const companies = await app.inject({ url: "/api/v1/setup/companies", cookies: session.cookies });
    expect(companies.json().some((c: { id: string }) => c.id.toLowerCase() === h.ctx.companyId.toLowerCase())).toBe(
      true,
    );
    const solution = await app.inject({ url: "/api/v1/setup/solution", cookies: session.cookies });
    expect(solution.statusCode, solution.body).toBe(200);
    expect(solution.json()).toMatchObject({ installed: true, navConnection: true });
    expect(solution.json().roles.every((r: { assigned: boolean }) => r.assigned)).toBe(true);
  });

  it("saves: a typed secret goes to a file only its owner reads, item availability gets its job at once", async () => {
    const { connection } = await current();
    const secretFile = String(h.ctx.config.dataverse?.credentials.clientSecretFile);
    const secret = readFileSync(secretFile, "utf8").trim();
    const saved = await app.inject({
      method: "PUT",
      url: "/api/v1/setup",
      ...session,
      payload: {
        connection: answersOf(connection, { clientSecret: secret }),
        settings: {
          installSolution: true,
          itemAvailability: true,
          salesOrderMode: "bidirectional",
          autoCreateSalesOrders: false,
          autoProcessSalesQuotes: false,
        },
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ restartNeeded: false, settings: { itemAvailability: true } });
    expect(saved.body).not.toContain(secret);
    const file = readFileSync(h.configPath, "utf8");
    expect(file).not.toContain(secret);
    const written = JSON.parse(file).dataverse.credentials.clientSecretFile as string;
    expect(statSync(written).mode & 0o777).toBe(0o600);
    expect(h.ctx.settings.itemAvailability).toBe(true);
    expect(h.ctx.settings.bidirectionalSalesOrders).toBe(true);
    const queue = await h.ctx.store.queue.list();
    expect(queue.some((e) => /availability/i.test(`${e.kind} ${e.description}`))).toBe(true);
    expect(h.ctx.mappings.find((m) => m.name === "SALESORDER-ORDER")?.direction).toBe("bidirectional");
  });

  it("refuses auto-created orders outside legacy mode with the catalogued rule", async () => {
    const { connection } = await current();
    const r = await app.inject({
      method: "PUT",
      url: "/api/v1/setup",
      ...session,
      payload: {
        connection: answersOf(connection),
        settings: {
          installSolution: false,
          itemAvailability: false,
          salesOrderMode: "bidirectional",
          autoCreateSalesOrders: true,
          autoProcessSalesQuotes: false,
        },
      },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe("BCSYNC_E_INTEGRATION_AUTO_CREATE_NEEDS_LEGACY");
  });

  it("a save that fails (a wrong secret) leaves the secret file and the configuration as they were", async () => {
    const { connection } = await current();
    const secretFile = String(JSON.parse(readFileSync(h.configPath, "utf8")).dataverse.credentials.clientSecretFile);
    const secret = readFileSync(secretFile, "utf8");
    const file = readFileSync(h.configPath, "utf8");
    const r = await app.inject({
      method: "PUT",
      url: "/api/v1/setup",
      ...session,
      payload: {
        connection: answersOf(connection, { clientSecret: "not-the-secret" }),
        settings: {
          installSolution: false,
          itemAvailability: false,
          salesOrderMode: "none",
          autoCreateSalesOrders: false,
          autoProcessSalesQuotes: false,
        },
      },
    });
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.json().error.code).toMatch(/^BCSYNC_E_/);
    expect(r.body).not.toContain("not-the-secret");
    expect(readFileSync(secretFile, "utf8")).toBe(secret);
    expect(readFileSync(h.configPath, "utf8")).toBe(file);
    expect(h.ctx.settings.itemAvailability).toBe(true);
  });

  it("connecting another company is saved and says the service must restart; the running one keeps its company", async () => {
    const { connection } = await current();
    const other = h.emulators.info.businessCentral.companies.find(
      (c) => c.id.toLowerCase() !== h.ctx.companyId.toLowerCase(),
    );
    if (!other) throw new Error("the emulators have one company");
    const r = await app.inject({
      method: "PUT",
      url: "/api/v1/setup",
      ...session,
      payload: {
        connection: answersOf(connection, { companyId: other.id }),
        settings: {
          installSolution: true,
          itemAvailability: false,
          salesOrderMode: "none",
          autoCreateSalesOrders: false,
          autoProcessSalesQuotes: false,
        },
      },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().restartNeeded).toBe(true);
    const written = JSON.parse(readFileSync(h.configPath, "utf8")).businessCentral;
    expect(written).toMatchObject({ companyId: other.id, companyName: other.name });
    expect(h.ctx.config.businessCentral?.companyId).toBe(h.ctx.companyId);
    const setup = await current();
    expect(setup.connection.companyId).toBe(other.id);
  });
});
