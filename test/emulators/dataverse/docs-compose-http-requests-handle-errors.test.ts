// Replays "Compose HTTP requests and handle errors"
// (powerapps-docs: developer/data-platform/webapi/compose-http-requests-handle-errors.md).
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

describe("compose-http-requests-handle-errors", () => {
  it("Every response carries OData-Version and the request id (REQ_ID, x-ms-service-request-id)", async () => {
    for (const res of [
      await world.call("GET", "WhoAmI", { headers: { "If-None-Match": "null" } }),
      await world.call("GET", "accounts(00000000-0000-0000-0000-000000000001)"),
      await fetch(`${world.dataverse.serviceRoot}accounts`),
    ]) {
      expect(res.headers.get("odata-version")).toBe("4.0");
      const id = res.headers.get("req_id");
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(res.headers.get("x-ms-service-request-id")).toBe(id);
    }
  });

  it("Identify status codes: 401 without a token, 404 unknown row, 405 method on a collection", async () => {
    const anonymous = await fetch(`${world.dataverse.serviceRoot}accounts`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer authorization_uri=/);
    const missing = await world.call("GET", "accounts(00000000-0000-0000-0000-000000000001)");
    expect(missing.status).toBe(404);
    const wrongMethod = await world.call("DELETE", "accounts");
    expect(wrongMethod.status).toBe(405);
  });

  it("Parse errors from the response: {error:{code,message}} as JSON", async () => {
    const res = await world.call("GET", "accounts(00000000-0000-0000-0000-000000000001)");
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(await res.json()).toEqual({
      error: {
        code: "0x80040217",
        message: "account With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist",
      },
    });
  });

  it("Include more details with errors: help link and inner message annotations", async () => {
    const res = await world.call("POST", "accounts", {
      body: { name: "x".repeat(161) },
      headers: { Prefer: 'odata.include-annotations="*"' },
    });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as Json).error;
    expect(error.code).toBe("0x80044331");
    expect(error["@Microsoft.PowerApps.CDS.HelpLink"]).toBe(
      "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a80044331&client=platform",
    );
    expect(error["@Microsoft.PowerApps.CDS.InnerError.Message"]).toBe(error.message);
    const only = await world.call("POST", "accounts", {
      body: { name: "x".repeat(161) },
      headers: {
        Prefer:
          'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.PowerApps.CDS.HelpLink"',
      },
    });
    const onlyError = ((await only.json()) as Json).error;
    expect(onlyError["@Microsoft.PowerApps.CDS.HelpLink"]).toBeDefined();
    expect(onlyError["@Microsoft.PowerApps.CDS.InnerError.Message"]).toBeUndefined();
    const plain = ((await (await world.call("POST", "accounts", { body: { name: "x".repeat(161) } })).json()) as Json)
      .error;
    expect(Object.keys(plain)).toEqual(["code", "message"]);
  });

  it("Prefer values: return=representation on PATCH answers 200; include-annotations is echoed", async () => {
    const created = await world.call("POST", "accounts?$select=name", {
      body: { name: "Prefer" },
      headers: { Prefer: 'return=representation,odata.include-annotations="*"' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("preference-applied")).toBe('return=representation,odata.include-annotations="*"');
    const id = ((await created.json()) as Json).accountid;
    const patched = await world.call("PATCH", `accounts(${id})?$select=name`, {
      body: { name: "Prefer 2" },
      headers: { Prefer: "return=representation" },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Json).name).toBe("Prefer 2");
  });
});
