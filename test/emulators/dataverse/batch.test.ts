import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBatchResponse } from "../../../emulators/odata/batch.ts";
import { startWorld, type World } from "./helpers.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

/** A $batch body laid out like the examples in execute-batch-operations-using-web-api (CRLF line breaks). */
function docBatch(root: string, lines: string[]): string {
  return lines.map((l) => l.replaceAll("{root}", root)).join("\r\n");
}

async function postBatch(body: string, boundary: string, prefer?: string) {
  const res = await world.call("POST", "$batch", {
    raw: body,
    headers: { "Content-Type": `multipart/mixed; boundary=${boundary}`, ...(prefer ? { Prefer: prefer } : {}) },
  });
  const parts = parseBatchResponse(await res.text(), res.headers.get("content-type") ?? undefined);
  return { status: res.status, parts: parts ?? [] };
}

describe("$batch", () => {
  it("runs a change set with Content-ID references and a GET, as in Microsoft's example", async () => {
    const root = world.dataverse.serviceRoot;
    const body = docBatch(root, [
      "--batch_AAA123",
      "Content-Type: multipart/mixed; boundary=changeset_BBB456",
      "",
      "--changeset_BBB456",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "Content-ID: 1",
      "",
      "POST {root}accounts HTTP/1.1",
      "Content-Type: application/json; type=entry",
      "",
      '{"name":"Batch account","accountnumber":"BATCH-1"}',
      "--changeset_BBB456",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "Content-ID: 2",
      "",
      "POST {root}contacts HTTP/1.1",
      "Content-Type: application/json; type=entry",
      "",
      '{"lastname":"Batchson","parentcustomerid_account@odata.bind":"$1"}',
      "--changeset_BBB456",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "Content-ID: 3",
      "",
      "PATCH $1 HTTP/1.1",
      "Content-Type: application/json; type=entry",
      "",
      '{"telephone1":"555-0100"}',
      "--changeset_BBB456--",
      "",
      "--batch_AAA123",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "",
      "GET /api/data/v9.2/accounts(accountnumber='BATCH-1')?$select=name,telephone1&$expand=contact_customer_accounts($select=lastname) HTTP/1.1",
      "Accept: application/json",
      "",
      "--batch_AAA123--",
      "",
    ]);
    const { status, parts } = await postBatch(body, "batch_AAA123");
    expect(status).toBe(200);
    const [cs, get] = parts;
    if (cs.kind !== "changeset" || get.kind !== "response") throw new Error("unexpected response shape");
    expect(cs.responses.map((r) => [r.status, r.contentId])).toEqual([
      [204, "1"],
      [204, "2"],
      [204, "3"],
    ]);
    expect(cs.responses[0].headers["odata-entityid"]).toMatch(/accounts\([0-9a-f-]{36}\)$/);
    const account = JSON.parse(get.response.body) as {
      name: string;
      telephone1: string;
      contact_customer_accounts: { lastname: string }[];
    };
    expect(account).toMatchObject({
      name: "Batch account",
      telephone1: "555-0100",
      contact_customer_accounts: [{ lastname: "Batchson" }],
    });
  });

  it("rolls a failing change set back atomically and stops (LF line breaks)", async () => {
    const root = world.dataverse.serviceRoot;
    const before = world.dataverse.store.table("account").size;
    const body = docBatch(root, [
      "--batch_B",
      "Content-Type: multipart/mixed; boundary=changeset_C",
      "",
      "--changeset_C",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "Content-ID: 1",
      "",
      "POST {root}accounts HTTP/1.1",
      "Content-Type: application/json",
      "",
      '{"name":"will be rolled back"}',
      "--changeset_C",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "Content-ID: 2",
      "",
      "POST {root}accounts HTTP/1.1",
      "Content-Type: application/json",
      "",
      '{"name":"bad","nosuchcolumn":true}',
      "--changeset_C--",
      "--batch_B",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "",
      "GET {root}WhoAmI HTTP/1.1",
      "",
      "--batch_B--",
      "",
    ]).replaceAll("\r\n", "\n");
    const { status, parts } = await postBatch(body, "batch_B");
    expect(status).toBe(400);
    expect(parts).toHaveLength(1);
    const [failed] = parts;
    if (failed.kind !== "response") throw new Error("expected a single error part");
    expect(failed.response.status).toBe(400);
    expect(JSON.parse(failed.response.body).error.code).toBe("0x80048d19");
    expect(world.dataverse.store.table("account").size).toBe(before);
  });

  it("keeps going with odata.continue-on-error", async () => {
    const root = world.dataverse.serviceRoot;
    const part = (method: string, url: string, json?: string) => [
      "--batch_D",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "",
      `${method} ${url} HTTP/1.1`,
      ...(json ? ["Content-Type: application/json", "", json] : [""]),
    ];
    const body = docBatch(root, [
      ...part("GET", "{root}accounts(00000000-0000-0000-0000-000000000000)"),
      ...part("POST", "{root}accounts", '{"name":"after the failure"}'),
      "--batch_D--",
      "",
    ]);
    const { status, parts } = await postBatch(body, "batch_D", "odata.continue-on-error");
    expect(status).toBe(200);
    expect(parts.map((p) => (p.kind === "response" ? p.response.status : 0))).toEqual([404, 204]);
  });

  it("refuses an undeclared Content-ID reference", async () => {
    const body = docBatch(world.dataverse.serviceRoot, [
      "--batch_E",
      "Content-Type: multipart/mixed; boundary=changeset_F",
      "",
      "--changeset_F",
      "Content-Type: application/http",
      "Content-Transfer-Encoding:binary",
      "Content-ID: 1",
      "",
      "PATCH $9 HTTP/1.1",
      "Content-Type: application/json",
      "",
      '{"name":"x"}',
      "--changeset_F--",
      "--batch_E--",
      "",
    ]);
    const { parts } = await postBatch(body, "batch_E");
    const [failed] = parts;
    if (failed.kind !== "response") throw new Error("expected an error part");
    expect(JSON.parse(failed.response.body).error.message).toBe(
      "Content-ID Reference: '$9' does not exist in the batch context.",
    );
  });

  it("works with dynamics-web-api's batches (LF, absolute URLs, auto Content-IDs)", async () => {
    const api = world.client();
    api.startBatch();
    api.create({ collection: "accounts", data: { name: "DWA batch 1" } });
    api.create({ collection: "accounts", data: { name: "DWA batch 2" } });
    api.retrieveMultiple({ collection: "accounts", select: ["name"], filter: "startswith(name,'DWA batch')" });
    const results = await api.executeBatch();
    expect(results).toHaveLength(3);
    expect(results[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect((results[2] as { value: unknown[] }).value).toHaveLength(2);
  });
});
