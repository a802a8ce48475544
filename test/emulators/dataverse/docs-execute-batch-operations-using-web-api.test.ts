// Replays "Execute batch operations using the Web API"
// (powerapps-docs: developer/data-platform/webapi/execute-batch-operations-using-web-api.md), with contacts in
// place of the docs' tasks (the emulator serves no activity tables). Bodies are written as the docs write them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
let accountId: string;
beforeAll(async () => {
  world = await startWorld();
  root = world.dataverse.serviceRoot;
  const res = await world.call("POST", "accounts", { body: { name: "Batch account" } });
  accountId = /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
});
afterAll(async () => {
  await world.close();
});

const crlf = (lines: string[]) => lines.join("\r\n");
const sendBatch = (boundary: string, body: string, headers: Record<string, string> = {}) =>
  world.call("POST", "$batch", {
    raw: body,
    headers: { "Content-Type": `multipart/mixed; boundary="${boundary}"`, "If-None-Match": "null", ...headers },
  });
const createPart = (prefix: string, lastname: string, extra: string[] = []) => [
  `--${prefix}`,
  "Content-Type: application/http",
  "Content-Transfer-Encoding: binary",
  ...extra,
  "",
  "POST /api/data/v9.2/contacts HTTP/1.1",
  "Content-Type: application/json; type=entry",
  "",
  `{"lastname": "${lastname}", "parentcustomerid_account@odata.bind": "accounts(${accountId})"}`,
];

describe("execute-batch-operations-using-web-api", () => {
  it("Batch requests without change sets: 204 parts with Location and OData-EntityId, then the GET", async () => {
    const b = "batch_80dd1615-2a10-428a-bb6f-0e559792721f";
    const res = await sendBatch(
      b,
      crlf([
        ...createPart(b, "Contact 1 in batch"),
        ...createPart(b, "Contact 2 in batch"),
        `--${b}`,
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        `GET /api/data/v9.2/accounts(${accountId})/contact_customer_accounts?$select=lastname HTTP/1.1`,
        "",
        "",
        `--${b}--`,
        "",
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("odata-version")).toBe("4.0");
    const contentType = res.headers.get("content-type") ?? "";
    const boundary = /boundary=(batchresponse_[0-9a-f-]{36})$/.exec(contentType)?.[1];
    expect(boundary).toBeDefined();
    const text = await res.text();
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    const parts = text.split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(3);
    for (const part of parts.slice(0, 2)) {
      expect(part).toMatch(
        new RegExp(
          `^\\r\\nContent-Type: application/http\\r\\nContent-Transfer-Encoding: binary\\r\\n\\r\\nHTTP/1.1 204 No Content\\r\\nOData-Version: 4.0\\r\\nLocation: ${root.replace(/[.$()]/g, "\\$&")}contacts\\([0-9a-f-]{36}\\)\\r\\nOData-EntityId: ${root.replace(/[.$()]/g, "\\$&")}contacts\\([0-9a-f-]{36}\\)\\r\\n`,
        ),
      );
    }
    expect(parts[2]).toContain(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json; odata.metadata=minimal; odata.streaming=true\r\nOData-Version: 4.0",
    );
    const json = JSON.parse(parts[2].slice(parts[2].indexOf("{"))) as Json;
    expect(json["@odata.context"]).toBe(`${root}$metadata#contacts(lastname)`);
    expect(json.value.map((c: Json) => c.lastname).sort()).toEqual(["Contact 1 in batch", "Contact 2 in batch"]);
  });

  it("Change sets: changesetresponse parts echo Content-ID; $1/$2 reference created rows in bodies and URLs", async () => {
    const b = "batch_AAA123";
    const cs = "changeset_dd81ccab-11ce-4d57-b91d-12c4e25c3cab";
    const part = (id: number, requestLine: string, body: string) => [
      `--${cs}`,
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      `Content-ID: ${id}`,
      "",
      requestLine,
      "Content-Type: application/json",
      "",
      body,
      "",
    ];
    const res = await world.call("POST", "$batch", {
      raw: crlf([
        `--${b}`,
        `Content-Type: multipart/mixed; boundary=${cs}`,
        "",
        ...part(1, `POST ${root}leads HTTP/1.1`, '{"firstname":"first name","lastname":"last name"}'),
        ...part(2, `POST ${root}contacts HTTP/1.1`, '{"firstname":"first name"}'),
        ...part(
          3,
          `POST ${root}accounts HTTP/1.1`,
          '{"name":"IcM Account","originatingleadid@odata.bind":"$1","primarycontactid@odata.bind":"$2"}',
        ),
        ...part(4, "PUT $2/lastname HTTP/1.1", '{"value":"BBBBB"}'),
        ...part(5, "PATCH $3 HTTP/1.1", '{"telephone1":"555-0100"}'),
        `--${cs}--`,
        `--${b}--`,
        "",
      ]),
      headers: { "Content-Type": `multipart/mixed;boundary=${b}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const outer = /boundary=(batchresponse_[0-9a-f-]{36})/.exec(res.headers.get("content-type") ?? "")?.[1];
    const inner = /Content-Type: multipart\/mixed; boundary=(changesetresponse_[0-9a-f-]{36})\r\n/.exec(text)?.[1];
    expect(outer).toBeDefined();
    expect(inner).toBeDefined();
    const parts = text.split(`--${inner}`).slice(1, -1);
    expect(parts.map((p) => /Content-ID: (\d+)/.exec(p)?.[1])).toEqual(["1", "2", "3", "4", "5"]);
    expect(parts.map((p) => /HTTP\/1.1 (\d+)/.exec(p)?.[1])).toEqual(["204", "204", "204", "204", "204"]);
    const accountUrl = /OData-EntityId: (\S+)/.exec(parts[2])?.[1] ?? "";
    // PATCH $3 answers with the same entity id, PUT $2/lastname with no id.
    expect(/OData-EntityId: (\S+)/.exec(parts[4])?.[1]).toBe(accountUrl);
    expect(parts[3]).not.toContain("OData-EntityId");
    const account = (await (
      await world.call(
        "GET",
        `${accountUrl.slice(root.length)}?$select=name,telephone1&$expand=primarycontactid($select=lastname),originatingleadid($select=fullname)`,
      )
    ).json()) as Json;
    expect(account.primarycontactid.lastname).toBe("BBBBB");
    expect(account.originatingleadid.fullname).toBe("first name last name");
    expect(account.telephone1).toBe("555-0100");
    expect(text.endsWith(`--${inner}--\r\n--${outer}--\r\n`)).toBe(true);
  });

  it("Referencing a Content-ID before it is declared is a 400", async () => {
    const b = "batch_AAA123";
    const cs = "changeset_BBB456";
    const res = await world.call("POST", "$batch", {
      raw: crlf([
        `--${b}`,
        `Content-Type: multipart/mixed; boundary=${cs}`,
        "",
        `--${cs}`,
        "Content-Type: application/http",
        "Content-Transfer-Encoding:binary",
        "Content-ID: 2",
        "",
        `POST ${root}contacts HTTP/1.1`,
        "Content-Type: application/json;type=entry",
        "",
        '{"lastname":"911","parentcustomerid_account@odata.bind" : "$1"}',
        "",
        `--${cs}`,
        "Content-Type: application/http",
        "Content-Transfer-Encoding:binary",
        "Content-ID: 1",
        "",
        `POST ${root}accounts HTTP/1.1`,
        "Content-Type: application/json;type=entry",
        "",
        '{"name":"QQQQ","revenue": 1.50}',
        "",
        `--${cs}--`,
        `--${b}--`,
      ]),
      headers: { "Content-Type": `multipart/mixed;boundary=${b}` },
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("Content-ID Reference: '$1' does not exist in the batch context.");
    expect(((await (await world.call("GET", "accounts?$filter=name eq 'QQQQ'")).json()) as Json).value).toEqual([]);
  });

  it("Handling errors: the first failure ends the batch with its status; continue-on-error answers 200", async () => {
    const b = "batch_431faf5a-f979-4ee6-a374-d242f8962d41";
    const body = crlf([
      ...createPart(b, "x".repeat(60)),
      ...createPart(b, "Contact 2 in batch"),
      ...createPart(b, "Contact 3 in batch"),
      `--${b}--`,
      "",
    ]);
    const failed = await sendBatch(b, body);
    expect(failed.status).toBe(400);
    const text = await failed.text();
    const boundary = /boundary=(batchresponse_[0-9a-f-]{36})/.exec(failed.headers.get("content-type") ?? "")?.[1];
    const parts = text.split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(
      /HTTP\/1.1 400 Bad Request\r\nREQ_ID: [0-9a-f-]{36}\r\nContent-Type: application\/json; odata.metadata=minimal\r\nOData-Version: 4.0\r\n\r\n\{"error":\{"code":"0x80044331","message":"A validation error occurred\. {2}The length of the 'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'\."\}\}/,
    );
    const continued = await sendBatch(b, body, { Prefer: "odata.continue-on-error" });
    expect(continued.status).toBe(200);
    expect(continued.headers.get("preference-applied")).toBe("odata.continue-on-error");
    const all = await continued.text();
    expect(all.match(/HTTP\/1.1 (\d+)/g)).toEqual(["HTTP/1.1 400", "HTTP/1.1 204", "HTTP/1.1 204"]);
  });
});
