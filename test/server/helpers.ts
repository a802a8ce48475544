// The in-process server the API tests inject() into: the service's HTTP side on an opened integration, with a
// waker and job queue control of its own (no scheduler: tests run what they need themselves).
import type { FastifyInstance } from "fastify";
import type { IntegrationContext } from "../../src/integration/context.ts";
import { JobQueueControl } from "../../src/jobs/control.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { buildServer } from "../../src/server/app.ts";
import { ServiceMetrics } from "../../src/server/plugins/metrics.ts";

export async function buildTestServer(ctx: IntegrationContext): Promise<FastifyInstance> {
  const waker = new ChangeWaker({ store: ctx.store, debounceMs: 0 });
  const app = await buildServer({
    ctx,
    jobs: new JobQueueControl(ctx.store, waker),
    wake: (mapping) => waker.wake(mapping),
    metrics: new ServiceMetrics(ctx.store, { dataverse: () => ctx.dataverse.metrics() }),
    ready: () => true,
  });
  await app.ready();
  return app;
}

/** A browser-like session: its cookies, and the CSRF header every change must carry. */
export interface TestSession {
  cookies: Record<string, string>;
  headers: { "x-csrf-token": string };
}

export async function signIn(
  app: FastifyInstance,
  account: { username: string; password: string },
): Promise<TestSession> {
  const r = await app.inject({ method: "POST", url: "/api/v1/session", payload: account });
  if (r.statusCode !== 200) throw new Error(`sign-in refused: ${r.body}`);
  return {
    cookies: Object.fromEntries((r.cookies as { name: string; value: string }[]).map((c) => [c.name, c.value])),
    headers: { "x-csrf-token": r.json().csrfToken },
  };
}
