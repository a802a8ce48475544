// Service-wide routes: the connection and queue status, the table mappings, API tokens.

import type { FastifyPluginAsync } from "fastify";
import { currentErrors } from "../../admin/sync-log.ts";
import { companyName } from "../../integration/company.ts";
import { createApiToken } from "../auth/accounts.ts";
import type { ApiPluginOptions } from "./deps.ts";

const serviceRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;

  app.get("/status", { schema: { tags: ["service"], summary: "Connection, job queue and error counts" } }, async () => {
    const queue = await ctx.store.queue.list();
    const errors = await currentErrors(ctx.store);
    const who = await ctx.dataverse.whoAmI();
    return {
      company: companyName(ctx),
      businessCentral: ctx.config.businessCentral?.url,
      dataverse: ctx.config.dataverse?.url,
      dataverseConnected: who.ok,
      mappings: ctx.mappings.length,
      queue: Object.fromEntries(
        [...new Set(queue.map((e) => e.status))].map((s) => [s, queue.filter((e) => e.status === s).length]),
      ),
      errors: errors.length,
      heldDeletions: (await ctx.store.heldDeletions.list({ status: "held" })).length,
      openConflicts: (await ctx.store.conflicts.list({ status: "open" })).length,
    };
  });

  app.get(
    "/mappings",
    { schema: { tags: ["mappings"], summary: "Table mappings with their field mappings" } },
    async () =>
      ctx.mappings.map((m) => ({
        name: m.name,
        direction: m.direction,
        bc: m.bc,
        dataverse: m.dataverse,
        dependsOn: m.dependsOn,
        fields: m.fields,
      })),
  );

  app.post<{ Body: { name: string } }>(
    "/tokens",
    {
      schema: {
        tags: ["session"],
        summary: "Make an API token for scripts and Prometheus (shown once; only its hash is kept)",
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1, maxLength: 100 } },
        },
      },
    },
    async (request) => ({
      name: request.body.name,
      token: await createApiToken(deps.accountsStore ?? ctx.store, request.user?.username ?? "", request.body.name),
    }),
  );
};

export default serviceRoutes;
