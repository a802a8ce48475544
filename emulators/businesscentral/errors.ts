// The one error factory of the Business Central emulator: every error response is built here with the real
// service's code, HTTP status and message shape (`… CorrelationId:  <guid>.`, two spaces, as BC sends it).

import { randomUUID } from "node:crypto";

export interface BcErrorBody {
  error: { code: string; message: string };
}

export class BcError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "BcError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  body(correlationId: string = randomUUID()): BcErrorBody {
    return { error: { code: this.code, message: `${this.message}  CorrelationId:  ${correlationId}.` } };
  }
}

export function isBcError(value: unknown): value is BcError {
  return value instanceof BcError;
}

/** Builders for the errors the emulator raises; messages follow the service's wording. */
export const bcErrors = {
  notFound: (path: string) =>
    new BcError(404, "BadRequest_NotFound", `No HTTP resource was found that matches the request URI '${path}'.`),
  resourceNotFound: (segment: string) =>
    new BcError(404, "BadRequest_ResourceNotFound", `Resource not found for the segment '${segment}'.`),
  querySyntax: (detail: string) =>
    new BcError(400, "BadRequest_NotFound", `Bad Request - Error in query syntax. ${detail}`),
  badRequest: (message: string) => new BcError(400, "BadRequest", message),
  invalidToken: () =>
    new BcError(
      400,
      "BadRequest_InvalidToken",
      "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
    ),
  entityChanged: () => new BcError(409, "Request_EntityChanged", "Another user has already changed the record."),
  methodNotAllowed: (method: string, set: string) =>
    new BcError(
      405,
      "BadRequest_MethodNotAllowed",
      `'${method}' requests for '${set}' of EdmType 'Entity' are not allowed within Microsoft Dynamics NAV OData web services.`,
    ),
  /** dynamics-error-codes.md: ODataNotImplementedException, with the message the table documents. */
  methodNotImplemented: () =>
    new BcError(
      501,
      "BadRequest_MethodNotImplemented",
      "Entity does not support bound actions or an orderby query option did not match the default OrderBy fields of an underlying Query object.",
    ),
  orNotSupported: () =>
    new BcError(
      400,
      "BadRequest_NotSupported",
      "The 'OR' operator is not supported on distinct fields on an OData filter.",
    ),
  alreadyExists: (caption: string, keys: Record<string, string>) =>
    new BcError(
      400,
      "Internal_EntityWithSameKeyExists",
      `The ${caption} already exists. Identification fields and values: ${identification(keys)}`,
    ),
  recordNotFound: (caption: string, keys: Record<string, string>) =>
    new BcError(
      404,
      "Internal_RecordNotFound",
      `The ${caption} does not exist. Identification fields and values: ${identification(keys)}`,
    ),
  /**
   * dynamics-error-codes.md: "The field Account No. of table Gen. Journal Line contains a value (ABL001) that cannot
   * be found in the related table (Vendor)." Without the source table, `caption` names the related one.
   */
  invalidTableRelation: (field: string, caption: string, value: string, sourceTable?: string) =>
    new BcError(
      400,
      "Internal_InvalidTableRelation",
      sourceTable
        ? `The field ${field} of table ${sourceTable} contains a value (${value}) that cannot be found in the related table (${caption}).`
        : `The field ${field} of table ${caption} contains a value (${value}) that cannot be found in the related table.`,
    ),
  stringTooLong: (length: number, max: number) =>
    new BcError(
      400,
      "Application_StringExceededLength",
      `The length of the string is ${length}, but it must be less than or equal to ${max} characters.`,
    ),
  dialog: (message: string) => new BcError(400, "Application_DialogException", message),
  testField: (message: string) => new BcError(400, "Application_FieldValidationException", message),
  evaluate: (value: string, field: string) =>
    new BcError(
      400,
      "Application_EvaluateException",
      `Cannot convert the literal '${value}' to the expected type of '${field}'.`,
    ),
  /** An unknown enum member: code and wording of the use-odata-batch.md example (`Unknown`, 400). */
  notAnOption: (value: string, options: readonly string[]) =>
    new BcError(400, "Unknown", `'${value}' is not an option. The existing options are: ${options.join(",")}`),
  /** dynamics-error-codes.md: NavNCLInvalidGuidFormatException. */
  invalidGuid: () =>
    new BcError(
      400,
      "Application_InvalidGUID",
      "Invalid format of GUID string. The correct format of the GUID string is: CDEF7890-ABCD-0123-1234-567890ABCDEF where 0-9, A-F symbolizes hexadecimal digits.",
    ),
  /** dynamics-error-codes.md: ODataBadRequestException ("Unable to convert value to Date"). */
  notADate: (type: "Date" | "DateTime") => new BcError(400, "BadRequest", `Unable to convert value to ${type}`),
  /** dynamics-error-codes.md: ODataBadRequestNullFieldException. */
  requiredParam: (field: string) =>
    new BcError(400, "BadRequest_RequiredParamNotProvided", `Field '${field}' must not be blank or empty.`),
  /** `Data-Access-Intent: ReadOnly` on a modification (devenv-connect-apps-tips.md; wording not documented). */
  readOnlyIntent: (method: string) =>
    new BcError(
      400,
      "BadRequest",
      `'${method}' requests are not allowed with data access intent 'ReadOnly'. Use 'ReadWrite' for modifications.`,
    ),
  /** The page runtime names the control by its caption ("Control 'Last Date Modified' is read-only"). */
  readOnly: (field: string) =>
    new BcError(400, "BadRequest_InvalidOperation", `Control '${captionOf(field)}' is read-only.`),
  invalidProperty: (field: string, entity: string) =>
    new BcError(
      400,
      "BadRequest_NotFound",
      `The property '${field}' does not exist on type 'Microsoft.NAV.${entity}'. Make sure to only use property names that are defined by the type.`,
    ),
  pageSizeTooLarge: (max: number) =>
    new BcError(413, "BadRequest_RequestEntityTooLarge", `The page size exceeds the maximum of ${max} entities.`),
  /** operational-limits-online.md: max body size 350 MB → 413 (code not documented). */
  bodyTooLarge: (maxMegabytes: number) =>
    new BcError(
      413,
      "BadRequest_RequestEntityTooLarge",
      `The request body exceeds the maximum size of ${maxMegabytes} MB.`,
    ),
  batchTooLarge: (max: number) =>
    new BcError(400, "BadRequest_BatchRequestTooLarge", `The batch request exceeds the maximum of ${max} operations.`),
  unauthorized: (detail: string) =>
    new BcError(401, "Authentication_InvalidCredentials", `The credentials provided are incorrect. ${detail}`.trim()),
  companyNotFound: (id: string) =>
    new BcError(404, "BadRequest_NotFound", `The company '${id}' does not exist or you do not have access to it.`),
  environmentNotFound: (tenant: string, env: string) =>
    new BcError(404, "NoEnvironmentFound", `No environment named '${env}' exists for tenant '${tenant}'.`),
  tooManyRequests: (retryAfterSeconds: number) =>
    new BcError(
      429,
      "Application_TooManyRequests",
      "Too Many Requests. The request was rejected because the rate limit for your user has been exceeded. Retry after a delay.",
      { "Retry-After": String(retryAfterSeconds) },
    ),
  serviceUnavailable: (retryAfterSeconds = 1) =>
    new BcError(503, "Application_ServiceUnavailable", "The service is temporarily unavailable. Try again later.", {
      "Retry-After": String(retryAfterSeconds),
    }),
  internal: (message: string) => new BcError(500, "Unknown", message),
};

/** An API field's caption as the page declares it, derived from its name (`balanceDue` → "Balance Due"). */
export function captionOf(field: string): string {
  const special: Record<string, string> = { number: "No.", id: "Id", documentNo: "Document No." };
  if (special[field]) return special[field];
  const words = field.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(" ");
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
}

function identification(keys: Record<string, string>): string {
  return Object.entries(keys)
    .map(([name, value]) => `${name}='${value}'`)
    .join(",");
}
