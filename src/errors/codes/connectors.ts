import { defineError } from "../define.ts";

// Errors the connectors raise. Service errors keep the service's own code, message, HTTP status and request id,
// and the record involved, so a sync log line can be matched to the service's telemetry. Secrets never appear.

export const CONNECTOR_CONNECTION_STRING_SYNTAX = defineError<{ position: number; reason: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_SYNTAX",
  message: "The connection string cannot be read at character {position}: {reason}.",
  status: 400,
  fix: "Write the connection string as Key=Value pairs separated by ';'; quote a value that holds ';' or quotes with ' or \" and double the quote character inside it.",
});

export const CONNECTOR_CONNECTION_STRING_DUPLICATE_KEY = defineError<{ key: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_DUPLICATE_KEY",
  message: "The connection string names '{key}' more than once.",
  status: 400,
  fix: "Keep one '{key}' (or one of its aliases) in the connection string.",
});

export const CONNECTOR_CONNECTION_STRING_UNKNOWN_KEY = defineError<{ key: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_UNKNOWN_KEY",
  message: "The connection string has the unknown key '{key}'.",
  status: 400,
  fix: "Remove '{key}' or correct its spelling (known keys: AuthType, Url, Username, Password, AppId, ClientSecret, Thumbprint, RedirectUri, TokenCacheStorePath, LoginPrompt, Domain).",
});

export const CONNECTOR_CONNECTION_STRING_MISSING_KEY = defineError<{ key: string; authType: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_MISSING_KEY",
  message: "The connection string with AuthType={authType} has no '{key}'.",
  status: 400,
  fix: "Add {key}=... to the connection string.",
});

export const CONNECTOR_CONNECTION_STRING_BAD_VALUE = defineError<{ key: string; expected: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_BAD_VALUE",
  message: "The connection string value of '{key}' is not valid: {expected}.",
  status: 400,
  fix: "Correct '{key}' in the connection string: {expected}.",
});

export const CONNECTOR_CONNECTION_STRING_AUTH_TYPE = defineError<{ authType: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_AUTH_TYPE",
  message: "The connection string has AuthType={authType}, which bcsync does not support.",
  status: 400,
  fix: "Use AuthType=OAuth (app registration, the seed's form), AuthType=ClientSecret or AuthType=Certificate. Office365 and AD authentication were retired by Microsoft.",
});

export const CONNECTOR_CONNECTION_STRING_REDIRECT_URI = defineError<{ redirectUri: string; appId: string }>({
  code: "BCSYNC_E_CONNECTOR_CONNECTION_STRING_REDIRECT_URI",
  message: "The connection string has RedirectUri={redirectUri}, but with AppId={appId} it must be app://{appId}.",
  status: 400,
  fix: "Set RedirectUri=app://{appId} (the redirect URI registered on the app registration).",
});

export const CONNECTOR_AUTH_FAILED = defineError<{ clientId: string; authority: string; reason: string }>({
  code: "BCSYNC_E_CONNECTOR_AUTH_FAILED",
  message: "Could not get an access token for client {clientId} from {authority}: {reason}.",
  status: 502,
  fix: "Check the tenant id, client id and client secret (or certificate) of the app registration, and that the authority URL is reachable (for the emulators: trust their CA file).",
});

export const CONNECTOR_AUTHORITY_UNREACHABLE = defineError<{ authority: string; url: string; reason: string }>({
  code: "BCSYNC_E_CONNECTOR_AUTHORITY_UNREACHABLE",
  message: "The sign-in authority {authority} could not be reached ({url}): {reason}.",
  status: 503,
  fix: "Check the authority URL (TenantId/Authority in the connection string), the network and proxy, and that its certificate is trusted (for the emulators: that they run, `npm start`, and their CA file); nothing was synchronized, the next run tries again.",
});

export const CONNECTOR_SERVICE_ERROR = defineError<{
  service: string;
  method: string;
  path: string;
  httpStatus: number;
  serviceCode: string;
  serviceMessage: string;
  requestId: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_SERVICE_ERROR",
  message:
    "{service} answered {httpStatus} {serviceCode} to {method} {path} (record {record}): {serviceMessage} [request id {requestId}]",
  status: 502,
  fix: "Read the service's message: it names the field or rule that failed. Correct the record or the mapping and run the sync job again.",
});

export const CONNECTOR_PAYLOAD_INVALID = defineError<{
  service: string;
  method: string;
  path: string;
  field: string;
  httpStatus: number;
  serviceCode: string;
  serviceMessage: string;
  requestId: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_PAYLOAD_INVALID",
  message:
    "{service} refused field {field} of record {record} ({method} {path}): {httpStatus} {serviceCode} {serviceMessage} [request id {requestId}]",
  status: 422,
  fix: "The value of {field} does not fit the column (its type, or a property the table does not have): correct the value at its source, or the field mapping (its target property or transform), then `npx bcsync errors --retry-all`.",
});

export const CONNECTOR_NOT_FOUND = defineError<{
  service: string;
  path: string;
  serviceCode: string;
  serviceMessage: string;
  requestId: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_NOT_FOUND",
  message: "{service} has no record {record} ({path}): {serviceCode} {serviceMessage} [request id {requestId}]",
  status: 404,
  fix: "The record was deleted or never existed on {service}; uncouple it or let the sync job recreate it.",
});

export const CONNECTOR_CONCURRENCY_CONFLICT = defineError<{
  service: string;
  path: string;
  httpStatus: number;
  serviceCode: string;
  serviceMessage: string;
  requestId: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_CONCURRENCY_CONFLICT",
  message:
    "{service} refused to change record {record} ({path}) because it changed since it was read: {httpStatus} {serviceCode} {serviceMessage} [request id {requestId}]",
  status: 409,
  fix: "Someone else changed the record. The sync job re-reads it and resolves the conflict by the mapping's conflict rule.",
});

export const CONNECTOR_DUPLICATE_KEY = defineError<{
  service: string;
  path: string;
  httpStatus: number;
  serviceCode: string;
  serviceMessage: string;
  requestId: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_DUPLICATE_KEY",
  message:
    "{service} already has a record with the key of {record} ({path}): {httpStatus} {serviceCode} {serviceMessage} [request id {requestId}]",
  status: 409,
  fix: "Couple the existing record instead of creating a new one, or change the key value.",
});

export const CONNECTOR_THROTTLED = defineError<{
  service: string;
  method: string;
  path: string;
  attempts: number;
  requestId: string;
}>({
  code: "BCSYNC_E_CONNECTOR_THROTTLED",
  message: "{service} kept throttling {method} {path} after {attempts} attempts [request id {requestId}].",
  status: 429,
  fix: "Lower the connector limits (limits.maxConcurrent, limits.maxRequestsPerWindow), add another principal, or run the sync job later.",
});

export const CONNECTOR_UNAVAILABLE = defineError<{
  service: string;
  method: string;
  path: string;
  attempts: number;
  reason: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_UNAVAILABLE",
  message: "{service} could not be reached for {method} {path} (record {record}) after {attempts} attempts: {reason}.",
  status: 503,
  fix: "Check the service URL and the network; the request had no effect and the sync job retries it on its next run.",
});

export const CONNECTOR_OUTCOME_UNKNOWN = defineError<{
  service: string;
  method: string;
  path: string;
  reason: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_OUTCOME_UNKNOWN",
  message: "The outcome of {method} {path} on {service} (record {record}) is unknown: {reason}.",
  status: 502,
  fix: "The write may or may not have been applied, so it was not repeated. The sync job reconciles the record (looks it up by its key) before writing again.",
});

export const CONNECTOR_RESPONSE_MALFORMED = defineError<{ service: string; path: string; reason: string }>({
  code: "BCSYNC_E_CONNECTOR_RESPONSE_MALFORMED",
  message: "{service} answered {path} with a response bcsync cannot read: {reason}.",
  status: 502,
  fix: "Check that the URL points at the service's API root and that no proxy or gateway between bcsync and {service} rewrites its answers; the read stopped here and the sync job reads from the same place on its next run. Report the response to the bcsync maintainers if it comes from the service itself.",
});

export const CONNECTOR_RESPONSE_UNREADABLE = defineError<{
  service: string;
  method: string;
  path: string;
  reason: string;
  record: string;
}>({
  code: "BCSYNC_E_CONNECTOR_RESPONSE_UNREADABLE",
  message: "{service} answered {method} {path} (record {record}) with a body bcsync cannot decode: {reason}.",
  status: 502,
  fix: "A body cut short or re-encoded on the way (a proxy, a gateway, a dropped connection) usually reads fine when asked again: bcsync asked again and the sync job retries on its next run. If it repeats, look for a proxy between bcsync and {service} that truncates or re-encodes answers.",
});

export const CONNECTOR_RECORD_MALFORMED = defineError<{
  service: string;
  path: string;
  record: string;
  field: string;
  reason: string;
}>({
  code: "BCSYNC_E_CONNECTOR_RECORD_MALFORMED",
  message: "{service} answered {path} with record {record} whose {field} is not usable: {reason}.",
  status: 502,
  fix: "The record was not synced and the rest of the page was; the watermark stays before it, so the next run reads it again. Check {field} of record {record} on {service} (and any proxy that rewrites answers); once {service} answers it well the next run syncs it.",
});

export const CONNECTOR_DELTA_EXPIRED = defineError<{ entitySet: string; serviceMessage: string }>({
  code: "BCSYNC_E_CONNECTOR_DELTA_EXPIRED",
  message: "The change-tracking delta link for {entitySet} is no longer valid: {serviceMessage}",
  status: 410,
  fix: "Run a full read of {entitySet} to get a new delta link (Dataverse keeps changes for 7 days by default).",
});

export const CONNECTOR_BATCH_TOO_LARGE = defineError<{ service: string; count: number; max: number }>({
  code: "BCSYNC_E_CONNECTOR_BATCH_TOO_LARGE",
  message: "A {service} change set of {count} operations exceeds the limit of {max}.",
  status: 400,
  fix: "Split the change set: atomic change sets cannot be split by the connector without losing atomicity.",
});

export const CONNECTOR_CA_FILE_UNREADABLE = defineError<{ path: string; reason: string }>({
  code: "BCSYNC_E_CONNECTOR_CA_FILE_UNREADABLE",
  message: "Cannot read the CA certificate file {path}: {reason}.",
  status: 400,
  fix: "Point caFile at the PEM certificate the emulators print at start (tls/ in their data directory), or leave it out for a real tenant.",
});
