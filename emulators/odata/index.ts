export * from "./batch.ts";
export * from "./crm-functions.ts";
export * from "./errors.ts";
export * from "./etag.ts";
export * from "./evaluate.ts";
export * from "./filter.ts";
export * from "./paging.ts";
export * from "./query.ts";
