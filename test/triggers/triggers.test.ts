// Triggers that beat polling (issue 11, seed S17): Business Central webhook subscriptions and Dataverse webhooks
// (service endpoint + asynchronous steps) against the emulators over real HTTP, the webhook endpoints served by
// Fastify, and the service's ChangeWaker. The emulators' delivery delays are long and flushed explicitly, so
// nothing here waits on a clock.

import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import type { Row } from "../../src/connectors/index.ts";
import { ChangeWaker } from "../../src/jobs/waker.ts";
import { BC_WEBHOOK_PATH, createTriggers, DATAVERSE_WEBHOOK_PATH, type Triggers } from "../../src/triggers/index.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "../integration/helpers.ts";

const asUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };
const SECRET = "s3cret-for-tests";

let h: Harness;
let app: FastifyInstance;
let url: string;
let triggers: Triggers;
let waker: ChangeWaker;
/** The mappings each accepted webhook call woke, in order (the pollers' wakes are not in it). */
const wakes: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  h = await startIntegration();
  // The real waker on the real store; its window is long and the tests flush it, so grouping is exact.
  waker = new ChangeWaker({ store: h.ctx.store, debounceMs: 3_600_000 });
  triggers = createTriggers({
    context: h.ctx,
    secret: SECRET,
    wake: (name) => waker.wake(name),
    onNotification: (event) => wakes.push(...event.mappings),
    // The pollers run once at start; the tests call pollOnce themselves after that.
    pollIntervalMs: 3_600_000,
    safetyNetIntervalMs: 3_600_000,
    onProblem: (m) => problems.push(m),
  });
  app = Fastify();
  await app.register(triggers.plugin);
  url = await app.listen({ host: "127.0.0.1", port: 0 });
}, 120_000);

afterAll(async () => {
  await triggers?.stop();
  await waker?.stop();
  await app?.close();
  await h?.close();
});

async function flushEmulators(): Promise<void> {
  await h.emulators.businessCentral.flushWebhooks();
  await h.emulators.dataverse.flushWebhooks();
}

function wokenBy(work: () => Promise<void>): Promise<string[]> {
  const from = wakes.length;
  return work().then(() => wakes.slice(from));
}

async function editCustomer(name: string): Promise<void> {
  const scope = h.ctx.businessCentral.company(h.ctx.companyId);
  const customer = (await bcRows(h.ctx, "customers"))[0] as Row;
  const r = await scope.update(
    "customers",
    String(customer.id),
    { displayName: name },
    String(customer["@odata.etag"]),
  );
  expect(r.ok).toBe(true);
}

async function editAccount(name: string, account?: Row): Promise<void> {
  const row = account ?? (await dvRows(h.ctx, "accounts", undefined, ["accountid"]))[0];
  const r = await h.ctx.dataverse.update("accounts", String(row.accountid), { name }, asUser);
  expect(r.ok).toBe(true);
}

describe("start", () => {
  it("subscribes every mapped Business Central entity set and registers the Dataverse steps, idempotently", async () => {
    const report = await triggers.start(url);
    const company = h.ctx.companyId;
    expect(report.businessCentral?.created).toContain(`api/v2.0/companies(${company})/customers`);
    expect(report.businessCentral?.failed).toEqual([]);
    expect(report.dataverse?.stepsCreated).toBeGreaterThanOrEqual(3);
    // Pages without webhooks (the companion API's) are polled instead of being left unwatched.
    for (const resource of report.businessCentral?.unsupported ?? []) {
      const set = resource.split("/").pop();
      const reader = h.ctx.mappings.find((m) => m.bc.entitySet === set);
      expect(report.polled).toContain(`${reader?.name} (toDataverse)`);
    }
    expect(report.polled.every((p) => p.endsWith("(toDataverse)"))).toBe(true);

    const subs = await h.ctx.businessCentral.listSubscriptions();
    expect(subs.ok && subs.value.every((s) => s.notificationUrl === `${url}${BC_WEBHOOK_PATH}`)).toBe(true);
    const again = await triggers.checkSubscriptions();
    expect(again?.created).toEqual([]);
    expect(again?.kept.length).toBe(report.businessCentral?.created.length);

    const steps = await dvRows(h.ctx, "sdkmessageprocessingsteps", undefined, ["name", "mode", "stage"]);
    expect(steps.length).toBe(report.dataverse?.stepsCreated);
    expect(steps.every((s) => s.mode === 1 && s.stage === 40)).toBe(true);
    const endpoints = await dvRows(h.ctx, "serviceendpoints", undefined, ["url", "contract", "authtype"]);
    expect(endpoints).toEqual([
      expect.objectContaining({ url: `${url}${DATAVERSE_WEBHOOK_PATH}`, contract: 8, authtype: 5 }),
    ]);
  });
});

describe("an edit in each emulator wakes the mapping that reads its table", () => {
  it("Business Central customer → CUSTOMER", async () => {
    const woken = await wokenBy(async () => {
      await editCustomer("Adatum Corporation (renamed by a trigger test)");
      await flushEmulators();
    });
    expect(woken).toContain("CUSTOMER");
    expect(woken.every((m) => h.ctx.mappings.find((x) => x.name === m)?.bc.entitySet === "customers")).toBe(true);
  });

  it("Dataverse account (a user's edit) → the mappings of account; the integration user's own edit wakes nothing", async () => {
    const woken = await wokenBy(async () => {
      await editAccount("Edited in Sales");
      await flushEmulators();
    });
    expect(woken.length).toBeGreaterThan(0);
    expect(woken.every((m) => h.ctx.mappings.find((x) => x.name === m)?.dataverse.table === "account")).toBe(true);

    const ours = await wokenBy(async () => {
      const row = (await dvRows(h.ctx, "accounts", undefined, ["accountid"]))[0];
      const r = await h.ctx.dataverse.update("accounts", String(row.accountid), { name: "Written by bcsync" });
      expect(r.ok).toBe(true);
      await flushEmulators();
    });
    expect(ours).toEqual([]);
  });

  it("posts the documented RemoteExecutionContext shape", async () => {
    const seen: Record<string, unknown>[] = [];
    const probe = Fastify();
    probe.post("/hook", async (request) => {
      seen.push({ ...(request.body as Record<string, unknown>), code: (request.query as { code?: string }).code });
      return "";
    });
    const probeUrl = await probe.listen({ host: "127.0.0.1", port: 0 });
    const endpoint = await h.ctx.dataverse.create("serviceendpoints", {
      name: "probe",
      url: `${probeUrl}/hook`,
      contract: 8,
      authtype: 5,
      authvalue: "probe-key",
    });
    expect(endpoint.ok).toBe(true);
    const [message] = await dvRows(h.ctx, "sdkmessages", "name eq 'Create'", ["sdkmessageid"]);
    const creates = await dvRows(
      h.ctx,
      "sdkmessagefilters",
      `primaryobjecttypecode eq 'contact' and _sdkmessageid_value eq ${message.sdkmessageid}`,
      ["sdkmessagefilterid"],
    );
    expect(creates).toHaveLength(1);
    const step = await h.ctx.dataverse.create("sdkmessageprocessingsteps", {
      name: "probe step",
      mode: 1,
      stage: 40,
      "sdkmessageid@odata.bind": `/sdkmessages(${message.sdkmessageid})`,
      "sdkmessagefilterid@odata.bind": `/sdkmessagefilters(${creates[0].sdkmessagefilterid})`,
      "eventhandler_serviceendpoint@odata.bind": `/serviceendpoints(${endpoint.ok ? endpoint.value.id : ""})`,
    });
    expect(step.ok).toBe(true);
    const created = await h.ctx.dataverse.create("contacts", { firstname: "Probe", lastname: "Person" }, asUser);
    expect(created.ok).toBe(true);
    await flushEmulators();
    await probe.close();
    expect(seen).toEqual([
      expect.objectContaining({
        code: "probe-key",
        MessageName: "Create",
        PrimaryEntityName: "contact",
        PrimaryEntityId: created.ok ? created.value.id : "",
        UserId: DEMO_SALES_USER_ID,
        Stage: 40,
        Mode: 1,
        OperationCreatedOn: expect.stringMatching(/^\/Date\(\d+\)\/$/),
        InputParameters: [
          {
            key: "Target",
            value: expect.objectContaining({ LogicalName: "contact", Id: created.ok ? created.value.id : "" }),
          },
        ],
      }),
    ]);
    if (step.ok) await h.ctx.dataverse.delete("sdkmessageprocessingsteps", String(step.value.id));
  });
});

describe("a burst is a handful of runs", () => {
  it("100 edits on each side re-arm the entries on hold, each once (seed S17)", async () => {
    await waker.flush();
    // Every entry as after a pass that found nothing: on hold due to inactivity until tomorrow.
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    for (const e of await h.ctx.store.queue.list())
      if (e.recurring && e.mappingName) await h.ctx.store.queue.setStatus(e.id, "on_hold_inactivity", tomorrow);
    const woke: string[][] = [];
    const onWoke = (names: string[]) => woke.push(names);
    waker.on("woke", onWoke);
    const accounts = await dvRows(h.ctx, "accounts", undefined, ["accountid"]);
    for (let i = 0; i < 100; i++) {
      await editCustomer(`Burst ${i}`);
      await editAccount(`Burst ${i}`, accounts[i % accounts.length]);
    }
    await flushEmulators();
    await waker.flush();
    waker.off("woke", onWoke);
    // Business Central batches a window's changes into one notification; Dataverse posts one per change; the
    // waker turns the 200 changes into one wake of each mapping that reads the two tables.
    expect(woke.length).toBe(1);
    const names = woke[0];
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("CUSTOMER");
    expect(names.length).toBeLessThanOrEqual(5);
    const customer = (await h.ctx.store.queue.list()).find((e) => e.mappingName === "CUSTOMER");
    expect(customer?.status).toBe("ready");
    expect(Date.parse(String(customer?.nextRunAt))).toBeLessThan(Date.parse(tomorrow));
  });
});

describe("refused without the secret", () => {
  it("Business Central notifications need the clientState; Dataverse posts need the key", async () => {
    const company = h.ctx.companyId;
    const entry = {
      subscriptionId: "x",
      resource: `api/v2.0/companies(${company})/customers(1)`,
      changeType: "updated",
    };
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const before = wakes.length;
    expect((await post(BC_WEBHOOK_PATH, { value: [{ ...entry, clientState: "wrong" }] })).status).toBe(401);
    expect((await post(BC_WEBHOOK_PATH, { value: [entry] })).status).toBe(401);
    const context = { MessageName: "Update", PrimaryEntityName: "account", UserId: DEMO_SALES_USER_ID };
    expect((await post(`${DATAVERSE_WEBHOOK_PATH}?code=wrong`, context)).status).toBe(401);
    expect((await post(DATAVERSE_WEBHOOK_PATH, context)).status).toBe(401);
    expect(wakes.length).toBe(before);
    // The handshake echoes the token as text/plain.
    const hs = await fetch(`${url}${BC_WEBHOOK_PATH}?validationToken=abc123`, { method: "POST" });
    expect(hs.status).toBe(200);
    expect(hs.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await hs.text()).toBe("abc123");
    expect((await post(BC_WEBHOOK_PATH, { value: [{ ...entry, clientState: SECRET }] })).status).toBe(202);
    expect(wakes.slice(before)).toContain("CUSTOMER");
  });
});

describe("lost and expiring subscriptions", () => {
  it("a subscription Business Central dropped is recreated at the next check", async () => {
    const subs = await h.ctx.businessCentral.listSubscriptions();
    if (!subs.ok) throw subs.error;
    const customers = subs.value.find((s) => s.resource.endsWith("/customers"));
    expect(customers).toBeDefined();
    await h.ctx.businessCentral.deleteSubscription(String(customers?.subscriptionId));
    const check = await triggers.checkSubscriptions();
    expect(check?.created).toEqual([`api/v2.0/companies(${h.ctx.companyId})/customers`]);
    const woken = await wokenBy(async () => {
      await editCustomer("After resubscribe");
      await flushEmulators();
    });
    expect(woken).toContain("CUSTOMER");
  });
});

describe("a dropped notification is caught by polling", () => {
  it("a Dataverse post that never arrives: the safety-net poll wakes the mapping", async () => {
    // The organization loses its way to bcsync: the endpoint's URL points nowhere, every post fails.
    const [endpoint] = await dvRows(h.ctx, "serviceendpoints", "name eq 'bcsync'", ["serviceendpointid"]);
    await h.ctx.dataverse.update("serviceendpoints", String(endpoint.serviceendpointid), {
      url: `${url}/nowhere`,
    });
    const dropped = await wokenBy(async () => {
      await editAccount("Change whose notification is lost");
      await flushEmulators();
    });
    expect(dropped).toEqual([]);
    const polled = await triggers.safetyNet.pollOnce();
    expect(polled.some((m) => h.ctx.mappings.find((x) => x.name === m)?.dataverse.table === "account")).toBe(true);
  });
});
