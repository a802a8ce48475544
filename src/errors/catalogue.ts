// Every catalogued error, by area. Add an area by adding a file under codes/ and a line here.

import * as admin from "./codes/admin.ts";
import * as config from "./codes/config.ts";
import * as connectors from "./codes/connectors.ts";
import * as emulate from "./codes/emulate.ts";
import * as engine from "./codes/engine.ts";
import * as integration from "./codes/integration.ts";
import * as server from "./codes/server.ts";
import * as store from "./codes/store.ts";
import type { ErrorDefinition } from "./define.ts";

export * from "./codes/admin.ts";
export * from "./codes/config.ts";
export * from "./codes/connectors.ts";
export * from "./codes/emulate.ts";
export * from "./codes/engine.ts";
export * from "./codes/integration.ts";
export * from "./codes/server.ts";
export * from "./codes/store.ts";
export * from "./define.ts";

export const ERROR_AREAS: Record<string, Record<string, unknown>> = {
  admin,
  config,
  connectors,
  emulate,
  engine,
  integration,
  server,
  store,
};

export function allErrorDefinitions(): ErrorDefinition[] {
  const defs: ErrorDefinition[] = [];
  for (const area of Object.values(ERROR_AREAS)) {
    for (const value of Object.values(area)) {
      if (value && typeof value === "object" && "code" in value && "fix" in value) defs.push(value as ErrorDefinition);
    }
  }
  return defs.sort((a, b) => a.code.localeCompare(b.code));
}
