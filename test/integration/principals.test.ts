// Several app registrations for one service, from the configuration's `extraPrincipals`: the connectors use them
// round-robin (Microsoft's documented way past one principal's service protection limits). Each demo app maps to
// its own Dataverse application user, so WhoAmI tells which principal sent each request.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP, DEMO_INTEGRATION_APP_2 } from "../../emulators/identity/demo-apps.ts";
import { type RunningEmulators, startEmulators } from "../../emulators/index.ts";
import { validateConfig } from "../../src/config/index.ts";
import type { Row } from "../../src/connectors/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { connectorClients } from "../../src/integration/context.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { configForEmulators } from "../../src/integration/setup.ts";
import { checkIntegrationUsers } from "../../src/integration/solution.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { ChangePoller } from "../../src/triggers/change-poller.ts";
import { bcRows, dvRows, type Harness, startIntegration } from "./helpers.ts";

let emulators: RunningEmulators;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-principals-"));
  emulators = await startEmulators({
    dataDir: join(dir, "emulators"),
    seed: "demo",
    limits: "off",
    cost: "off",
    notice: () => {},
  });
});
afterAll(async () => {
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("extra principals from the configuration", () => {
  it("sends Dataverse requests round-robin as each configured app registration", async () => {
    const base = configForEmulators(emulators.info, { dataDir: join(dir, "state") });
    const second = {
      ...base.dataverse!.credentials,
      clientId: DEMO_INTEGRATION_APP_2.clientId,
      clientSecretEnv: "SECOND_APP_SECRET",
    };
    delete (second as { clientSecretFile?: string }).clientSecretFile;
    const config = validateConfig({ ...base, dataverse: { ...base.dataverse!, extraPrincipals: [second] } });
    const { dataverse, businessCentral } = connectorClients(config, undefined, {
      SECOND_APP_SECRET: DEMO_INTEGRATION_APP_2.clientSecret,
    });
    try {
      const users = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const who = await dataverse.whoAmI();
        if (!who.ok) throw who.error;
        users.add(who.value.UserId.toLowerCase());
      }
      expect([...users].sort()).toEqual(
        [DEMO_INTEGRATION_APP.dataverseUserId, DEMO_INTEGRATION_APP_2.dataverseUserId].sort(),
      );
    } finally {
      await dataverse.close();
      await businessCentral.close?.();
    }
  });

  it("names the missing secret of an extra principal", () => {
    const base = configForEmulators(emulators.info, { dataDir: join(dir, "state2") });
    const second = {
      tenantId: base.dataverse!.credentials.tenantId,
      clientId: DEMO_INTEGRATION_APP_2.clientId,
      clientSecretEnv: "NOT_SET_ANYWHERE",
    };
    const config = validateConfig({ ...base, dataverse: { ...base.dataverse!, extraPrincipals: [second] } });
    expect(() => connectorClients(config, undefined, {})).toThrow(/NOT_SET_ANYWHERE/);
  });
});

// With two Dataverse app registrations, the integration's writes are stamped with two application users: both are
// the integration's own (echo suppression, S15's "not modified by the integration user", unsynced Sales edits), or
// rows the second app wrote are taken for people's edits: an uncoupled one is created again in BC, and the Sales-side
// triggers wake on the integration's own writes.
describe("a second Dataverse app registration is the integration's own user too", () => {
  let h: Harness;
  const SECRET_ENV = "BCSYNC_TEST_SECOND_DV_APP_SECRET";

  beforeAll(async () => {
    process.env[SECRET_ENV] = DEMO_INTEGRATION_APP_2.clientSecret;
    h = await startIntegration(
      {},
      { extraDataversePrincipals: [{ clientId: DEMO_INTEGRATION_APP_2.clientId, clientSecretEnv: SECRET_ENV }] },
    );
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    delete process.env[SECRET_ENV];
  });

  const written = (results: Awaited<ReturnType<typeof syncMappings>>) =>
    results.flatMap((r) =>
      r.passes
        .filter((p) => p.counters.inserted + p.counters.modified + p.counters.failed > 0)
        .map((p) => `${r.mapping} ${p.direction}: ${JSON.stringify(p.counters)}`),
    );

  it("knows both application users as the integration's, from setup on", () => {
    expect(h.setup.dataverse).toEqual({
      userId: DEMO_INTEGRATION_APP.dataverseUserId,
      extraPrincipalUserIds: [DEMO_INTEGRATION_APP_2.dataverseUserId],
    });
    expect([...(h.ctx.engine.integrationUsers?.dataverse ?? [])].sort()).toEqual(
      [DEMO_INTEGRATION_APP.dataverseUserId, DEMO_INTEGRATION_APP_2.dataverseUserId].sort(),
    );
  });

  it("asks every app registration who it is at once, then its roles in one read (each command waits for this)", async () => {
    const dv = h.ctx.dataverse;
    const events: string[] = [];
    const whoAmI = dv.whoAmI.bind(dv);
    dv.whoAmI = async (options) => {
      events.push(`asked ${options?.principal}`);
      const answer = await whoAmI(options);
      events.push(`answered ${options?.principal}`);
      return answer;
    };
    const before = dv.metrics().requests;
    try {
      const users = await checkIntegrationUsers(dv);
      expect(users.ok && users.value.map((u) => u.userId)).toEqual([
        DEMO_INTEGRATION_APP.dataverseUserId,
        DEMO_INTEGRATION_APP_2.dataverseUserId,
      ]);
      expect(users.ok && users.value.every((u) => u.roles.length > 0)).toBe(true);
    } finally {
      dv.whoAmI = whoAmI;
    }
    // Both asked before either answered: the second principal does not wait for the first.
    expect(events.slice(0, 2)).toEqual(["asked 0", "asked 1"]);
    // A WhoAmI and one read of the user's roles per principal (it was a WhoAmI and two reads, one principal after
    // the other).
    expect(dv.metrics().requests - before).toBe(4);
  });

  const withoutSecret = <T extends { clientSecretFile?: string; clientSecretEnv?: string; clientSecret?: string }>(
    credentials: T,
  ) => {
    const { clientSecretFile: _file, clientSecretEnv: _env, clientSecret: _secret, ...rest } = credentials;
    return rest;
  };

  /**
   * Writes a coupled Sales account again, with the value it has, as the second app registration alone: what the
   * integration's write of it through that principal leaves (which principal the round-robin gives each of a sync's
   * few bulk writes depends on the requests before it, so the test does not leave it to chance).
   */
  async function writtenBySecondApp(): Promise<Row> {
    const base = h.ctx.config;
    const { dataverse, businessCentral } = connectorClients(
      {
        ...base,
        dataverse: {
          ...base.dataverse!,
          credentials: {
            ...withoutSecret(base.dataverse!.credentials),
            clientId: DEMO_INTEGRATION_APP_2.clientId,
            clientSecretEnv: SECRET_ENV,
          },
          extraPrincipals: [],
        },
      },
      undefined,
    );
    try {
      let coupling: { dataverseId: string } | undefined;
      for await (const c of h.ctx.store.couplings.iterate("CUSTOMER")) {
        coupling = c;
        break;
      }
      if (!coupling) throw new Error("no coupled customer");
      const [account] = await dvRows(h.ctx, "accounts", `accountid eq ${coupling.dataverseId}`);
      const touched = await dataverse.update("accounts", String(account.accountid), { name: account.name });
      if (!touched.ok) throw touched.error;
      const [after] = await dvRows(h.ctx, "accounts", `accountid eq ${coupling.dataverseId}`);
      expect(String(after._modifiedby_value).toLowerCase()).toBe(DEMO_INTEGRATION_APP_2.dataverseUserId);
      return after;
    } finally {
      await dataverse.close();
      await businessCentral.close?.();
    }
  }

  it("after a full sync, neither a scheduled nor a second full sync writes anything", async () => {
    await coupleDemoSalespeople(h.ctx);
    const first = await syncMappings(h.ctx, { full: true });
    expect(first.flatMap((r) => r.passes).filter((p) => p.status !== "succeeded")).toEqual([]);
    await writtenBySecondApp();
    expect(written(await syncMappings(h.ctx, {}))).toEqual([]);
    expect(written(await syncMappings(h.ctx, { full: true }))).toEqual([]);
  });

  it("the change poller takes a row the second app wrote for the integration's own: nothing wakes", async () => {
    // The Sales sides only (Business Central's are probed by modified time alone).
    const poller = new ChangePoller({ ctx: h.ctx, wake: () => {}, include: (_, pass) => pass === "fromDataverse" });
    expect(await poller.pollOnce()).toEqual([]);
    await writtenBySecondApp();
    expect(await poller.pollOnce()).toEqual([]);
  });

  it("a Sales account the second app wrote last and that lost its coupling is not taken for a Sales user's", async () => {
    const account = await writtenBySecondApp();
    const id = String(account.accountid).toLowerCase();
    const coupling = await h.ctx.store.couplings.getByDataverseId("CUSTOMER", id);
    expect(coupling).toBeDefined();
    await h.ctx.store.couplings.uncoupleByDataverseId("CUSTOMER", id);
    // Renamed in BC meanwhile: nothing to match the account by, so taking it for a Sales user's would create a second
    // BC customer for it.
    const renamed = await h.ctx.businessCentral
      .company(h.ctx.companyId, "v2.0")
      .update("customers", String(coupling?.bcId), { displayName: "Renamed in Business Central" }, "*");
    if (!renamed.ok) throw renamed.error;
    const customers = (await bcRows(h.ctx, "customers")).length;
    // Sales → BC alone (a full sync's BC → Sales pass would couple it again by its name first).
    const [pass] = await runMapping(h.ctx.engine, "CUSTOMER", { mode: "full", passes: ["fromDataverse"] });
    // As for the integration user's own rows (BC's rule): ignored while uncoupled, not created again in BC.
    expect(pass.counters).toMatchObject({ inserted: 0, coupled: 0, failed: 0 });
    expect((await bcRows(h.ctx, "customers")).length).toBe(customers);
  });
});
