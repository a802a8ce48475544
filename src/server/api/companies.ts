// GET /api/v1/companies: the Business Central companies this service connects, each with the base of its REST API
// (issue 11: several companies in one service). The first company's API is /api/v1 itself, so a client that knows
// one company keeps working; the others live under /api/v1/companies/<slug>.

import type { FastifyPluginAsync } from "fastify";

export interface ConnectedCompany {
  /** Null for the first company (its API is /api/v1). */
  slug: string | null;
  name: string;
  /** The base path of the company's REST API. */
  api: string;
}

export const companiesRoute: FastifyPluginAsync<{ companies: ConnectedCompany[] }> = async (app, { companies }) => {
  app.addHook("preValidation", app.requireUser);
  app.get(
    "/api/v1/companies",
    {
      schema: {
        tags: ["service"],
        summary: "The Business Central companies this service connects, each with the base path of its API",
        response: {
          200: {
            type: "array",
            items: {
              type: "object",
              required: ["slug", "name", "api"],
              properties: {
                slug: { type: ["string", "null"] },
                name: { type: "string" },
                api: { type: "string" },
              },
            },
          },
        },
      },
    },
    async () => companies,
  );
};
