// "Sales Orders – Dynamics 365 Sales" (seed S10; Business Central's page 5353): the submitted Sales orders with their
// coupled Business Central order, and "Create in Business Central" for one of them — the same functions as
// `bcsync orders submitted` and `bcsync orders create`.

import type { FastifyPluginAsync } from "fastify";
import { createSalesOrderInBc, listSubmittedSalesOrders } from "../../integration/flows/index.ts";
import type { ApiPluginOptions } from "./deps.ts";

const idParam = { type: "object", required: ["id"], properties: { id: { type: "string", minLength: 1 } } } as const;

const orderRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;

  app.get(
    "/sales-orders",
    {
      schema: {
        tags: ["sales orders"],
        summary: "Submitted Sales orders with their coupled Business Central order (Sales Orders – Dynamics 365 Sales)",
      },
    },
    async () => listSubmittedSalesOrders(ctx),
  );

  app.post<{ Params: { id: string } }>(
    "/sales-orders/:id/create-in-bc",
    {
      schema: {
        tags: ["sales orders"],
        summary: "Create (and release) the Business Central order of a submitted Sales order",
        params: idParam,
      },
    },
    async (request) => {
      const created = await createSalesOrderInBc(ctx, request.params.id);
      if (!created.ok) throw created.error;
      return created.value;
    },
  );
};

export default orderRoutes;
