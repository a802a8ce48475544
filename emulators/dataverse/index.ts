export { dv as dataverseErrors } from "./errors.ts";
export { Model } from "./model.ts";
export { type Caller, LOOKUP_TYPE, Records } from "./records.ts";
export * from "./seed/ids.ts";
export { DEMO_SALESPEOPLE, SYSTEM_USER_ID } from "./seed/seed.ts";
export {
  type DataverseEmulator,
  type DataverseEmulatorOptions,
  SERVICE_PATH,
  startDataverseEmulator,
} from "./server.ts";
export { TABLES } from "./tables/index.ts";
