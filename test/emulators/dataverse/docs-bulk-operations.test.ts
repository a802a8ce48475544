// Replays "Use bulk operation messages" (powerapps-docs: developer/data-platform/bulk-operations.md) and the
// UpsertMultiple action reference, on accounts instead of the docs' sample_example table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

const type = "Microsoft.Dynamics.CRM.account";

describe("bulk-operations", () => {
  it("CreateMultiple answers 200 with the created Ids; UpdateMultiple answers 204", async () => {
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple", {
      headers: { "If-None-Match": "null" },
      body: {
        Targets: [1, 2, 3].map((i) => ({ name: `sample record 000000${i}`, "@odata.type": type })),
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("odata-version")).toBe("4.0");
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(
      `${world.dataverse.serviceRoot}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`,
    );
    expect(body.Ids).toHaveLength(3);
    const update = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.UpdateMultiple?tag=CreateUpdateMultiple", {
      body: {
        Targets: (body.Ids as string[]).map((id, i) => ({
          name: `sample record 000000${i + 1} Updated`,
          "@odata.type": type,
          accountid: id,
        })),
      },
    });
    expect(update.status).toBe(204);
    expect(await update.text()).toBe("");
    const read = (await (await world.call("GET", `accounts(${body.Ids[2]})?$select=name`)).json()) as Json;
    expect(read.name).toBe("sample record 0000003 Updated");
  });

  it("UpsertMultiple by @odata.id alternate key: 204, creates then updates", async () => {
    const send = (suffix: string) =>
      world.call("POST", "accounts/Microsoft.Dynamics.CRM.UpsertMultiple", {
        body: {
          Targets: ["0000001", "0000002"].map((k) => ({
            "@odata.type": type,
            name: `sample record ${k}${suffix}`,
            "@odata.id": `accounts(accountnumber='${k}')`,
          })),
        },
      });
    const first = await send("");
    expect(first.status).toBe(204);
    const second = await send(" Upserted");
    expect(second.status).toBe(204);
    const rows = (await (
      await world.call(
        "GET",
        "accounts?$select=name,accountnumber&$filter=startswith(accountnumber,'000000')&$orderby=accountnumber",
      )
    ).json()) as Json;
    expect(rows.value.map((r: Json) => [r.accountnumber, r.name])).toEqual([
      ["0000001", "sample record 0000001 Upserted"],
      ["0000002", "sample record 0000002 Upserted"],
    ]);
  });

  it("On error with standard tables the whole operation rolls back; @odata.type is required", async () => {
    const before = (await (await world.call("GET", "accounts/$count")).text()).trim();
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple", {
      body: {
        Targets: [
          { name: "ok", "@odata.type": type },
          { name: "x".repeat(161), "@odata.type": type },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect((await (await world.call("GET", "accounts/$count")).text()).trim()).toBe(before);
    const untyped = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.CreateMultiple", {
      body: { Targets: [{ name: "no type" }] },
    });
    expect(untyped.status).toBe(400);
  });

  it("DeleteMultiple is for elastic tables only", async () => {
    const res = await world.call("POST", "accounts/Microsoft.Dynamics.CRM.DeleteMultiple", {
      body: { Targets: [{ "@odata.type": type, accountid: "00000000-0000-0000-0000-000000000001" }] },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.message).toBe("DeleteMultiple has not yet been implemented.");
  });
});
