// The two APIs the emulator serves (standard v2.0 and the companion API) as maps of entity set → page, plus the
// union of all pages' fields per table (so a row inserted through one page gets the defaults of the others).

import { COMPANION_ENTITIES } from "../companion/entities.ts";
import { STANDARD_ENTITIES, subscriptionEntity } from "./standard.ts";
import type { EntityDef, FieldDef } from "./types.ts";

export interface ApiDef {
  /** Route segment after `/api/`: `v2.0` or `bcsync/integration/v1.0`. */
  route: string;
  pages: Map<string, EntityDef>;
}

const toMap = (defs: readonly EntityDef[]) => new Map(defs.map((d) => [d.set, d]));

export const STANDARD_API: ApiDef = { route: "v2.0", pages: toMap([...STANDARD_ENTITIES, subscriptionEntity]) };
export const COMPANION_API_DEF: ApiDef = {
  route: "bcsync/integration/v1.0",
  pages: toMap([STANDARD_ENTITIES[0], ...COMPANION_ENTITIES]),
};

export const APIS: readonly ApiDef[] = [STANDARD_API, COMPANION_API_DEF];

/** Stored column of a page field. */
export const columnOf = (field: string, def: FieldDef): string => def.column ?? field;

const tableColumns = new Map<string, Map<string, FieldDef>>();
for (const api of APIS) {
  for (const page of api.pages.values()) {
    let columns = tableColumns.get(page.table);
    if (!columns) {
      columns = new Map();
      tableColumns.set(page.table, columns);
    }
    for (const [name, field] of Object.entries(page.fields)) {
      const column = columnOf(name, field);
      if (!columns.has(column)) columns.set(column, field);
    }
  }
}

/** Defaults for every column any page over `table` declares. */
export function tableDefaults(table: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, field] of tableColumns.get(table) ?? []) {
    if (column === "id" || column === "lastModifiedDateTime") continue;
    if (field.default !== undefined) out[column] = field.default;
  }
  return out;
}
