// The Dataverse client against the Dataverse emulator over real HTTP (limits and faults off: behaviour only).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_INTEGRATION_APP,
  DEMO_INTEGRATION_APP_2,
  DEMO_SALES_USER_ID,
} from "../../emulators/identity/demo-apps.ts";
import type { RunningEmulators } from "../../emulators/index.ts";
import { bind, type CallEvent, type DataverseClient, type Row } from "../../src/connectors/index.ts";
import { dataverseClient, startTestEmulators } from "./emulators.ts";

let emulators: RunningEmulators;
let dv: DataverseClient;

beforeAll(async () => {
  emulators = await startTestEmulators({ seed: "demo" });
  dv = dataverseClient(emulators);
});
afterAll(async () => {
  await dv?.close();
  await emulators?.close();
});

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

describe("Dataverse client", () => {
  it("answers WhoAmI with the application user of the app registration", async () => {
    const me = unwrap(await dv.whoAmI());
    expect(me.UserId).toBe(DEMO_INTEGRATION_APP.dataverseUserId);
  });

  it("creates, reads, updates with ETags, upserts by alternate key and deletes", async () => {
    const created = unwrap(
      await dv.create("accounts", { name: "Fabrikam", accountnumber: `F-${randomUUID().slice(0, 8)}` }),
    );
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const id = created.id!;
    const row = unwrap(await dv.retrieve("accounts", id, { select: ["name"] }));
    expect(row?.name).toBe("Fabrikam");
    const etag = String(row?.["@odata.etag"]);

    unwrap(await dv.update("accounts", id, { name: "Fabrikam Ltd" }, { etag }));
    const stale = await dv.update("accounts", id, { name: "Lost update" }, { etag });
    expect(stale.ok ? "ok" : stale.error.code).toBe("BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT");

    const missing = await dv.update("accounts", randomUUID(), { name: "nobody" });
    expect(missing.ok ? "ok" : missing.error.code).toBe("BCSYNC_E_CONNECTOR_NOT_FOUND");

    const number = `U-${randomUUID().slice(0, 8)}`;
    unwrap(await dv.upsert("accounts", { accountnumber: number }, { name: "Upserted" }));
    const again = await dv.upsert("accounts", { accountnumber: number }, { name: "Twice" }, { mode: "createOnly" });
    expect(again.ok ? "ok" : again.error.code).toBe("BCSYNC_E_CONNECTOR_DUPLICATE_KEY");
    const byKey = unwrap(await dv.retrieve("accounts", { accountnumber: number }, { select: ["name"] }));
    expect(byKey?.name).toBe("Upserted");

    expect(unwrap(await dv.delete("accounts", id))).toEqual({ existed: true });
    expect(unwrap(await dv.delete("accounts", id))).toEqual({ existed: false });
    expect(unwrap(await dv.retrieve("accounts", id))).toBeUndefined();
  });

  it("keeps the service's code, message, status and request id in errors, and the record", async () => {
    const id = randomUUID();
    const r = await dv.update("accounts", id, { name: "x" });
    expect(r.ok).toBe(false);
    const named = await dv.create("accounts", { name: "x".repeat(200) }, { record: "customer 10000" });
    expect(named.ok ? "ok" : named.error.params.record).toBe("customer 10000");
    if (r.ok) return;
    expect(r.error.params).toMatchObject({ httpStatus: 404, record: id });
    expect(String(r.error.params.serviceCode)).toMatch(/^0x/);
    // The emulator sends no x-ms-service-request-id yet; the field is kept ("-" when absent).
    expect(typeof r.error.params.requestId).toBe("string");
    expect(JSON.stringify(r.error.toJSON())).not.toContain(DEMO_INTEGRATION_APP.clientSecret);
  });

  it("binds lookups and impersonates with MSCRMCallerID", async () => {
    const parent = unwrap(await dv.create("accounts", { name: "Parent" })).id!;
    const child = unwrap(
      await dv.create(
        "accounts",
        { name: "Child", ...bind("parentaccountid", "accounts", parent) },
        { impersonate: { callerId: DEMO_SALES_USER_ID }, returnRepresentation: true },
      ),
    );
    expect(child.row?._parentaccountid_value).toBe(parent);
    expect(child.row?._createdby_value).toBe(DEMO_SALES_USER_ID);
    expect(child.row?._createdonbehalfby_value).toBe(DEMO_INTEGRATION_APP.dataverseUserId);
  });

  it("reads every row exactly once across pages", async () => {
    const tag = randomUUID().slice(0, 8);
    const rows: Row[] = Array.from({ length: 23 }, (_, i) => ({ name: `Paged ${tag} ${i}` }));
    const written = unwrap(await dv.createMultiple("accounts", "account", rows));
    expect(written.outcomes.every((o) => o.ok)).toBe(true);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of dv.pages("accounts", {
      select: ["name"],
      filter: `startswith(name,'Paged ${tag}')`,
      pageSize: 10,
    })) {
      pages++;
      for (const row of unwrap(page).rows) seen.push(String(row.accountid));
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(23);
    expect(seen).toHaveLength(23);
    const prefetched: string[] = [];
    for await (const page of dv.pages("accounts", {
      select: ["name"],
      filter: `startswith(name,'Paged ${tag}')`,
      pageSize: 10,
      prefetch: true,
    })) {
      prefetched.push(...unwrap(page).rows.map((row) => String(row.accountid)));
    }
    expect(prefetched).toEqual(seen);
  });

  it("tracks changes: initial read, then changed rows and deletions from the delta link", async () => {
    let deltaLink: string | undefined;
    const initial: string[] = [];
    for await (const page of dv.changes("accounts", { select: ["name"], pageSize: 50 })) {
      const p = unwrap(page);
      initial.push(...p.changed.map((r) => String(r.accountid)));
      deltaLink = p.deltaLink ?? deltaLink;
    }
    expect(deltaLink).toBeDefined();
    const a = unwrap(await dv.create("accounts", { name: "Delta A" })).id!;
    const victim = initial[0];
    unwrap(await dv.delete("accounts", victim));
    const changed: Row[] = [];
    const deleted: string[] = [];
    let nextDelta: string | undefined;
    for await (const page of dv.changes("accounts", { select: ["name"], deltaLink })) {
      const p = unwrap(page);
      changed.push(...p.changed);
      deleted.push(...p.deleted);
      nextDelta = p.deltaLink ?? nextDelta;
    }
    expect(changed.map((r) => r.accountid)).toContain(a);
    expect(deleted).toContain(victim);
    expect(nextDelta).toBeDefined();
    expect(nextDelta).not.toBe(deltaLink);
  });

  it("runs $batch change sets atomically with Content-ID references, and reports per-operation results", async () => {
    const ok = unwrap(
      await dv.batch([
        {
          changeSet: [
            { method: "POST", url: "accounts", body: { name: "Batch parent" }, contentId: "1" },
            {
              method: "POST",
              url: "contacts",
              body: { lastname: "Batch child", "parentcustomerid_account@odata.bind": "$1" },
              contentId: "2",
            },
          ],
        },
        { operation: { method: "GET", url: "accounts?$select=name&$top=1" } },
      ]),
    );
    expect(ok.map((r) => r.status)).toEqual([204, 204, 200]);
    expect(ok[0].id).toMatch(/^[0-9a-f-]{36}$/);

    const missing = randomUUID();
    const failed = unwrap(
      await dv.batch(
        [
          {
            changeSet: [
              { method: "POST", url: "accounts", body: { name: "Rolled back" } },
              { method: "PATCH", url: `accounts(${missing})`, body: { name: "x" }, headers: { "If-Match": "*" } },
            ],
          },
          { operation: { method: "POST", url: "accounts", body: { name: "Independent" } } },
        ],
        { continueOnError: true },
      ),
    );
    expect(failed[0].error?.code).toBe("BCSYNC_E_CONNECTOR_NOT_FOUND");
    expect(failed[1].error?.code).toBe("BCSYNC_E_CONNECTOR_NOT_FOUND");
    expect(failed[2].error).toBeUndefined();
    let rolledBack = 0;
    for await (const page of dv.pages("accounts", { filter: "name eq 'Rolled back'" }))
      rolledBack += unwrap(page).rows.length;
    expect(rolledBack).toBe(0);
  });

  it("writes with UpsertMultiple and UpdateMultiple, isolating a bad record through $batch", async () => {
    const tag = randomUUID().slice(0, 8);
    const items = Array.from({ length: 5 }, (_, i) => ({
      key: { accountnumber: `${tag}-${i}` },
      row: { name: `Bulk ${i}` },
    }));
    const upserted = unwrap(await dv.upsertMultiple("accounts", "account", items));
    expect(upserted.outcomes.every((o) => o.ok)).toBe(true);
    const ids: string[] = [];
    for await (const page of dv.pages("accounts", { select: ["name"], filter: `startswith(accountnumber,'${tag}')` })) {
      ids.push(...unwrap(page).rows.map((r) => String(r.accountid)));
    }
    expect(ids).toHaveLength(5);
    const bad = randomUUID();
    const updates = [...ids.map((id) => ({ key: id, row: { name: "Updated" } })), { key: bad, row: { name: "Ghost" } }];
    const updated = unwrap(await dv.updateMultiple("accounts", "account", updates));
    expect(updated.outcomes.slice(0, 5).every((o) => o.ok)).toBe(true);
    const last = updated.outcomes[5];
    expect(last.ok ? "ok" : last.error.code).toBe("BCSYNC_E_CONNECTOR_NOT_FOUND");
  });

  it("associates and disassociates a security role through $ref", async () => {
    const me = unwrap(await dv.whoAmI());
    const role = unwrap(
      await dv.create("roles", {
        name: `Role ${randomUUID().slice(0, 6)}`,
        ...bind("businessunitid", "businessunits", me.BusinessUnitId),
      }),
    ).id!;
    unwrap(await dv.associate("systemusers", me.UserId, "systemuserroles_association", "roles", role));
    // Associating again (a repeated request) leaves one association and is not an error.
    unwrap(await dv.associate("systemusers", me.UserId, "systemuserroles_association", "roles", role));
    let linked = 0;
    for await (const page of dv.pages("systemuserrolescollection", { filter: `roleid eq ${role}` }))
      linked += unwrap(page).rows.length;
    expect(linked).toBe(1);
    unwrap(await dv.disassociate("systemusers", me.UserId, "systemuserroles_association", role));
    unwrap(await dv.disassociate("systemusers", me.UserId, "systemuserroles_association", role));
    linked = 0;
    for await (const page of dv.pages("systemuserrolescollection", { filter: `roleid eq ${role}` }))
      linked += unwrap(page).rows.length;
    expect(linked).toBe(0);
  });

  it("gives typed access to one entity set", async () => {
    interface Account {
      accountid: string;
      name: string;
      accountnumber: string;
    }
    const accounts = dv.table<Account>("accounts", "account");
    const number = `T-${randomUUID().slice(0, 8)}`;
    unwrap(await accounts.upsert({ accountnumber: number }, { name: "Typed" }));
    const row = unwrap(await accounts.retrieve({ accountnumber: number }, { select: ["name", "accountnumber"] }));
    expect(row?.name).toBe("Typed");
    const updated = unwrap(await accounts.updateMultiple([{ key: row!.accountid, row: { name: "Typed 2" } }]));
    expect(updated.outcomes).toEqual([{ ok: true, id: row!.accountid }]);
  });

  it("uses several principals round-robin, each with its own token", async () => {
    const two = dataverseClient(emulators, { twoPrincipals: true });
    try {
      const users = new Set<string>();
      for (let i = 0; i < 4; i++) users.add(unwrap(await two.whoAmI()).UserId);
      expect([...users].sort()).toEqual(
        [DEMO_INTEGRATION_APP.dataverseUserId, DEMO_INTEGRATION_APP_2.dataverseUserId].sort(),
      );
      expect(two.throttleStates()).toHaveLength(2);
      // Pinned to one principal (each app registration's WhoAmI), whatever the round-robin would pick next.
      expect(two.principalCount()).toBe(2);
      for (let i = 0; i < 3; i++) {
        expect(unwrap(await two.whoAmI({ principal: 1 })).UserId).toBe(DEMO_INTEGRATION_APP_2.dataverseUserId);
        expect(unwrap(await two.whoAmI({ principal: 0 })).UserId).toBe(DEMO_INTEGRATION_APP.dataverseUserId);
      }
      await expect(two.whoAmI({ principal: 2 })).rejects.toThrow(/no principal 2/);
    } finally {
      await two.close();
    }
  });

  it("reports a wrong client secret as a catalogued error that never contains the secret", async () => {
    const secret = `wrong-${randomUUID()}`;
    const bad = dataverseClient(emulators, { clientSecret: secret });
    try {
      const r = await bad.whoAmI();
      expect(r.ok ? "ok" : r.error.code).toBe("BCSYNC_E_CONNECTOR_AUTH_FAILED");
      if (!r.ok) expect(`${r.error.message} ${r.error.fix} ${JSON.stringify(r.error.toJSON())}`).not.toContain(secret);
    } finally {
      await bad.close();
    }
  });

  it("reports an expired delta link as such, so the caller knows to read everything again", async () => {
    const token = encodeURIComponent("1!01/01/2020 00:00:00");
    const stale = new URL(`accounts?$select=name&$deltatoken=${token}`, dv.apiRoot).href;
    const pages = dv.changes("accounts", { deltaLink: stale });
    const first = await pages.next();
    const r = first.value as Awaited<ReturnType<typeof pages.next>>["value"];
    expect(r && !r.ok ? r.error.code : "ok").toBe("BCSYNC_E_CONNECTOR_DELTA_EXPIRED");
    expect((await pages.next()).done).toBe(true);
  });

  it("trusts a CA given as a file, and names an unreadable one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bcsync-ca-"));
    try {
      const caFile = join(dir, "ca.pem");
      writeFileSync(caFile, emulators.identity.caPem);
      const viaFile = dataverseClient(emulators, { caPem: undefined, caFile });
      try {
        expect(unwrap(await viaFile.whoAmI()).UserId).toBe(DEMO_INTEGRATION_APP.dataverseUserId);
      } finally {
        await viaFile.close();
      }
      expect(() => dataverseClient(emulators, { caPem: undefined, caFile: join(dir, "missing.pem") })).toThrow(
        expect.objectContaining({ code: "BCSYNC_E_CONNECTOR_CA_FILE_UNREADABLE" }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports every call to onCall, with status and size but no secrets", async () => {
    const events: CallEvent[] = [];
    const observed = dataverseClient(emulators, { onCall: (e) => events.push(e) });
    try {
      unwrap(await observed.whoAmI());
      unwrap(await observed.retrieve("accounts", randomUUID()));
      expect(events.map((e) => [e.method, e.path.split("(")[0], e.status])).toEqual([
        ["GET", "WhoAmI", 200],
        ["GET", "accounts", 404],
      ]);
      expect(events[0].bytesIn).toBeGreaterThan(0);
      const metrics = observed.metrics();
      expect(metrics.requests).toBe(2);
      expect(metrics.byStatus).toEqual({ "200": 1, "404": 1 });
      expect(JSON.stringify(events)).not.toContain(DEMO_INTEGRATION_APP.clientSecret);
    } finally {
      await observed.close();
    }
  });
});
