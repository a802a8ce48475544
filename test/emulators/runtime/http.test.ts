// The shared request pipeline on a real Fastify server over HTTP: token checks, limits (429 with Retry-After,
// the queue), injected faults (500, 503, dropped connections), raw bodies and the caller's claims.

import { X509Certificate } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { Agent, fetch } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP, DEMO_INTEGRATION_APP_2 } from "../../../emulators/identity/demo-apps.ts";
import { type IdentityEmulator, startIdentityEmulator } from "../../../emulators/identity/index.ts";
import { FaultInjector } from "../../../emulators/runtime/faults.ts";
import {
  acceptRawBodies,
  installPipeline,
  type PipelineOptions,
  principalOf,
  type Rejection,
} from "../../../emulators/runtime/http.ts";
import { DATAVERSE_LIMITS, ServiceProtection } from "../../../emulators/runtime/limits.ts";
import { generateCertificate } from "../../../emulators/runtime/tls.ts";

interface Harness {
  app: FastifyInstance;
  url: string;
  /** Resolves the handler of the n-th request that waits on the gate. */
  gates: (() => void)[];
  /** Resolves once `n` requests are waiting on the gate. */
  waitingFor(n: number): Promise<void>;
}

const formatRejection = (rejection: Rejection) => ({
  status: rejection.kind === "auth" ? 401 : rejection.kind === "limit" ? 429 : rejection.status,
  body: { error: { code: rejection.kind, reason: "reason" in rejection ? rejection.reason : undefined } },
});

async function startHarness(options: Partial<PipelineOptions>): Promise<Harness> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  acceptRawBodies(app);
  let url = "";
  installPipeline(app, { audiences: () => [url], formatRejection, ...options });
  const gates: (() => void)[] = [];
  const watchers: { n: number; resolve(): void }[] = [];
  app.get("/whoami", async (request) => principalOf(request));
  app.post("/echo", async (request, reply) =>
    reply
      .header("content-type", "text/plain")
      .send(`${(request.body as Buffer).length}:${request.headers["content-type"]}`),
  );
  app.get("/gate", async () => {
    await new Promise<void>((resolve) => {
      gates.push(resolve);
      for (const w of watchers.filter((w) => gates.length >= w.n)) w.resolve();
    });
    return { ok: true };
  });
  url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    url,
    gates,
    waitingFor: (n) =>
      gates.length >= n ? Promise.resolve() : new Promise((resolve) => watchers.push({ n, resolve })),
  };
}

describe("request pipeline", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function identity(): Promise<IdentityEmulator> {
    const id = await startIdentityEmulator();
    cleanups.push(() => id.close());
    return id;
  }
  async function harness(options: Partial<PipelineOptions>): Promise<Harness> {
    const h = await startHarness(options);
    cleanups.push(() => h.app.close());
    return h;
  }

  it("passes the caller's verified claims to handlers and refuses a missing or foreign token", async () => {
    const id = await identity();
    const h = await harness({ tokens: id.verifier });
    const token = id.issueToken(DEMO_INTEGRATION_APP_2.clientId, h.url);
    const ok = await fetch(`${h.url}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(await ok.json()).toMatchObject({ appId: DEMO_INTEGRATION_APP_2.clientId, audience: h.url });

    const missing = await fetch(`${h.url}/whoami`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: "auth", reason: "missing" } });
    const other = id.issueToken(DEMO_INTEGRATION_APP.clientId, "https://elsewhere.example");
    const wrong = await fetch(`${h.url}/whoami`, { headers: { authorization: `Bearer ${other}` } });
    expect(await wrong.json()).toEqual({ error: { code: "auth", reason: "wrong_audience" } });
  });

  it("acts as the first demo app when no verifier is configured", async () => {
    const h = await harness({});
    expect(await (await fetch(`${h.url}/whoami`)).json()).toMatchObject({ appId: DEMO_INTEGRATION_APP.clientId });
  });

  it("delivers every content type as raw bytes", async () => {
    const h = await harness({});
    const body = "--b\r\nContent-Type: application/http\r\n\r\nGET /x HTTP/1.1\r\n--b--";
    const response = await fetch(`${h.url}/echo`, {
      method: "POST",
      headers: { "content-type": "multipart/mixed; boundary=b" },
      body,
    });
    expect(await response.text()).toBe(`${Buffer.byteLength(body)}:multipart/mixed; boundary=b`);
    const broken = await fetch(`${h.url}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(await broken.text()).toBe("9:application/json");
  });

  it("answers 429 with Retry-After past the request limit, per principal", async () => {
    const id = await identity();
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: 2 });
    const h = await harness({ tokens: id.verifier, limits });
    const as = (appId: string) => ({ authorization: `Bearer ${id.issueToken(appId, h.url)}` });
    expect((await fetch(`${h.url}/whoami`, { headers: as(DEMO_INTEGRATION_APP.clientId) })).status).toBe(200);
    expect((await fetch(`${h.url}/whoami`, { headers: as(DEMO_INTEGRATION_APP.clientId) })).status).toBe(200);
    const refused = await fetch(`${h.url}/whoami`, { headers: as(DEMO_INTEGRATION_APP.clientId) });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: { code: "limit", reason: "requests" } });
    // The window is 300 s and both requests are seconds old at most.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(290);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(300);
    expect((await fetch(`${h.url}/whoami`, { headers: as(DEMO_INTEGRATION_APP_2.clientId) })).status).toBe(200);
  });

  it("refuses past the concurrency cap, frees the slot when a response is sent, and sets admitted headers", async () => {
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxConcurrent: 1 });
    const h = await harness({
      limits,
      admittedHeaders: (s) => ({ "x-ms-ratelimit-burst-remaining-xrm-requests": String(s.remainingRequests) }),
    });
    const first = fetch(`${h.url}/gate`);
    await h.waitingFor(1);
    const refused = await fetch(`${h.url}/whoami`);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: { code: "limit", reason: "concurrency" } });
    expect(refused.headers.get("retry-after")).toBe("1");
    h.gates[0]();
    const firstResponse = await first;
    expect(firstResponse.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests")).toBe("5999");
    await firstResponse.arrayBuffer();
    // The slot is freed in onResponse, which runs once the response is written; wait for that state.
    await until(() => limits.snapshot(DEMO_INTEGRATION_APP.clientId).active === 0);
    const after = await fetch(`${h.url}/whoami`);
    expect(after.status).toBe(200);
    // The refused request did not count.
    expect(after.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests")).toBe("5998");
  });

  it("queues requests past the concurrency cap and serves them in arrival order (Business Central)", async () => {
    const limits = new ServiceProtection({ ...DATAVERSE_LIMITS, maxConcurrent: 1, maxQueued: 5 });
    const h = await harness({ limits });
    const dispatcher = new Agent({ connections: 10 });
    cleanups.push(() => dispatcher.close());
    const first = fetch(`${h.url}/gate`, { dispatcher });
    await h.waitingFor(1);
    const second = fetch(`${h.url}/gate`, { dispatcher });
    await until(() => limits.snapshot(DEMO_INTEGRATION_APP.clientId).queued === 1);
    expect(h.gates.length).toBe(1);
    h.gates[0]();
    expect((await first).status).toBe(200);
    await h.waitingFor(2);
    h.gates[1]();
    expect((await second).status).toBe(200);
  });

  it("injects 500s, 503s with Retry-After and dropped connections, in the seed's order", async () => {
    const h = await harness({ faults: new FaultInjector({ faultRate: 0.5, weights: { slow: 0 } }, 11) });
    const expected = new FaultInjector({ faultRate: 0.5, weights: { slow: 0 } }, 11);
    const dispatcher = new Agent({ connections: 1 });
    cleanups.push(() => dispatcher.close());
    for (let i = 0; i < 30; i++) {
      const decision = expected.decide();
      const outcome = await fetch(`${h.url}/whoami`, { dispatcher }).then(
        (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after") }),
        (error: Error) => ({ status: 0, retryAfter: null, error }),
      );
      if (decision.kind === "drop") expect(outcome.status).toBe(0);
      else if (decision.kind === "error500") expect(outcome).toEqual({ status: 500, retryAfter: null });
      else if (decision.kind === "error503") expect(outcome).toEqual({ status: 503, retryAfter: "1" });
      else expect(outcome.status).toBe(200);
    }
  });

  it("serves over TLS with the generated certificate for 127.0.0.1 and localhost", async () => {
    const { cert, key } = await generateCertificate();
    expect(new X509Certificate(cert).subjectAltName).toContain("IP Address:127.0.0.1");
    expect(new X509Certificate(cert).subjectAltName).toContain("DNS:localhost");
    const app = Fastify({ https: { cert, key } });
    app.get("/", async () => ({ hello: "tls" }));
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => app.close());
    const dispatcher = new Agent({ connect: { ca: cert } });
    cleanups.push(() => dispatcher.close());
    const port = new URL(url).port;
    expect(await (await fetch(`https://localhost:${port}/`, { dispatcher })).json()).toEqual({ hello: "tls" });
    expect(await (await fetch(`https://127.0.0.1:${port}/`, { dispatcher })).json()).toEqual({ hello: "tls" });
  });
});

/** Polls a condition on the event loop until it holds (state, not time: no fixed sleep). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
