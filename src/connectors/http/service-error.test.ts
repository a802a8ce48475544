import { describe, expect, it } from "vitest";
import { redact } from "../secrets.ts";
import { findRequestId, mapServiceError, payloadField } from "./service-error.ts";

const ctx = { service: "Dataverse", method: "PATCH", path: "accounts(1)", record: "1" };

describe("mapServiceError", () => {
  it("keeps the service's code, message, status, request id and record", () => {
    const e = mapServiceError(
      ctx,
      400,
      { "x-ms-service-request-id": "req-42" },
      '{"error":{"code":"0x80048d19","message":"Error identified in Payload"}}',
    );
    expect(e.code).toBe("BCSYNC_E_CONNECTOR_SERVICE_ERROR");
    expect(e.params).toMatchObject({ httpStatus: 400, serviceCode: "0x80048d19", requestId: "req-42", record: "1" });
    expect(e.message).toContain("Error identified in Payload");
  });

  it("classifies not found, concurrency, duplicate key and throttling", () => {
    expect(mapServiceError(ctx, 404, {}, '{"error":{"code":"0x80040217","message":"x"}}').code).toBe(
      "BCSYNC_E_CONNECTOR_NOT_FOUND",
    );
    expect(
      mapServiceError(
        ctx,
        412,
        {},
        '{"error":{"code":"0x80060882","message":"The version of the existing record doesn\'t match"}}',
      ).code,
    ).toBe("BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT");
    expect(mapServiceError(ctx, 412, {}, '{"error":{"code":"0x80060892","message":"Entity Key violated"}}').code).toBe(
      "BCSYNC_E_CONNECTOR_DUPLICATE_KEY",
    );
    expect(
      mapServiceError(
        { ...ctx, service: "Business Central" },
        409,
        {},
        '{"error":{"code":"Request_EntityChanged","message":"Another user has already changed the record.  CorrelationId:  1b2c3d4e-0000-4000-8000-000000000009."}}',
      ),
    ).toMatchObject({
      code: "BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT",
      params: { requestId: "1b2c3d4e-0000-4000-8000-000000000009" },
    });
    expect(mapServiceError(ctx, 429, {}, "").code).toBe("BCSYNC_E_CONNECTOR_THROTTLED");
  });

  it("finds Business Central's CorrelationId in the message when no header names the request", () => {
    expect(findRequestId({}, "bad  CorrelationId:  0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b.")).toBe(
      "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
    );
  });

  it("redacts secrets and bearer tokens from any text", () => {
    const text = redact("client_secret=abc123&x=1 Authorization: Bearer eyJ0eXAi.eyJzdWIi.sig my-secret-value", [
      "my-secret-value",
    ]);
    expect(text).not.toContain("abc123");
    expect(text).not.toContain("eyJ0eXAi");
    expect(text).not.toContain("my-secret-value");
  });
});

describe("payloadField (Dataverse 0x80048d19)", () => {
  const help =
    "Error identified in Payload provided by the user for Entity :'account', For more information ----> InnerException : Microsoft.OData.ODataException: ";
  it("takes the property the service names", () => {
    expect(
      payloadField(`${help}The property 'nmae' does not exist on type 'Microsoft.Dynamics.CRM.account'.`, {}),
    ).toBe("nmae");
    expect(payloadField(`${help}An @odata.bind value for 'parentaccountid' must be a URL.`, {})).toBe(
      "parentaccountid",
    );
  });
  it("finds the property of a wrongly typed literal in the body that was sent", () => {
    const message = `${help}Cannot convert the literal 'many' to the expected type 'Edm.Int32'.`;
    expect(payloadField(message, { name: "A", numberofemployees: "many" })).toBe("numberofemployees");
    expect(payloadField(message, { name: "A" })).toBeUndefined();
    expect(payloadField("Error identified in Payload", { a: 1 })).toBeUndefined();
  });
  it("makes a catalogued error naming the field", () => {
    const e = mapServiceError(
      { service: "Dataverse", method: "POST", path: "accounts", record: "A-1", body: { numberofemployees: "many" } },
      400,
      {},
      JSON.stringify({
        error: {
          code: "0x80048d19",
          message: `${help}Cannot convert the literal 'many' to the expected type 'Edm.Int32'.`,
        },
      }),
    );
    expect(e.code).toBe("BCSYNC_E_CONNECTOR_PAYLOAD_INVALID");
    expect(e.params).toMatchObject({ field: "numberofemployees", record: "A-1" });
  });
});
