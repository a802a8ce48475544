import { describe, expect, it } from "vitest";
import { parseBatch, serializeBatchResponse } from "../../../emulators/odata/batch.ts";
import { parseBatchResponse, parseBatchResponseGroups, serializeBatch } from "./batch.ts";

const root = new URL("https://org.crm.dynamics.com/api/data/v9.2/");

describe("Dataverse $batch", () => {
  it("serializes change sets with Content-IDs and lone GETs that an independent parser reads back", () => {
    const { contentType, body } = serializeBatch(
      [
        {
          changeSet: [
            { method: "POST", url: "accounts", body: { name: "A" }, contentId: "1" },
            { method: "PATCH", url: "$1", body: { telephone1: "555" }, contentId: "2" },
          ],
        },
        { operation: { method: "GET", url: "accounts?$select=name" } },
      ],
      root,
    );
    expect(body.includes("\r\n")).toBe(true);
    const parsed = parseBatch(body, contentType);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.parts).toHaveLength(2);
    const [set, get] = parsed.parts;
    expect(set.kind).toBe("changeset");
    if (set.kind !== "changeset" || get.kind !== "request") return;
    expect(set.requests.map((r) => [r.method, r.url, r.contentId])).toEqual([
      ["POST", "https://org.crm.dynamics.com/api/data/v9.2/accounts", "1"],
      ["PATCH", "$1", "2"],
    ]);
    expect(JSON.parse(set.requests[0].body)).toEqual({ name: "A" });
    expect(get.request.url).toBe("https://org.crm.dynamics.com/api/data/v9.2/accounts?$select=name");
  });

  it("parses responses with nested change sets, CRLF or LF", () => {
    const serialized = serializeBatchResponse([
      {
        kind: "changeset",
        responses: [
          {
            status: 204,
            headers: { "OData-EntityId": `${root.href}accounts(0f7c6a4e-1111-4a5b-8c9d-0123456789ab)` },
            body: "",
            contentId: "1",
          },
          { status: 204, headers: {}, body: "", contentId: "2" },
        ],
      },
      {
        kind: "response",
        response: { status: 200, headers: { "Content-Type": "application/json" }, body: '{"value":[]}' },
      },
    ]);
    for (const body of [serialized.body, serialized.body.replace(/\r\n/g, "\n")]) {
      const parts = parseBatchResponse(serialized.contentType, body);
      expect(parts?.map((p) => [p.status, p.contentId])).toEqual([
        [204, "1"],
        [204, "2"],
        [200, undefined],
      ]);
      expect(parts?.[0].headers["odata-entityid"]).toContain("0f7c6a4e");
      expect(parts?.[2].body).toBe('{"value":[]}');
    }
  });

  it("parses a hand-written failed change set answer", () => {
    const body = [
      "--batchresponse_1",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "",
      "HTTP/1.1 400 Bad Request",
      "Content-Type: application/json; odata.metadata=minimal",
      "",
      '{"error":{"code":"0x80040217","message":"account With Id = x Does Not Exist"}}',
      "--batchresponse_1--",
      "",
    ].join("\r\n");
    const parts = parseBatchResponse("multipart/mixed; boundary=batchresponse_1", body);
    expect(parts).toEqual([
      {
        status: 400,
        headers: { "content-type": "application/json; odata.metadata=minimal" },
        body: '{"error":{"code":"0x80040217","message":"account With Id = x Does Not Exist"}}',
      },
    ]);
    expect(parseBatchResponse("application/json", body)).toBeUndefined();
  });

  it("keeps a change set's responses together, so a failed set does not shift later results", () => {
    const serialized = serializeBatchResponse([
      { kind: "response", response: { status: 400, headers: {}, body: '{"error":{"code":"0x1","message":"bad"}}' } },
      {
        kind: "changeset",
        responses: [
          { status: 204, headers: {}, body: "", contentId: "1" },
          { status: 204, headers: {}, body: "", contentId: "2" },
        ],
      },
      { kind: "response", response: { status: 200, headers: {}, body: "{}" } },
    ]);
    const groups = parseBatchResponseGroups(serialized.contentType, serialized.body);
    expect(groups?.map((g) => g.map((r) => r.status))).toEqual([[400], [204, 204], [200]]);
  });
});
