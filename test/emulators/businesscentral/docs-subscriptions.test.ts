// dynamics_subscriptions_{create,get,update,delete}.md and dynamics-subscriptions.md replayed on
// `…/api/v2.0/subscriptions` (the examples show v1.0 URLs; the resource is the v2.0 customers page), and the
// "List of supported entities" of dynamics-subscriptions.md for the pages the emulator serves.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { expectDocumentedRecord, expectNoContent } from "./docs-helpers.ts";
import { call, companyUrl, type Json, startBc } from "./helpers.ts";
import { Receiver } from "./receiver.ts";

let bc: BusinessCentralEmulator;
let receiver: Receiver;
beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  bc = await startBc();
});
afterAll(async () => {
  await bc.close();
  await receiver.close();
});

const resource = () => `/api/v2.0/companies(${bc.companyId()})/customers`;

describe("subscriptions, as documented", () => {
  it("creates with the documented body (server-assigned fields ignored), after the handshake", async () => {
    const handshakes = receiver.handshakes.length;
    const reply = await call(`${bc.apiUrl()}/subscriptions`, {
      method: "POST",
      body: {
        subscriptionId: "c670ea73cacb459bb51dc1740da2f1db",
        notificationUrl: receiver.url,
        resource: resource(),
        userId: "00000000-0000-0000-0000-000000000001",
        lastModifiedDateTime: "2018-10-12T12:32:35Z",
        clientState: "optionalvalueof2048",
        expirationDateTime: "2021-10-15T12:32:35Z",
        systemCreatedAt: "2017-01-23T00:24:31.766Z",
        systemCreatedBy: "f2a5738a-44e3-ea11-bb43-000d3a2feca1",
        systemModifiedAt: "2020-08-21T00:24:31.777Z",
        systemModifiedBy: "f2a5738a-44e3-ea11-bb43-000d3a2feca1",
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.headers.get("location")).toBe(`${bc.apiUrl()}/subscriptions('${reply.body.subscriptionId}')`);
    expect(reply.headers.get("etag")).toBe(reply.body["@odata.etag"]);
    expect(receiver.handshakes.length).toBe(handshakes + 1);
    expect(reply.body["@odata.context"]).toBe(`${bc.apiUrl()}/$metadata#subscriptions/$entity`);
    expectDocumentedRecord("subscriptions", reply.body);
    expect(reply.body.clientState).toBe("optionalvalueof2048");
    expect(reply.body.resource).toBe(resource());
    // Three days, not the example's value.
    const days = (Date.parse(reply.body.expirationDateTime) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThanOrEqual(3);
  });

  it("lists, renews with PATCH (If-Match) and deletes with the quoted key", async () => {
    const list = await call(`${bc.apiUrl()}/subscriptions`);
    expect(list.status).toBe(200);
    expect(list.body["@odata.context"]).toBe(`${bc.apiUrl()}/$metadata#subscriptions`);
    const sub = (list.body.value as Json[]).find((s) => s.notificationUrl === receiver.url);
    expect(sub).toBeDefined();
    if (!sub) return;
    for (const s of list.body.value) expectDocumentedRecord("subscriptions", s);
    const url = `${bc.apiUrl()}/subscriptions('${sub.subscriptionId}')`;
    const renewed = await call(url, {
      method: "PATCH",
      body: { notificationUrl: receiver.url, resource: resource(), clientState: "optionalValueOf2048" },
      headers: { "If-Match": sub["@odata.etag"] },
    });
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body.clientState).toBe("optionalValueOf2048");
    expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": renewed.body["@odata.etag"] } }));
    expect((await call(url)).status).toBe(404);
  });

  it("refuses resources that do not support webhooks (salesShipments, contacts)", async () => {
    for (const set of ["salesShipments", "contacts"]) {
      const reply = await call(`${bc.apiUrl()}/subscriptions`, {
        method: "POST",
        body: { notificationUrl: receiver.url, resource: `/api/v2.0/companies(${bc.companyId()})/${set}` },
      });
      expect(reply.status).toBe(400);
    }
  });

  it("accepts every documented webhook resource the emulator serves, companyInformation included", async () => {
    // dynamics-subscriptions.md, "List of supported entities", minus the pages not served here
    // (countriesRegions, customerPaymentJournals, dimensions, generalLedgerEntries, journals, paymentMethods,
    // purchaseInvoices, salesCreditMemos).
    const supported = [
      "accounts",
      "companyInformation",
      "currencies",
      "customers",
      "employees",
      "itemCategories",
      "items",
      "paymentTerms",
      "salesInvoices",
      "salesOrders",
      "salesQuotes",
      "shipmentMethods",
      "unitsOfMeasure",
      "vendors",
    ];
    for (const set of supported) {
      const reply = await call(`${bc.apiUrl()}/subscriptions`, {
        method: "POST",
        body: { notificationUrl: receiver.url, resource: `/api/v2.0/companies(${bc.companyId()})/${set}` },
      });
      expect(reply.status, `${set}: ${JSON.stringify(reply.body)}`).toBe(201);
      const url = `${bc.apiUrl()}/subscriptions('${reply.body.subscriptionId}')`;
      expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": reply.body["@odata.etag"] } }));
    }
  });

  it("notifies a companyInformation change as updated", async () => {
    const created = await call(`${bc.apiUrl()}/subscriptions`, {
      method: "POST",
      body: {
        notificationUrl: receiver.url,
        resource: `/api/v2.0/companies(${bc.companyId()})/companyInformation`,
        clientState: "info",
      },
    });
    expect(created.status).toBe(201);
    const base = companyUrl(bc);
    const info = (await call(`${base}/companyInformation`)).body.value[0];
    const patched = await call(`${base}/companyInformation(${info.id})`, {
      method: "PATCH",
      body: { website: "www.cronuscorp.net" },
      headers: { "If-Match": info["@odata.etag"] },
    });
    expect(patched.status).toBe(200);
    const count = receiver.notifications.length;
    await bc.flushWebhooks();
    expect(receiver.notifications.length).toBe(count + 1);
    const entries = receiver.notifications[count].value.filter((e) => e.subscriptionId === created.body.subscriptionId);
    expect(entries).toEqual([
      {
        subscriptionId: created.body.subscriptionId,
        clientState: "info",
        expirationDateTime: created.body.expirationDateTime,
        resource: `api/v2.0/companies(${bc.companyId()})/companyInformation(${info.id})`,
        changeType: "updated",
        lastModifiedDateTime: patched.body.lastModifiedDateTime,
      },
    ]);
    const url = `${bc.apiUrl()}/subscriptions('${created.body.subscriptionId}')`;
    expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": created.body["@odata.etag"] } }));
  });

  it("lists the supported resources at webhookSupportedResources, with the documented v2.0* filter", async () => {
    const root = bc.apiUrl().replace(/\/api\/v2\.0$/, "/api/microsoft/runtime/beta");
    const url = `${root}/companies(${bc.companyId()})/webhookSupportedResources`;
    const reply = await call(`${url}?$filter=${encodeURIComponent("resource eq 'v2.0*'")}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.headers.get("odata-version")).toBe("4.0");
    expect(reply.body["@odata.context"]).toBe(
      `${root}/$metadata#companies(${bc.companyId()})/webhookSupportedResources`,
    );
    const resources = (reply.body.value as Json[]).map((r) => r.resource);
    // The documented first entries, and every v2.0 resource this emulator accepts subscriptions for.
    expect(resources.slice(0, 2)).toEqual(["v2.0/accounts", "v2.0/companyInformation"]);
    expect(resources).toEqual(
      [
        "accounts",
        "companyInformation",
        "currencies",
        "customers",
        "employees",
        "itemCategories",
        "items",
        "paymentTerms",
        "salesInvoices",
        "salesOrders",
        "salesQuotes",
        "shipmentMethods",
        "unitsOfMeasure",
        "vendors",
      ].map((set) => `v2.0/${set}`),
    );
    for (const r of reply.body.value as Json[]) expect(Object.keys(r)).toEqual(["resource"]);
    // Without the filter, custom APIs are listed too (dynamics-subscriptions.md: custom APIs are webhook-enabled).
    const all = await call(url);
    const every = (all.body.value as Json[]).map((r) => r.resource);
    expect(every).toEqual(expect.arrayContaining([...resources, "bcsync/integration/v1.0/salesOrders"]));
    expect(every).not.toContain("v2.0/contacts");
    expect(every).not.toContain("v2.0/salesShipments");
  });
});
