// "Sales Orders – Dynamics 365 Sales" in the console and the REST API (seed S10; issue 12): the submitted Sales
// orders with their totals and Business Central order, and "Create in Business Central" for one not yet there.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JobQueueControl } from "../../src/jobs/control.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { buildServer } from "../../src/server/app.ts";
import { ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { ServiceMetrics } from "../../src/server/plugins/metrics.ts";
import type { Harness } from "../integration/helpers.ts";
import { enterSalesOrder, type Fixtures, startOrders, submit } from "../integration/orders-helpers.ts";

let h: Harness;
let f: Fixtures;
let app: FastifyInstance;
let admin: { username: string; password: string };

beforeAll(async () => {
  ({ h, f } = await startOrders({ legacySalesOrders: true }));
  const made = await ensureAdminAccount(h.ctx.store);
  if (!made) throw new Error("no admin made");
  admin = made;
  const waker = new ChangeWaker({ store: h.ctx.store, debounceMs: 0 });
  app = await buildServer({
    ctx: h.ctx,
    jobs: new JobQueueControl(h.ctx.store, waker),
    wake: () => {},
    metrics: new ServiceMetrics(h.ctx.store, { dataverse: () => h.ctx.dataverse.metrics() }),
    ready: () => true,
  });
  await app.ready();
}, 180_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

it("lists a submitted order with its total, creates it in BC on request, and then shows its BC order number", async () => {
  const order = await enterSalesOrder(h, f, [{ product: f.items[0].productId, quantity: 3, price: 20 }]);
  await submit(h, order);
  const session = await app.inject({ method: "POST", url: "/api/v1/session", payload: admin });
  expect(session.statusCode).toBe(200);
  const cookies = Object.fromEntries(
    (session.cookies as { name: string; value: string }[]).map((c) => [c.name, c.value]),
  );
  const headers = { "x-csrf-token": session.json().csrfToken as string };

  const before = await app.inject({ method: "GET", url: "/api/v1/sales-orders", cookies });
  expect(before.statusCode).toBe(200);
  const listed = (before.json() as { salesOrderId: string; totalAmount: number; bcOrderNumber: string | null }[]).find(
    (o) => o.salesOrderId === order,
  );
  expect(listed).toMatchObject({ totalAmount: 60, bcOrderNumber: null });

  const anonymous = await app.inject({ method: "POST", url: `/api/v1/sales-orders/${order}/create-in-bc` });
  expect(anonymous.statusCode).toBe(401);
  const created = await app.inject({
    method: "POST",
    url: `/api/v1/sales-orders/${order}/create-in-bc`,
    cookies,
    headers,
  });
  expect(created.statusCode, created.body).toBe(200);
  const number = created.json().bcOrderNumber as string;
  expect(number).toBeTruthy();

  const after = await app.inject({ method: "GET", url: "/api/v1/sales-orders", cookies });
  const row = (after.json() as { salesOrderId: string; bcOrderNumber: string | null }[]).find(
    (o) => o.salesOrderId === order,
  );
  expect(row?.bcOrderNumber).toBe(number);

  // The console has the page, in its navigation.
  const page = await app.inject({ method: "GET", url: "/console/assets/pages.js" });
  expect(page.body).toContain("Sales Orders – Dynamics 365 Sales");
  expect(page.body).toContain("/create-in-bc");
});
