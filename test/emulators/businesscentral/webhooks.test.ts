// Webhooks as dynamics-subscriptions.md describes them: handshake on create and renew, notifications per
// record and as one `collection` above the threshold, lines notifying their document, retries on 5xx and
// deletion of the subscription on other failures.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { call, companyUrl, expectError, type Json, startBc } from "./helpers.ts";
import { Receiver } from "./receiver.ts";

let bc: BusinessCentralEmulator;
let receiver: Receiver;
let subs: string;

beforeAll(async () => {
  // A long debounce window: the tests flush explicitly, so grouping never depends on timing.
  bc = await startBc({ webhooks: { notificationDelayMs: 3_600_000, collectionThreshold: 5, retryDelaysMs: [1, 1] } });
  receiver = new Receiver();
  await receiver.start();
  subs = `${bc.apiUrl()}/subscriptions`;
});
afterAll(async () => {
  await bc.close();
  await receiver.close();
});

async function subscribe(resource: string, clientState = "secret-state"): Promise<Json> {
  const r = await call(subs, { method: "POST", body: { notificationUrl: receiver.url, resource, clientState } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function removeAll(): Promise<void> {
  const list = await call(subs);
  for (const s of list.body.value)
    await call(`${subs}('${s.subscriptionId}')`, { method: "DELETE", headers: { "If-Match": s["@odata.etag"] } });
}

describe("subscriptions", () => {
  it("validates the notification URL with a handshake and expires after three days", async () => {
    const before = receiver.handshakes.length;
    const sub = await subscribe(`/api/v2.0/companies(${bc.companyId()})/customers`);
    expect(receiver.handshakes.length).toBe(before + 1);
    expect(sub.subscriptionId).toMatch(/^[0-9a-f]{32}$/);
    expect(sub).toMatchObject({ notificationUrl: receiver.url, clientState: "secret-state" });
    expect(Date.parse(sub.expirationDateTime) - Date.parse(sub.lastModifiedDateTime)).toBe(3 * 24 * 3600 * 1000);
    const got = await call(`${subs}('${sub.subscriptionId}')`);
    expect(got.body.resource).toBe(`/api/v2.0/companies(${bc.companyId()})/customers`);
    await removeAll();
  });

  it("is not created when the handshake fails or the resource does not support webhooks", async () => {
    receiver.handshakeMode = "wrong";
    const r = await call(subs, {
      method: "POST",
      body: { notificationUrl: receiver.url, resource: `/api/v2.0/companies(${bc.companyId()})/items` },
    });
    receiver.handshakeMode = "echo";
    expect(r.status).toBe(400);
    expect((await call(subs)).body.value).toEqual([]);
    const contacts = await call(subs, {
      method: "POST",
      body: { notificationUrl: receiver.url, resource: `/api/v2.0/companies(${bc.companyId()})/contacts` },
    });
    expectError(contacts, 400, "Application_DialogException");
  });

  it("renews by PATCH with If-Match, repeating the handshake", async () => {
    const sub = await subscribe(`/api/v2.0/companies(${bc.companyId()})/items`);
    expectError(
      await call(`${subs}('${sub.subscriptionId}')`, { method: "PATCH", body: {} }),
      400,
      "BadRequest_InvalidToken",
    );
    const handshakes = receiver.handshakes.length;
    const renewed = await call(`${subs}('${sub.subscriptionId}')`, {
      method: "PATCH",
      body: { clientState: "renewed" },
      headers: { "If-Match": sub["@odata.etag"] },
    });
    expect(renewed.status).toBe(200);
    expect(receiver.handshakes.length).toBe(handshakes + 1);
    expect(renewed.body.clientState).toBe("renewed");
    expect(renewed.body.expirationDateTime >= sub.expirationDateTime).toBe(true);
    expectError(
      await call(`${subs}('${sub.subscriptionId}')`, {
        method: "PATCH",
        body: {},
        headers: { "If-Match": sub["@odata.etag"] },
      }),
      409,
      "Request_EntityChanged",
    );
    await removeAll();
  });
});

describe("notifications", () => {
  it("sends one POST per window with an entry per changed record; lines notify their document", async () => {
    const base = companyUrl(bc);
    const customersSub = await subscribe(`/api/v2.0/companies(${bc.companyId()})/customers`, "c");
    const ordersSub = await subscribe(`/api/v2.0/companies(${bc.companyId()})/salesOrders`, "o");
    const created = await call(`${base}/customers`, { method: "POST", body: { displayName: "Webhook Customer" } });
    await call(`${base}/customers(${created.body.id})`, {
      method: "PATCH",
      body: { phoneNumber: "1" },
      headers: { "If-Match": "*" },
    });
    const order = (await call(`${base}/salesOrders?$filter=status eq 'Draft'&$top=1`)).body.value[0];
    await call(`${base}/salesOrders(${order.id})/salesOrderLines`, {
      method: "POST",
      body: { lineType: "Item", lineObjectNumber: "1928-S", quantity: 1 },
    });
    const count = receiver.notifications.length;
    await bc.flushWebhooks();
    expect(receiver.notifications.length).toBe(count + 1);
    const entries = receiver.notifications[count].value;
    const customerEntry = entries.find((e) => e.subscriptionId === customersSub.subscriptionId);
    expect(customerEntry).toMatchObject({
      clientState: "c",
      changeType: "created",
      resource: `api/v2.0/companies(${bc.companyId()})/customers(${created.body.id})`,
    });
    const orderEntry = entries.find((e) => e.subscriptionId === ordersSub.subscriptionId);
    expect(orderEntry).toMatchObject({
      changeType: "updated",
      resource: `api/v2.0/companies(${bc.companyId()})/salesOrders(${order.id})`,
    });
    await removeAll();
  });

  it("sends a single collection notification when more records changed than the threshold", async () => {
    const base = companyUrl(bc);
    const sub = await subscribe(`/api/v2.0/companies(${bc.companyId()})/items`);
    for (let i = 0; i < 6; i++)
      await call(`${base}/items`, { method: "POST", body: { displayName: `Collection ${i}` } });
    const count = receiver.notifications.length;
    await bc.flushWebhooks();
    const entries = receiver.notifications[count].value;
    expect(entries.length).toBe(1);
    expect(entries[0]).toMatchObject({ subscriptionId: sub.subscriptionId, changeType: "collection" });
    expect(entries[0].resource).toMatch(
      new RegExp(`^api/v2\\.0/companies\\(${bc.companyId()}\\)/items\\?\\$filter=lastModifiedDateTime%20gt%20`),
    );
    await removeAll();
  });

  it("retries on 503 and deletes the subscription on a 400", async () => {
    const base = companyUrl(bc);
    const sub = await subscribe(`/api/v2.0/companies(${bc.companyId()})/currencies`);
    receiver.script.push(503);
    const count = receiver.notifications.length;
    await call(`${base}/currencies`, { method: "POST", body: { code: "CHF", displayName: "Swiss franc" } });
    await bc.flushWebhooks();
    await receiver.waitFor(count + 2);
    expect(receiver.notifications[count + 1].value[0].resource).toBe(receiver.notifications[count].value[0].resource);
    expect((await call(`${subs}('${sub.subscriptionId}')`)).status).toBe(200);

    receiver.script.push(400);
    await call(`${base}/currencies`, { method: "POST", body: { code: "SEK", displayName: "Swedish krona" } });
    await bc.flushWebhooks();
    expectError(await call(`${subs}('${sub.subscriptionId}')`), 404, "Internal_RecordNotFound");
  });
});

describe("debounce timer", () => {
  it("delivers on its own after the configured window", async () => {
    const quick = await startBc({ webhooks: { notificationDelayMs: 20 } });
    try {
      const r = await call(`${quick.apiUrl()}/subscriptions`, {
        method: "POST",
        body: { notificationUrl: receiver.url, resource: `/api/v2.0/companies(${quick.companyId()})/vendors` },
      });
      expect(r.status).toBe(201);
      const count = receiver.notifications.length;
      await call(`${companyUrl(quick)}/vendors`, { method: "POST", body: { displayName: "Timer Vendor" } });
      await receiver.waitFor(count + 1);
      expect(receiver.notifications[count].value[0]).toMatchObject({
        subscriptionId: r.body.subscriptionId,
        changeType: "created",
      });
    } finally {
      await quick.close();
    }
  });
});

describe("companion API webhooks", () => {
  it("subscribes under the custom API route and notifies released orders and their line changes", async () => {
    const companionSubs = `${bc.companionUrl()}/subscriptions`;
    const resource = `/api/bcsync/integration/v1.0/companies(${bc.companyId()})/salesOrders`;
    const wrongApi = await call(subs, { method: "POST", body: { notificationUrl: receiver.url, resource } });
    expectError(wrongApi, 400, "Application_DialogException");
    const created = await call(companionSubs, {
      method: "POST",
      body: { notificationUrl: receiver.url, resource, clientState: "companion" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call(companionSubs)).body.value.map((s: Json) => s.subscriptionId)).toEqual([
      created.body.subscriptionId,
    ]);
    expect((await call(subs)).body.value).toEqual([]);
    const stats = await call(companionSubs, {
      method: "POST",
      body: {
        notificationUrl: receiver.url,
        resource: `/api/bcsync/integration/v1.0/companies(${bc.companyId()})/customerStatistics`,
      },
    });
    expectError(stats, 400, "Application_DialogException");

    const companion = companyUrl(bc, true);
    const order = (await call(`${companion}/salesOrders?$filter=status eq 'Open'&$top=1`)).body.value[0];
    await call(`${companion}/salesOrders(${order.id})/Microsoft.NAV.release`, { method: "POST" });
    const count = receiver.notifications.length;
    await bc.flushWebhooks();
    const entry = receiver.notifications[count].value.find((e) => e.subscriptionId === created.body.subscriptionId);
    expect(entry).toMatchObject({
      clientState: "companion",
      changeType: "updated",
      resource: `api/bcsync/integration/v1.0/companies(${bc.companyId()})/salesOrders(${order.id})`,
    });
    const removed = await call(`${companionSubs}(${created.body.subscriptionId})`, {
      method: "DELETE",
      headers: { "If-Match": "*" },
    });
    expect(removed.status).toBe(204);
  });
});
