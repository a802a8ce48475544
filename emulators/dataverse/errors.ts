// Every error the Dataverse emulator returns, with the service's code (hex, as the Web API's `error.code`),
// HTTP status and message. Codes: Microsoft's web-service-error-codes list and observed payloads; the few not
// confirmed there are marked.
import { createErrorFactory } from "../odata/errors.ts";

const PAYLOAD_HELP =
  "For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293";

export const dv = createErrorFactory({
  /** ObjectDoesNotExist. */
  notFound: {
    status: 404,
    code: "0x80040217",
    message: (entity: string, id: string) => `${entity} With Id = ${id} Does Not Exist`,
  },
  /** RetrieveRecordWithKeyNotFound-style: an alternate key that matches no row. */
  keyNotFound: {
    status: 404,
    code: "0x80060891",
    message: (entity: string) => `A record with the specified key values does not exist in ${entity} entity`,
  },
  /** [unverified code] a table or column definition that does not exist. */
  metadataNotFound: {
    status: 404,
    code: "0x80040217",
    message: (key: string) => `Could not find entity or attribute with key ${key}.`,
  },
  segmentNotFound: {
    status: 404,
    code: "0x8006088a",
    message: (segment: string) => `Resource not found for the segment '${segment}'.`,
  },
  payloadProperty: {
    status: 400,
    code: "0x80048d19",
    message: (entity: string, property: string) =>
      `Error identified in Payload provided by the user for Entity :'${entity}', ${PAYLOAD_HELP}  ----> InnerException : Microsoft.OData.ODataException: The property '${property}' does not exist on type 'Microsoft.Dynamics.CRM.${entity}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  },
  payloadValue: {
    status: 400,
    code: "0x80048d19",
    message: (entity: string, detail: string) =>
      `Error identified in Payload provided by the user for Entity :'${entity}', ${PAYLOAD_HELP}  ----> InnerException : Microsoft.OData.ODataException: ${detail}`,
  },
  badJson: {
    status: 400,
    code: "0x80048d19",
    message: (detail: string) => `Error identified in Payload provided by the user. ${detail}`,
  },
  queryProperty: {
    status: 400,
    code: "0x80060888",
    message: (property: string, entity: string) =>
      `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${entity}'.`,
  },
  /** use-alternate-key-reference-record: columns that are not a key of the table. */
  badKey: {
    status: 400,
    code: "0x80060888",
    message: (entity: string) =>
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${entity}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${entity}'.`,
  },
  expandRefCollection: {
    status: 400,
    code: "0x80060888",
    message: () => "Expand with $ref is only supported on lookup type navigation property.",
  },
  /** query/join-tables, "Nested $expand on collection-valued navigation properties". */
  expandOptionsNested: {
    status: 400,
    code: "0x80060888",
    message: () =>
      "Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.",
  },
  /**
   * TooManyLinkEntitiesInQuery: more than 15 `$expand` options, nested ones included (join-tables; the FetchXml
   * join-tables page gives the code and message).
   */
  tooManyExpands: {
    status: 400,
    code: "0x8004430d",
    message: () => "Number of link entities in query exceeded maximum limit.",
  },
  /** filter-rows, "Manage single quotes": a quote in a literal that was not doubled. */
  unterminatedLiteral: {
    status: 400,
    code: "0x80060888",
    message: (position: number, text: string) =>
      `There is an unterminated literal at position ${position} in '${text}'.`,
  },
  /** [unverified code] aggregate-data: `$orderby` on an aggregate's alias; the documented message. */
  applyOrderby: {
    status: 400,
    code: "0x80060888",
    message: () => "The query node SingleValueOpenPropertyAccess is not supported",
  },
  badQuery: { status: 400, code: "0x80060888", message: (detail: string) => detail },
  /** [unverified code] use-web-api-functions, "Limitations of query functions": the documented message. */
  notQueryFunction: {
    status: 400,
    code: "0x80040203",
    message: () => "Not operator along with the Custom Named Condition operators is not allowed",
  },
  /** TooManyConditionsInQuery (-2147204340), filter-rows "Condition limits". */
  tooManyConditions: {
    status: 400,
    code: "0x8004430c",
    message: () => "Number of conditions in query exceeded maximum limit.",
  },
  stringTooLong: {
    status: 400,
    code: "0x80044331",
    message: (attribute: string, entity: string, max: number) =>
      `A validation error occurred.  The length of the '${attribute}' attribute of the '${entity}' entity exceeded the maximum allowed length of '${max}'.`,
  },
  outOfRange: {
    status: 400,
    code: "0x8004431a",
    message: (value: unknown, attribute: string, entity: string, accepted: string) =>
      `A validation error occurred. The value ${value} of '${attribute}' on record of type '${entity}' is outside the valid range. Accepted Values: ${accepted}`,
  },
  invalidStatus: {
    status: 400,
    code: "0x80048408",
    message: (status: number, stateEnum: string, entity: string, id: string) =>
      `${status} is not a valid status code for state code ${stateEnum} on ${entity} with Id ${id}.`,
  },
  /** [unverified code] the message is the platform's. */
  invalidTransition: {
    status: 400,
    code: "0x80040203",
    message: (state: number, status: number, target: number) =>
      `The state transition requested is not valid for the current state. Current state: ${state}, current status: ${status}, target state: ${target}`,
  },
  /** [unverified code] SystemRequired attribute missing. */
  required: {
    status: 400,
    code: "0x80040200",
    message: (attribute: string, entity: string) =>
      `Attribute '${attribute}' cannot be NULL: a value is required for '${attribute}' on '${entity}'.`,
  },
  invalidArgument: { status: 400, code: "0x80040203", message: (detail: string) => detail },
  duplicateRecord: {
    status: 412,
    code: "0x80040237",
    message: () => "A record with matching key values already exists.",
  },
  /** DuplicateRecord (0x80040333), manage-duplicate-detection-create-update: a 500 as the page shows. */
  duplicateDetected: {
    status: 500,
    code: "0x80040333",
    message: () => "A record was not created or updated because a duplicate of the current record already exists.",
  },
  duplicateKey: {
    status: 412,
    code: "0x80060892",
    message: (key: string, entity: string, values: string) =>
      `A record that has the attribute values ${values} already exists. The entity key ${key} requires that this set of attributes contains unique values. Select unique values and try again. Entity: ${entity}`,
  },
  duplicateCurrency: {
    status: 400,
    code: "0x80048cf3",
    message: () => "Duplicate currency record. A currency with this ISO code already exists.",
  },
  concurrency: {
    status: 412,
    code: "0x80060882",
    message: () => "The version of the existing record doesn't match the RowVersion property provided.",
  },
  changeTrackingOption: {
    status: 400,
    code: "0x80060888",
    message: (option: string) => `The "${option}" query parameter isn't supported when Change Tracking is enabled.`,
  },
  /** ExpiredVersionStamp (-2147204270). */
  expiredDeltaToken: {
    status: 400,
    code: "0x80044352",
    message: () => "Version stamp associated with the client has expired. Please perform a full sync.",
  },
  badDeltaToken: {
    status: 400,
    code: "0x80044352",
    message: (token: string) => `The delta token '${token}' is not valid.`,
  },
  badSkipToken: { status: 400, code: "0x80060888", message: () => "The $skiptoken is not valid for this query." },
  contentIdMissing: {
    status: 400,
    code: "0x80060888",
    message: (ref: string) => `Content-ID Reference: '${ref}' does not exist in the batch context.`,
  },
  methodNotAllowed: {
    status: 405,
    code: "0x80060888",
    message: (method: string) => `The HTTP method '${method}' is not allowed here.`,
  },
  /** Number of requests (-2147015902). */
  tooManyRequests: {
    status: 429,
    code: "0x80072322",
    message: (limit: number, windowSeconds: number) =>
      `Number of requests exceeded the limit of ${limit} over time window of ${windowSeconds} seconds.`,
  },
  /** Combined execution time (-2147015903). */
  executionTime: {
    status: 429,
    code: "0x80072321",
    message: (limitMs: number, windowSeconds: number) =>
      `Combined execution time of incoming requests exceeded limit of ${limitMs.toLocaleString("en-US")}  milliseconds over time window of ${windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
  },
  /** Concurrent requests (-2147015898). */
  concurrentRequests: {
    status: 429,
    code: "0x80072326",
    message: (limit: number) => `Number of concurrent requests exceeded the limit of ${limit}.`,
  },
  /** [unverified code] unManagedinvalidprivilegeedepth: 403 per compose-http-requests-handle-errors. */
  invalidDepth: {
    status: 403,
    code: "0x80040256",
    message: (privilege: string, depth: string) => `Privilege ${privilege} cannot be granted at depth ${depth}.`,
  },
  notMember: { status: 403, code: "0x80072560", message: () => "The user is not a member of the organization." },
  disabledUser: {
    status: 403,
    code: "0x8004001d",
    message: (id: string) => `The user with SystemUserId=${id} is disabled.`,
  },
  bulkType: {
    status: 400,
    code: "0x80048d19",
    message: (entity: string) =>
      `The '@odata.type' annotation is required on every item of Targets and must be 'Microsoft.Dynamics.CRM.${entity}'.`,
  },
  /** [unverified code] the message is the documented one (bulk-operations, DeleteMultiple availability). */
  deleteMultiple: {
    status: 400,
    code: "0x80040203",
    message: () => "DeleteMultiple has not yet been implemented.",
  },
  batchTooLarge: {
    status: 400,
    code: "0x8005f103",
    message: () => "The maximum batch size of 1000 requests has been exceeded.",
  },
  unexpected: {
    status: 500,
    code: "0x80040216",
    message: (detail: string) => `An unexpected error occurred. ${detail}`,
  },
  unavailable: { status: 503, code: "0x80040216", message: () => "The service is temporarily unavailable." },
});

/** Thrown inside request handling and turned into the error response (also rolls back a change set). */
export class DataverseFault extends Error {
  constructor(readonly error: import("../odata/errors.ts").ODataError) {
    super(error.message);
  }
}

export function fail(error: import("../odata/errors.ts").ODataError): never {
  throw new DataverseFault(error);
}
