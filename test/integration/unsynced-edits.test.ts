// A Sales user's edit is never masked by one of our own writes that is not the mapping's (S15, S17). The statistics
// job's link on an account and this company's stamp are written as the integration user; S15 has the CUSTOMER
// mapping's Dataverse → BC pass leave out a row the integration user changed last. Before the fix, a link written
// between a person's edit and that pass hid the edit from Business Central for good (seen in the live service's
// first round: a website changed in Sales 20 ms before the statistics job linked the account never reached BC).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SALES_USER_ID } from "../../emulators/identity/demo-apps.ts";
import type { Row } from "../../src/connectors/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { claimCoupledRows } from "../../src/integration/company.ts";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncAll } from "../../src/integration/review.ts";
import { runCustomerStatistics } from "../../src/integration/statistics.ts";
import { syncMappings, total } from "../../src/integration/sync.ts";
import {
  editCheckColumns,
  hasUnsyncedEdit,
  stampOf,
  updateBehindMapping,
} from "../../src/integration/unsynced-edits.ts";
import { dvRows, type Harness, startIntegration } from "./helpers.ts";

const asSalesUser = { impersonate: { callerId: DEMO_SALES_USER_ID } };
let h: Harness;

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncAll(h.ctx);
}, 120_000);
afterAll(async () => h?.close());

const customerMapping = () => {
  const mapping = h.ctx.mappings.find((m) => m.name === "CUSTOMER");
  if (!mapping) throw new Error("no CUSTOMER mapping");
  return mapping;
};

async function coupledAccounts() {
  const out: { bcId: string; accountId: string }[] = [];
  for await (const c of h.ctx.store.couplings.iterate("CUSTOMER")) out.push({ bcId: c.bcId, accountId: c.dataverseId });
  return out;
}

async function editInSales(accountId: string, changes: Row): Promise<void> {
  const edited = await h.ctx.dataverse.update("accounts", accountId, changes, asSalesUser);
  if (!edited.ok) throw edited.error;
}

async function bcCustomer(id: string): Promise<Row | undefined> {
  const r = await h.ctx.businessCentral.company(h.ctx.companyId).get("customers", id);
  if (!r.ok) throw r.error;
  return r.value;
}

async function accountRow(accountId: string): Promise<Row> {
  const [row] = await dvRows(h.ctx, "accounts", `accountid eq ${accountId}`, [
    "_nav_accountstatisticsid_value",
    "_bcbi_companyid_value",
    ...editCheckColumns(customerMapping()),
  ]);
  return row;
}

describe("hasUnsyncedEdit", () => {
  const user = "00000000-0000-0000-0000-0000000000aa";
  // A second app registration's application user: the integration's own too (extraPrincipals).
  const secondApp = "00000000-0000-0000-0000-0000000000cc";
  const users = [user, secondApp];
  const person = "00000000-0000-0000-0000-0000000000bb";
  const stamp = (by: string | undefined, version: string) => ({ version, ...(by ? { modifiedBy: by } : {}) });

  it("is an edit by someone else that the mapping has not synced", () => {
    const mapping = customerMapping();
    expect(hasUnsyncedEdit(mapping, stamp(person, 'W/"9"'), { dataverseVersion: 'W/"8"' }, users)).toBe(true);
    expect(hasUnsyncedEdit(mapping, stamp(person, 'W/"9"'), { dataverseVersion: null }, users)).toBe(true);
  });

  it("is not the version the mapping synced, an integration user's own change (any app's), or a row that cannot tell", () => {
    const mapping = customerMapping();
    expect(hasUnsyncedEdit(mapping, stamp(person, 'W/"8"'), { dataverseVersion: 'W/"8"' }, users)).toBe(false);
    expect(hasUnsyncedEdit(mapping, stamp(user.toUpperCase(), 'W/"9"'), { dataverseVersion: 'W/"8"' }, users)).toBe(
      false,
    );
    expect(hasUnsyncedEdit(mapping, stamp(secondApp, 'W/"9"'), { dataverseVersion: 'W/"8"' }, users)).toBe(false);
    expect(hasUnsyncedEdit(mapping, stamp(undefined, 'W/"9"'), { dataverseVersion: 'W/"8"' }, users)).toBe(false);
    expect(hasUnsyncedEdit(mapping, stamp(person, 'W/"9"'), { dataverseVersion: 'W/"8"' }, undefined)).toBe(false);
  });

  it("is never an edit for a mapping that does not read Sales", () => {
    const oneWay = { ...customerMapping(), direction: "toDataverse" as const };
    expect(hasUnsyncedEdit(oneWay, stamp(person, 'W/"9"'), { dataverseVersion: 'W/"8"' }, users)).toBe(false);
  });
});

describe("the statistics job leaves an account with a Sales user's unsynced edit for its next run (S15, S17)", () => {
  it("defers the link, so the edit reaches Business Central, then links the account on the next run", async () => {
    const [target, ...others] = await coupledAccounts();
    expect(others.length).toBeGreaterThan(0);
    await editInSales(target.accountId, { websiteurl: "https://edited-in-sales.example" });

    const first = await runCustomerStatistics(h.ctx);
    expect(first.failed).toBe(0);
    expect(first.deferred).toBe(1);
    expect(first.inserted).toBe(others.length);
    expect((await accountRow(target.accountId))._nav_accountstatisticsid_value ?? null).toBeNull();
    // Nothing left behind for the deferred account: one statistics row per linked account.
    expect(await dvRows(h.ctx, "nav_accountstatisticses")).toHaveLength(first.inserted);

    const [pass] = await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    expect(total(pass, "failed")).toBe(0);
    expect((await bcCustomer(target.bcId))?.website).toBe("https://edited-in-sales.example");

    const second = await runCustomerStatistics(h.ctx);
    expect(second).toMatchObject({ inserted: 1, deferred: 0, failed: 0 });
    expect((await accountRow(target.accountId))._nav_accountstatisticsid_value).toBeTruthy();
  });

  it("writes nothing over an edit made between its read and its write (If-Match on the version checked)", async () => {
    const [, target] = await coupledAccounts();
    const read = await accountRow(target.accountId);
    expect(
      hasUnsyncedEdit(customerMapping(), read, { dataverseVersion: null }, h.ctx.engine.integrationUsers?.dataverse),
    ).toBe(false); // the statistics job wrote it last
    await editInSales(target.accountId, { telephone1: "+1 555 0142" });

    const coupling = await h.ctx.store.couplings.getByBcId("CUSTOMER", target.bcId);
    if (!coupling) throw new Error("not coupled");
    const [write] = await updateBehindMapping(h.ctx, customerMapping(), [
      { coupling, stamp: stampOf(customerMapping(), read), changes: { description: "ours" } },
    ]);
    expect(write).toEqual({ kind: "deferred" });
    expect(
      (await dvRows(h.ctx, "accounts", `accountid eq ${target.accountId}`, ["description"]))[0].description,
    ).not.toBe("ours");

    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    expect((await bcCustomer(target.bcId))?.phoneNumber).toBe("+1 555 0142");
  });
});

describe("this company's stamp waits for a Sales user's unsynced edit too (issue 10.19)", () => {
  it("claims a row taken over from Sales only once the edit made after the pass is in Business Central", async () => {
    expect(h.ctx.settings.dataverseCompanyId).toBeTruthy();
    const created = await h.ctx.dataverse.create(
      "accounts",
      { name: "Claimed After Its Edit Ltd.", customertypecode: 3 },
      asSalesUser,
    );
    if (!created.ok) throw created.error;
    const accountId = String(created.value.id);
    // The pass alone (without the claim syncMappings makes after it) couples the row and creates its customer.
    await runMapping(h.ctx.engine, "CUSTOMER", { mode: "full" });
    const coupling = await h.ctx.store.couplings.getByDataverseId("CUSTOMER", accountId);
    expect(coupling).toBeDefined();
    await editInSales(accountId, { telephone1: "+1 555 0177" });

    expect(await claimCoupledRows(h.ctx, customerMapping())).toBe(0);
    expect((await accountRow(accountId))._bcbi_companyid_value ?? null).toBeNull();

    await syncMappings(h.ctx, { names: ["CUSTOMER"] }); // carries the edit, then claims
    expect((await bcCustomer(String(coupling?.bcId)))?.phoneNumber).toBe("+1 555 0177");
    expect((await accountRow(accountId))._bcbi_companyid_value).toBe(h.ctx.settings.dataverseCompanyId);
  });
});
