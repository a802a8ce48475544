import { describe, expect, it } from "vitest";
import {
  parseBatch,
  parseBatchResponse,
  relativeInnerUrl,
  serializeBatchRequest,
  serializeBatchResponse,
} from "./batch.ts";

// The layout of the example in Microsoft's execute-batch-operations page, with CRLF line breaks.
const docExample = [
  "--batch_AAA123",
  "Content-Type: multipart/mixed;boundary=changeset_BBB456",
  "",
  "--changeset_BBB456",
  "Content-Type: application/http",
  "Content-Transfer-Encoding:binary",
  "Content-ID: 1",
  "",
  "POST https://org.crm.dynamics.com/api/data/v9.2/tasks HTTP/1.1",
  "Content-Type: application/json;type=entry",
  "",
  '{"subject":"Task 1 in batch"}',
  "--changeset_BBB456",
  "Content-Type: application/http",
  "Content-Transfer-Encoding:binary",
  "Content-ID: 2",
  "",
  "PATCH $1 HTTP/1.1",
  "Content-Type: application/json;type=entry",
  "",
  '{"description":"x"}',
  "--changeset_BBB456--",
  "",
  "--batch_AAA123",
  "Content-Type: application/http",
  "Content-Transfer-Encoding:binary",
  "",
  "GET /api/data/v9.2/tasks?$select=subject HTTP/1.1",
  "Accept: application/json",
  "",
  "--batch_AAA123--",
  "",
];

describe("$batch", () => {
  for (const [name, eol] of [
    ["CRLF", "\r\n"],
    ["LF", "\n"],
  ] as const) {
    it(`parses change sets, Content-IDs and GETs (${name})`, () => {
      const parsed = parseBatch(docExample.join(eol), "multipart/mixed;boundary=batch_AAA123");
      if (!parsed.ok) throw new Error(parsed.message);
      expect(parsed.parts).toHaveLength(2);
      const [cs, get] = parsed.parts;
      if (cs.kind !== "changeset" || get.kind !== "request") throw new Error("shape");
      expect(cs.requests.map((r) => [r.method, r.contentId, r.body])).toEqual([
        ["POST", "1", '{"subject":"Task 1 in batch"}'],
        ["PATCH", "2", '{"description":"x"}'],
      ]);
      expect(get.request.method).toBe("GET");
      expect(get.request.body).toBe("");
      expect(get.request.headers.accept).toBe("application/json");
    });
  }

  it("refuses a body without the closing boundary", () => {
    const parsed = parseBatch(docExample.slice(0, 20).join("\n"), "multipart/mixed;boundary=batch_AAA123");
    expect(parsed.ok).toBe(false);
    expect(parseBatch("x", "application/json").ok).toBe(false);
  });

  it("turns absolute, rooted, relative and $n URLs into service-relative paths", () => {
    const root = new URL("http://127.0.0.1:5555/api/data/v9.2/");
    const created = new Map([["1", "tasks(00000000-0000-0000-0000-000000000001)"]]);
    expect(relativeInnerUrl("https://org.crm.dynamics.com/api/data/v9.2/tasks?$top=1", root)).toBe("tasks?$top=1");
    expect(relativeInnerUrl("/api/data/v9.2/tasks", root)).toBe("tasks");
    expect(relativeInnerUrl("tasks", root)).toBe("tasks");
    expect(relativeInnerUrl("$1/subject", root, created)).toBe("tasks(00000000-0000-0000-0000-000000000001)/subject");
    expect(relativeInnerUrl("$2", root, created)).toBeUndefined();
    expect(relativeInnerUrl("/other/tasks", root)).toBeUndefined();
  });

  it("serialises responses that parse back", () => {
    const { body, contentType } = serializeBatchResponse([
      { kind: "changeset", responses: [{ status: 204, headers: { "OData-EntityId": "x" }, body: "", contentId: "1" }] },
      {
        kind: "response",
        response: { status: 200, headers: { "Content-Type": "application/json" }, body: '{"value":[]}' },
      },
    ]);
    expect(body).toContain("\r\nHTTP/1.1 204 No Content\r\n");
    const back = parseBatchResponse(body, contentType);
    expect(back?.[0]).toMatchObject({ kind: "changeset", responses: [{ status: 204, contentId: "1" }] });
    expect(back?.[1]).toMatchObject({ kind: "response", response: { status: 200, body: '{"value":[]}' } });
  });

  it("serialises requests that parse back", () => {
    const { body, contentType } = serializeBatchRequest([
      {
        kind: "changeset",
        requests: [
          {
            method: "POST",
            url: "accounts",
            headers: { "content-type": "application/json" },
            body: "{}",
            contentId: "1",
          },
        ],
      },
    ]);
    const parsed = parseBatch(body, contentType);
    expect(parsed.ok && parsed.parts[0]).toMatchObject({
      kind: "changeset",
      requests: [{ method: "POST", url: "accounts", contentId: "1" }],
    });
  });
});
