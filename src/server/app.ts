// The HTTP side of `bcsync serve`: one Fastify instance, each concern in its own plugin — errors (one shape, one
// catalogue), security headers, sign-in (sessions, API tokens, CSRF, rate limit), health and readiness, metrics,
// the OpenAPI document and its page (/docs), the REST API under /api/v1 behind the sign-in, and the web console
// (/console/, a client of that API).

import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import { companyName } from "../integration/company.ts";
import { companiesRoute } from "./api/companies.ts";
import { type ApiDeps, apiRoutes } from "./api/index.ts";
import { consolePlugin } from "./console/plugin.ts";
import { authPlugin } from "./plugins/auth.ts";
import { errorsPlugin } from "./plugins/errors.ts";
import { metricsPlugin, type ServiceMetrics } from "./plugins/metrics.ts";

export interface ServerDeps extends ApiDeps {
  metrics: ServiceMetrics;
  /** True once the scheduler and triggers run (readiness). */
  ready: () => boolean;
  logger?: boolean;
  loginAttemptsPerMinute?: number;
  /**
   * Routes outside the sign-in, each checking its own secret (the webhook endpoints of src/triggers/): registered
   * at the root, listed in PUBLIC_ROUTES by the prefixes they use.
   */
  publicPlugins?: FastifyPluginAsync[];
  /**
   * The other Business Central companies the service connects (issue 11): each one's REST API under
   * /api/v1/companies/<slug> and its webhook endpoints under /companies/<slug>. The top-level API is the first
   * company's; sign-ins are shared (the first company's store).
   */
  companies?: CompanyRoutes[];
}

export interface CompanyRoutes {
  slug: string;
  api: ApiDeps;
  publicPlugins: FastifyPluginAsync[];
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false, trustProxy: true });
  // Every route, as registered: tests check each one for its sign-in rule, so a new route cannot slip by.
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.decorate("routeList", routes);
  await app.register(errorsPlugin);
  // The API documentation page loads its own scripts and styles; everything else is JSON.
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(swagger, {
    openapi: {
      info: { title: "bcsync", version: "1", description: "Business Central ⇄ Dataverse synchronization service" },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "bcsync_session" },
          token: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(authPlugin, {
    store: deps.ctx.store,
    ...(deps.loginAttemptsPerMinute ? { loginAttemptsPerMinute: deps.loginAttemptsPerMinute } : {}),
  });

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const storeOk = await deps.ctx.store.queue
      .list()
      .then(() => true)
      .catch(() => false);
    const ready = storeOk && deps.ready();
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "starting", store: storeOk });
  });
  await app.register(metricsPlugin, { metrics: deps.metrics });
  for (const plugin of deps.publicPlugins ?? []) await app.register(plugin);
  const api: ApiDeps = {
    ctx: deps.ctx,
    jobs: deps.jobs,
    wake: deps.wake,
    ...(deps.recordEditor ? { recordEditor: deps.recordEditor } : {}),
  };
  await app.register(apiRoutes, { prefix: "/api/v1", deps: api });
  const companies = deps.companies ?? [];
  for (const company of companies) {
    await app.register(
      async (scope) => {
        for (const plugin of company.publicPlugins) await scope.register(plugin);
      },
      { prefix: `/companies/${company.slug}` },
    );
    await app.register(apiRoutes, {
      prefix: `/api/v1/companies/${company.slug}`,
      deps: { ...company.api, accountsStore: deps.ctx.store },
    });
  }
  await app.register(companiesRoute, {
    companies: [
      { slug: null, name: companyName(deps.ctx), api: "/api/v1" },
      ...companies.map((c) => ({ slug: c.slug, name: companyName(c.api.ctx), api: `/api/v1/companies/${c.slug}` })),
    ],
  });
  await app.register(consolePlugin, { recordEditor: Boolean(deps.recordEditor) });
  return app;
}

/**
 * Routes anyone may call: health and readiness (load balancers and orchestrators probe them without credentials;
 * they tell nothing but up/ready), the API documentation, signing in, the web console's page and static modules
 * (they hold no data: every page reads through the signed-in API), and the webhook endpoints (Business Central
 * and Dataverse cannot sign in; each notification must carry the secret bcsync registered). /metrics is NOT
 * public: its labels name the mappings and tables in use, so Prometheus sends an API token.
 */
export const PUBLIC_ROUTES = [
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/docs(\/|$)/,
  /^\/api\/v1\/session$/,
  /^\/$/,
  /^\/console(\/|$)/,
  /^\/webhooks(\/|$)/,
  /^\/companies\/[^/]+\/webhooks(\/|$)/,
];

declare module "fastify" {
  interface FastifyInstance {
    routeList: { method: string; url: string }[];
  }
}
