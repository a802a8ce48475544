// The Business Central client against the BC emulator over real HTTP (limits and faults off: behaviour only).

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulators } from "../../emulators/index.ts";
import { type BusinessCentralClient, COMPANION_API, type CompanyScope, type Row } from "../../src/connectors/index.ts";
import { businessCentralClient, startTestEmulators } from "./emulators.ts";

let emulators: RunningEmulators;
let bc: BusinessCentralClient;
let company: CompanyScope;

beforeAll(async () => {
  emulators = await startTestEmulators({ seed: "demo" });
  bc = businessCentralClient(emulators);
  const companies = emulators.info.businessCentral?.companies ?? [];
  company = bc.company(companies[0].id);
});
afterAll(async () => {
  await bc?.close();
  await emulators?.close();
});

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

async function all(scope: CompanyScope, entitySet: string, options: Parameters<CompanyScope["pages"]>[1] = {}) {
  const rows: Row[] = [];
  let pages = 0;
  for await (const page of scope.pages(entitySet, options)) {
    rows.push(...unwrap(page).rows);
    pages++;
  }
  return { rows, pages };
}

describe("Business Central client", () => {
  it("lists the companies", async () => {
    const companies = unwrap(await bc.companies());
    expect(companies.map((c) => c.id)).toEqual(expect.arrayContaining([company.companyId]));
  });

  it("creates, reads, updates with If-Match, reports a 409 with the record as it is now, and deletes", async () => {
    const name = `Connector ${randomUUID().slice(0, 8)}`;
    const created = unwrap(await company.create("customers", { displayName: name }));
    const id = String(created.id);
    const etag = String(created["@odata.etag"]);
    const updated = unwrap(await company.update("customers", id, { phoneNumber: "555-0100" }, etag));
    expect(updated.phoneNumber).toBe("555-0100");

    const stale = await company.update("customers", id, { phoneNumber: "555-0199" }, etag);
    expect(stale.ok).toBe(false);
    if (stale.ok) return;
    expect(stale.error.code).toBe("BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT");
    expect(stale.error.params).toMatchObject({ httpStatus: 409, record: id });
    expect(stale.current?.phoneNumber).toBe("555-0100");

    const fresh = String(stale.current?.["@odata.etag"]);
    expect(unwrap(await company.delete("customers", id, fresh))).toEqual({ existed: true });
    expect(unwrap(await company.delete("customers", id, "*"))).toEqual({ existed: false });
    expect(unwrap(await company.get("customers", id))).toBeUndefined();
  });

  it("reads only rows changed since a watermark, across pages", async () => {
    const existing = await all(company, "customers", { select: ["id", "lastModifiedDateTime"] });
    const watermark = existing.rows
      .map((r) => String(r.lastModifiedDateTime))
      .sort()
      .at(-1)!;
    const tag = randomUUID().slice(0, 6);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(String(unwrap(await company.create("customers", { displayName: `W ${tag} ${i}` })).id));
    const changed = await all(company, "customers", {
      modifiedSince: watermark,
      pageSize: 2,
      select: ["id", "displayName"],
      replica: true,
    });
    expect(changed.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(changed.pages).toBe(3);
  });

  it("counts the records matching a filter ($count), as a full read of them finds them", async () => {
    const everyone = await all(company, "customers", { pageSize: 5 });
    expect(unwrap(await company.count("customers"))).toBe(everyone.rows.length);
    const filter = "blocked eq ' '";
    const unblocked = await all(company, "customers", { filter });
    expect(unblocked.rows.length).toBeGreaterThan(0);
    expect(unwrap(await company.count("customers", filter))).toBe(unblocked.rows.length);
  });

  it("splits a JSON $batch of 150 operations into requests of 100 and reports per operation", async () => {
    const before = bc.metrics().requests;
    const tag = randomUUID().slice(0, 6);
    const results = unwrap(
      await company.batch([
        ...Array.from({ length: 149 }, (_, i) => ({
          method: "POST" as const,
          url: "customers",
          body: { displayName: `B ${tag} ${i}` },
        })),
        {
          method: "PATCH" as const,
          url: `customers(${randomUUID()})`,
          body: { displayName: "ghost" },
          headers: { "If-Match": "*" },
        },
      ]),
    );
    expect(bc.metrics().requests - before).toBe(2);
    expect(results.slice(0, 149).every((r) => r.status === 201 && !r.error)).toBe(true);
    expect(results[149].error?.code).toBe("BCSYNC_E_CONNECTOR_NOT_FOUND");
    const written = await all(company, "customers", { filter: `startswith(displayName,'B ${tag}')` });
    expect(written.rows).toHaveLength(149);
  });

  it("manages webhook subscriptions: create (with the validation handshake), renew, delete", async () => {
    const server: Server = createServer((req, res) => {
      const token = new URL(req.url ?? "/", "http://x").searchParams.get("validationToken");
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(token ?? "");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const created = unwrap(
        await bc.createSubscription({
          notificationUrl: `http://127.0.0.1:${port}/hook`,
          resource: `/api/v2.0/companies(${company.companyId})/customers`,
          clientState: "state-1",
        }),
      );
      expect(created.subscriptionId).toBeTruthy();
      const renewed = unwrap(await bc.renewSubscription(created.subscriptionId, created["@odata.etag"]));
      expect(renewed.subscriptionId).toBe(created.subscriptionId);
      const listed = unwrap(await bc.listSubscriptions());
      expect(listed.map((s) => s.subscriptionId)).toContain(created.subscriptionId);
      expect(unwrap(await bc.deleteSubscription(created.subscriptionId))).toEqual({ existed: true });
      expect(unwrap(await bc.getSubscription(created.subscriptionId))).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("reaches the companion API and runs bound actions (release a sales order)", async () => {
    const companion = bc.company(company.companyId, COMPANION_API);
    const resources = await all(companion, "resources", { pageSize: 50 });
    expect(resources.rows.length).toBeGreaterThan(0);
    const orders = await all(companion, "salesOrders", { filter: "status eq 'Open'", top: 1 });
    const order = orders.rows[0];
    expect(order).toBeDefined();
    const id = String(order.id);
    unwrap(await companion.action("salesOrders", id, "release"));
    const released = unwrap(await companion.get("salesOrders", id));
    expect(released?.status).toBe("Released");
    const reopened = await companion.action("salesOrders", id, "Microsoft.NAV.reopen");
    expect(reopened.ok).toBe(true);
  });
});
