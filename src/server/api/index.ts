// Every route plugin of the REST API, registered inside the signed-in scope under /api/v1 (src/server/app.ts).
// Add a plugin here with one line; the sign-in and CSRF rules apply to it without more (test/server/api.test.ts
// checks every registered route).

import type { FastifyPluginAsync } from "fastify";
import activityRoutes from "./activity.ts";
import adminRoutes from "./admin.ts";
import type { ApiPluginOptions } from "./deps.ts";
import jobRoutes from "./jobs.ts";
import mappingRoutes from "./mappings.ts";
import orderRoutes from "./orders.ts";
import recordRoutes from "./records.ts";
import reviewRoutes from "./review.ts";
import serviceRoutes from "./service.ts";
import settingsRoutes from "./settings.ts";
import setupRoutes from "./setup.ts";

export type { ApiDeps, ApiPluginOptions } from "./deps.ts";

export const apiRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, options) => {
  // Everything under /api/v1 needs a sign-in (session + CSRF on changes, or an API token).
  app.addHook("preValidation", app.requireUser);
  // Only the deps: the options also carry this scope's prefix, which nested plugins must not add again.
  for (const plugin of [
    serviceRoutes,
    setupRoutes,
    settingsRoutes,
    mappingRoutes,
    activityRoutes,
    reviewRoutes,
    jobRoutes,
    adminRoutes,
    orderRoutes,
    recordRoutes,
  ])
    await app.register(plugin, { deps: options.deps });
};
