// The connectors' public API: the engine talks to Dataverse and Business Central only through these.
export { type LegacyConnectionSettings, parseConnectionString } from "./auth/connection-string.ts";
export { type ClientCertificate, createTokenProvider, type TokenProvider } from "./auth/token-provider.ts";
export {
  type ApiRoute,
  type BcBatchRequest,
  type BcBatchResult,
  BUSINESS_CENTRAL_DEFAULT_LIMITS,
  BusinessCentralClient,
  type BusinessCentralSettings,
  COMPANION_API,
  CompanyScope,
  createBusinessCentralClient,
  type ListOptions,
  type Page as BcPage,
  type Subscription,
  type WriteOutcome,
} from "./businesscentral/client.ts";
export type { BatchOperation, BatchPart } from "./dataverse/batch.ts";
export {
  type BatchOperationResult,
  type BulkResult,
  type ChangePage,
  createDataverseClient,
  DATAVERSE_DEFAULT_LIMITS,
  DataverseClient,
  type DataverseSettings,
  type Impersonation,
  type Page as DataversePage,
  type QueryOptions,
  type RecordOutcome,
  type Row,
  type UpsertMode,
  type WriteOptions,
  type WriteResult,
} from "./dataverse/client.ts";
export { bind, idFromEntityUrl, keySegment, type RecordKey } from "./dataverse/keys.ts";
export type { TableClient, TypedPage } from "./dataverse/table.ts";
export type { ConnectorMetrics } from "./http/metrics.ts";
export type { RetryPolicy } from "./http/retry.ts";
export type { CallEvent } from "./http/service-client.ts";
export type { ThrottleLimits } from "./http/throttle.ts";
export { fail, ok, type Result } from "./result.ts";
export type { ConnectorSettings, PrincipalSettings } from "./settings.ts";
