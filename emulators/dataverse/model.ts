// Lookups over the table schemas: entity sets, attributes, navigation properties.
import { type Column, lookupValue, type ManyToMany, type OneToMany, type TableDef } from "./schema.ts";
import { TABLES } from "./tables/index.ts";

export type Navigation =
  /** Single-valued: a lookup column; `target` fixed for typed polymorphic names (`customerid_account`). */
  | { kind: "single"; name: string; column: Column; target?: string }
  | { kind: "oneToMany"; name: string; rel: OneToMany }
  | { kind: "manyToMany"; name: string; rel: ManyToMany };

export interface TableModel {
  def: TableDef;
  columns: Map<string, Column>;
  /** Attribute names as they appear in JSON: plain columns and `_x_value` for lookups. */
  attributes: Map<string, Column>;
  navigation: Map<string, Navigation>;
}

export class Model {
  readonly tables = new Map<string, TableModel>();
  readonly bySet = new Map<string, TableModel>();

  constructor(defs: readonly TableDef[] = TABLES) {
    for (const def of defs) {
      const columns = new Map(def.columns.map((c) => [c.name, c]));
      const attributes = new Map<string, Column>();
      const navigation = new Map<string, Navigation>();
      for (const c of def.columns) {
        if (c.type !== "lookup") {
          attributes.set(c.name, c);
          continue;
        }
        attributes.set(lookupValue(c.name), c);
        const targets = c.targets ?? [];
        if (targets.length === 1 || c.singleNav) navigation.set(c.name, { kind: "single", name: c.name, column: c });
        if (targets.length > 1) {
          for (const t of targets) {
            navigation.set(`${c.name}_${t}`, { kind: "single", name: `${c.name}_${t}`, column: c, target: t });
          }
        }
      }
      for (const rel of def.oneToMany) navigation.set(rel.name, { kind: "oneToMany", name: rel.name, rel });
      for (const rel of def.manyToMany) navigation.set(rel.name, { kind: "manyToMany", name: rel.name, rel });
      const model: TableModel = { def, columns, attributes, navigation };
      this.tables.set(def.logicalName, model);
      this.bySet.set(def.entitySet, model);
    }
  }

  table(logicalName: string): TableModel {
    const t = this.tables.get(logicalName);
    if (!t) throw new Error(`Unknown table ${logicalName}`);
    return t;
  }

  /**
   * Adds a value to a picklist column's local option set (InsertOptionValue): this model's copy of the column
   * and table definition change, the shared schema stays as it is.
   */
  addOption(logicalName: string, columnName: string, value: number, label: string): void {
    const t = this.table(logicalName);
    const old = t.columns.get(columnName);
    if (!old) throw new Error(`Unknown column ${logicalName}.${columnName}`);
    const column: Column = {
      ...old,
      options: [...(old.options ?? []), value],
      labels: { ...(old.labels ?? {}), [value]: label },
    };
    t.columns.set(columnName, column);
    t.attributes.set(columnName, column);
    t.def = { ...t.def, columns: t.def.columns.map((c) => (c === old ? column : c)) };
  }

  /** Lookup columns of other tables that point at `logicalName` (for cascades on delete). */
  referencing(logicalName: string): { table: TableModel; column: Column }[] {
    const out: { table: TableModel; column: Column }[] = [];
    for (const t of this.tables.values()) {
      for (const c of t.def.columns) {
        if (c.type === "lookup" && c.targets?.includes(logicalName) && !c.readOnly) out.push({ table: t, column: c });
      }
    }
    return out;
  }
}
