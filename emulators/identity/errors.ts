// Entra ID's OAuth error responses: one factory, the real AADSTS codes, statuses and message texts (paraphrased
// where Microsoft's wording is long), and the same body shape: error, error_description ending in trace and
// correlation ids and a timestamp, error_codes, timestamp, trace_id, correlation_id, error_uri.

import { randomUUID } from "node:crypto";

export interface EntraError {
  status: number;
  body: {
    error: string;
    error_description: string;
    error_codes: number[];
    timestamp: string;
    trace_id: string;
    correlation_id: string;
    error_uri: string;
  };
}

export type EntraErrorKind =
  | { kind: "tenant_not_found"; tenant: string }
  | { kind: "missing_parameter"; name: string }
  | { kind: "unsupported_grant_type"; grantType: string }
  | { kind: "unknown_app"; clientId: string; tenant: string }
  | { kind: "missing_secret" }
  | { kind: "bad_secret"; clientId: string }
  | { kind: "bad_user_credentials" }
  | { kind: "scope_not_default"; scope: string }
  | { kind: "scope_invalid"; scope: string }
  | { kind: "unknown_resource"; resource: string; tenant: string };

function describe(e: EntraErrorKind): { status: number; error: string; code: number; text: string } {
  switch (e.kind) {
    case "tenant_not_found":
      return {
        status: 400,
        error: "invalid_request",
        code: 90002,
        text: `Tenant '${e.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      };
    case "missing_parameter":
      return {
        status: 400,
        error: "invalid_request",
        code: 900144,
        text: `The request body must contain the following parameter: '${e.name}'.`,
      };
    case "unsupported_grant_type":
      return {
        status: 400,
        error: "unsupported_grant_type",
        code: 70003,
        text: `The app requested an unsupported grant type '${e.grantType}'.`,
      };
    case "unknown_app":
      return {
        status: 400,
        error: "unauthorized_client",
        code: 700016,
        text: `Application with identifier '${e.clientId}' was not found in the directory '${e.tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      };
    case "missing_secret":
      return {
        status: 401,
        error: "invalid_client",
        code: 7000218,
        text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      };
    case "bad_user_credentials":
      return {
        status: 400,
        error: "invalid_grant",
        code: 50126,
        text: "Error validating credentials due to invalid username or password.",
      };
    case "bad_secret":
      return {
        status: 401,
        error: "invalid_client",
        code: 7000215,
        text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${e.clientId}'.`,
      };
    case "scope_not_default":
      return {
        status: 400,
        error: "invalid_scope",
        code: 1002012,
        text: `The provided value for scope ${e.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      };
    case "scope_invalid":
      return {
        status: 400,
        error: "invalid_scope",
        code: 70011,
        text: `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${e.scope} is not valid.`,
      };
    case "unknown_resource":
      return {
        status: 400,
        error: "invalid_resource",
        code: 500011,
        text: `The resource principal named ${e.resource} was not found in the tenant named ${e.tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      };
  }
}

/** `2026-11-25 00:57:16Z`, the way Entra writes timestamps in error descriptions. */
function entraTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function entraError(e: EntraErrorKind, correlationId: string = randomUUID(), now = new Date()): EntraError {
  const { status, error, code, text } = describe(e);
  const traceId = randomUUID();
  const timestamp = entraTimestamp(now);
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
