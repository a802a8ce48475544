import { describe, expect, it } from "vitest";
import { authFailureReason } from "./token-provider.ts";

// What MSAL Node 7 makes of Entra's answer to a wrong client secret (issue 14.5: the ids were printed twice).
const MSAL_MESSAGE =
  "invalid_client: Error(s): 7000215 - Timestamp: 2026-12-05 09:22:19Z - Description: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'abc'. Trace ID: 3e3273c5-1ba5-4b5c-bb38-9ab1db18aff9 Correlation ID: 184ea83d-e17f-42f1-a896-3df56b2557b1 Timestamp: 2026-12-05 09:22:19Z - Correlation ID: 184ea83d-e17f-42f1-a896-3df56b2557b1 - Trace ID: 3e3273c5-1ba5-4b5c-bb38-9ab1db18aff9.";

describe("authFailureReason", () => {
  it("says the code and Entra's description once, ids included once", () => {
    const reason = authFailureReason(new Error(MSAL_MESSAGE));
    expect(reason).toMatch(/^invalid_client: AADSTS7000215: Invalid client secret provided\./);
    for (const part of ["Trace ID", "Correlation ID", "Timestamp", "AADSTS7000215"])
      expect([part, reason.split(part).length - 1]).toEqual([part, 1]);
  });

  it("keeps ids the description does not carry, and passes other messages on unchanged", () => {
    const short =
      "invalid_client: Error(s): 7000215 - Timestamp: 2026-12-05 09:22:19Z - Description: AADSTS7000215: Invalid client secret provided. - Correlation ID: c-1 - Trace ID: t-1";
    expect(authFailureReason(new Error(short))).toBe(
      "invalid_client: AADSTS7000215: Invalid client secret provided. Trace ID: t-1 Correlation ID: c-1",
    );
    expect(authFailureReason(new Error("getaddrinfo ENOTFOUND login.example"))).toBe(
      "getaddrinfo ENOTFOUND login.example",
    );
    expect(authFailureReason("plain")).toBe("plain");
  });
});
