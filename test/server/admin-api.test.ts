// The administrator's REST routes (issue 11's API list, issue 12): each exercised with inject() and an API token
// against the emulators, and asserted on the data it changed — an error made, skipped, un-skipped, retried after
// the data is fixed and gone; a coupling removed and made again; a conflict resolved field by field; a held
// deletion rejected; the reconciliation report; item availability and customer statistics of one record now.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import type { Row } from "../../src/connectors/index.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { createApiToken, ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { bcRows, type Harness, startIntegration } from "../integration/helpers.ts";
import { buildTestServer } from "./helpers.ts";

const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };
let h: Harness;
let app: FastifyInstance;
let token: string;

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncMappings(h.ctx, { names: [], full: true });
  const admin = await ensureAdminAccount(h.ctx.store);
  if (!admin) throw new Error("no admin made");
  token = await createApiToken(h.ctx.store, admin.username, "admin-api test");
  app = await buildTestServer(h.ctx);
}, 180_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

async function api(method: "GET" | "POST" | "DELETE", url: string, payload?: unknown) {
  const r = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: r.statusCode, body: r.body ? r.json() : undefined };
}

const bc = () => h.ctx.businessCentral.company(h.ctx.companyId);
async function coupledCustomer(number: string): Promise<{ bcId: string; dvId: string; customer: Row }> {
  const customer = (await bcRows(h.ctx, "customers")).find((c) => c.number === number);
  const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", String(customer?.id).toLowerCase());
  if (!customer || !coupling) throw new Error(`customer ${number} is not coupled`);
  return { bcId: coupling.bcId, dvId: coupling.dataverseId, customer };
}

describe("errors: skip, un-skip, retry one", () => {
  it("a customer whose salesperson is not coupled fails; skipped, un-skipped, then retried after the fix", async () => {
    const { bcId, customer } = await coupledCustomer("10000");
    const made = await bc().create("salespeoplePurchasers", { code: "ZZ", displayName: "Not In Sales" });
    expect(made.ok).toBe(true);
    expect((await bc().update("customers", bcId, { salespersonCode: "ZZ", phoneNumber: "555-0303" }, "*")).ok).toBe(
      true,
    );
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const errors = (await api("GET", "/errors?mapping=CUSTOMER")).body as { id: string; sourceId: string }[];
    const error = errors.find((e) => e.sourceId?.toLowerCase() === bcId);
    expect(error).toBeDefined();
    if (!error) return;

    const skipped = await api("POST", `/errors/${error.id}/skip`);
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ bcId, skipped: true });
    expect((await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId))?.skipped).toBe(true);
    expect(((await api("GET", "/skipped?mapping=CUSTOMER")).body as { bcId: string }[]).map((c) => c.bcId)).toContain(
      bcId,
    );
    const unskipped = await api("POST", "/skipped/customer/unskip", { bcId });
    expect(unskipped.body).toEqual({ unskipped: 1 });
    expect((await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId))?.skipped).toBe(false);

    // Fix the data, retry the one error: the record syncs and the error is no longer standing.
    expect((await bc().update("customers", bcId, { salespersonCode: customer.salespersonCode ?? "" }, "*")).ok).toBe(
      true,
    );
    const retried = await api("POST", `/errors/${error.id}/retry`);
    expect(retried.status).toBe(200);
    expect(
      ((await api("GET", "/errors?mapping=CUSTOMER")).body as { sourceId: string }[]).some(
        (e) => e.sourceId?.toLowerCase() === bcId,
      ),
    ).toBe(false);
    const gone = await api("POST", `/errors/${error.id}/retry`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("BCSYNC_E_ADMIN_SYNC_ERROR_NOT_FOUND");
  });
});

describe("couplings", () => {
  it("lists with both links, uncouples by Dataverse id, refuses twice, couples again", async () => {
    const { bcId, dvId } = await coupledCustomer("20000");
    const listed = (await api("GET", "/couplings/CUSTOMER?limit=1000")).body as {
      bcId: string;
      bcUrl: string;
      salesUrl: string;
    }[];
    const row = listed.find((c) => c.bcId === bcId);
    expect(row?.bcUrl).toMatch(/page=21\b/);
    expect(row?.salesUrl).toContain(dvId);
    expect(((await api("GET", "/couplings")).body as { mapping: string }[]).map((c) => c.mapping)).toContain(
      "CUSTOMER",
    );
    expect((await api("DELETE", `/couplings/CUSTOMER/${dvId}`)).body).toMatchObject({ bcId, dataverseId: dvId });
    expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId)).toBeUndefined();
    const twice = await api("DELETE", `/couplings/CUSTOMER/${dvId}`);
    expect(twice.status).toBe(404);
    expect(twice.body.error.code).toBe("BCSYNC_E_ADMIN_COUPLING_NOT_FOUND");
    const coupled = await api("POST", "/couplings/CUSTOMER", { bcId, dataverseId: dvId });
    expect(coupled.status).toBe(200);
    expect((await h.ctx.store.couplings.getByBcId("CUSTOMER", bcId))?.dataverseId).toBe(dvId);
    const clash = await api("POST", "/couplings/CUSTOMER", { bcId, dataverseId: dvId });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("BCSYNC_E_STORE_COUPLING_EXISTS");
    expect((await api("POST", "/couplings/NOPE", { bcId, dataverseId: dvId })).body.error.code).toBe(
      "BCSYNC_E_INTEGRATION_UNKNOWN_MAPPING",
    );
  });
});

describe("conflicts and deletions", () => {
  it("resolves a conflict field by field, keeping Business Central's value", async () => {
    const { bcId, dvId } = await coupledCustomer("30000");
    expect((await bc().update("customers", bcId, { phoneNumber: "555-0404" }, "*")).ok).toBe(true);
    expect((await h.ctx.dataverse.update("accounts", dvId, { telephone1: "555-0505" }, asUser)).ok).toBe(true);
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const open = (await api("GET", "/conflicts?mapping=customer")).body as {
      id: string;
      bcId: string;
      baseValue: unknown;
    }[];
    const conflict = open.find((c) => c.bcId === bcId);
    expect(conflict).toMatchObject({ bcValue: "555-0404", dataverseValue: "555-0505" });
    if (!conflict) return;
    const bad = await api("POST", "/conflicts/resolve", { decisions: [{ id: conflict.id, keep: "both" }] });
    expect(bad.status).toBe(400);
    const resolved = await api("POST", "/conflicts/resolve", { decisions: [{ id: conflict.id, keep: "bc" }] });
    expect(resolved.status).toBe(200);
    expect(resolved.body[0]).toMatchObject({ id: conflict.id, status: "resolved" });
    const account = await h.ctx.dataverse.retrieve("accounts", dvId, { select: ["telephone1"] });
    expect(account.ok && account.value?.telephone1).toBe("555-0404");
    const all = (await api("GET", "/conflicts?all=true")).body as { id: string; status: string }[];
    expect(all.find((c) => c.id === conflict.id)?.status).toBe("resolved");
  });

  it("rejects a held deletion: nothing is deleted, the couplings stay", async () => {
    const pairs = [await coupledCustomer("40000"), await coupledCustomer("50000")];
    const held = await h.ctx.store.heldDeletions.hold({
      mappingName: "CUSTOMER",
      direction: "fromDataverse",
      recordIds: pairs.map((p) => p.bcId),
      tableCount: 2,
    });
    expect(((await api("GET", "/deletions")).body as { id: string }[]).map((d) => d.id)).toContain(held.id);
    const rejected = await api("POST", `/deletions/${held.id}/reject`);
    expect(rejected.body).toMatchObject({ id: held.id, status: "rejected" });
    for (const p of pairs) expect(await h.ctx.store.couplings.getByBcId("CUSTOMER", p.bcId)).toBeDefined();
    const again = await api("POST", `/deletions/${held.id}/approve`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("BCSYNC_E_ADMIN_HELD_DELETION_NOT_HELD");
  });
});

describe("reconcile, availability, statistics", () => {
  it("reports differing values, one item's availability and one customer's statistics now", async () => {
    const { bcId, dvId } = await coupledCustomer("10000");
    expect((await h.ctx.dataverse.update("accounts", dvId, { websiteurl: "https://api-drift.example" })).ok).toBe(true);
    const report = (await api("GET", "/reconcile?mapping=CUSTOMER")).body as {
      differing: { bcId: string; fields: { field: string }[] }[];
    }[];
    expect(report[0].differing.find((d) => d.bcId === bcId)?.fields.map((f) => f.field)).toContain(
      "website|websiteurl",
    );
    const item = await api("GET", "/items/1896-S/availability");
    expect(item.status).toBe(200);
    expect(item.body.itemNumber).toBe("1896-S");
    expect((await api("GET", "/items/NOPE/availability")).body.error.code).toBe("BCSYNC_E_ADMIN_RECORD_NOT_FOUND");
    const stats = await api("GET", "/customers/10000/statistics");
    expect(stats.body).toMatchObject({ customerNumber: "10000" });
    expect(typeof stats.body.figures.balance).toBe("number");
  });
});
