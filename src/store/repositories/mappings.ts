import type { MappingDirection } from "../schema.ts";
import type { Executor } from "./executor.ts";
import { nowIso, toFlag } from "./executor.ts";

/**
 * What the store needs to know of a field mapping (structurally the engine's `FieldMapping`, src/engine/model.ts);
 * the rest travels as JSON.
 */
export interface StoredFieldMapping {
  bcField?: string | null;
  dataverseField?: string | null;
  /** Absent: the table mapping's direction. */
  direction?: MappingDirection;
  enabled?: boolean;
  [more: string]: unknown;
}

/** What the store needs to know of a table mapping (structurally the engine's `TableMapping`). */
export interface StoredTableMapping {
  name: string;
  bc: { entitySet: string; [more: string]: unknown };
  dataverse: { table: string; [more: string]: unknown };
  direction: MappingDirection;
  runOrder: number;
  userDefined?: boolean;
  fields: StoredFieldMapping[];
  [more: string]: unknown;
}

/** Integration table mappings with their field mappings, saved and loaded as one unit. */
export class MappingsRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts or replaces a mapping and all its field mappings. Call inside a transaction for atomicity. */
  async save<T extends StoredTableMapping>(mapping: T): Promise<void> {
    const { fields, ...table } = mapping;
    const row = {
      name: mapping.name,
      bc_entity: mapping.bc.entitySet,
      dataverse_table: mapping.dataverse.table,
      direction: mapping.direction,
      run_order: mapping.runOrder,
      user_defined: toFlag(mapping.userDefined ?? false),
      definition: JSON.stringify(table),
      updated_at: nowIso(),
    };
    await this.db
      .insertInto("table_mappings")
      .values(row)
      .onConflict((oc) => oc.column("name").doUpdateSet({ ...row }))
      .execute();
    await this.db.deleteFrom("field_mappings").where("mapping_name", "=", mapping.name).execute();
    if (fields.length === 0) return;
    await this.db
      .insertInto("field_mappings")
      .values(
        fields.map((field, position) => ({
          mapping_name: mapping.name,
          position,
          bc_field: field.bcField ?? null,
          dataverse_field: field.dataverseField ?? null,
          direction: field.direction ?? mapping.direction,
          enabled: toFlag(field.enabled ?? true),
          definition: JSON.stringify(field),
        })),
      )
      .execute();
  }

  async get<T extends StoredTableMapping>(name: string): Promise<T | undefined> {
    const row = await this.db.selectFrom("table_mappings").selectAll().where("name", "=", name).executeTakeFirst();
    if (!row) return undefined;
    const fields = await this.db
      .selectFrom("field_mappings")
      .select("definition")
      .where("mapping_name", "=", name)
      .orderBy("position")
      .execute();
    return { ...JSON.parse(row.definition), fields: fields.map((f) => JSON.parse(f.definition)) } as T;
  }

  /** All mappings in run order (then name). */
  async list<T extends StoredTableMapping>(): Promise<T[]> {
    const rows = await this.db.selectFrom("table_mappings").selectAll().orderBy("run_order").orderBy("name").execute();
    const fields = await this.db
      .selectFrom("field_mappings")
      .selectAll()
      .orderBy("mapping_name")
      .orderBy("position")
      .execute();
    const byMapping = new Map<string, unknown[]>();
    for (const f of fields) {
      const list = byMapping.get(f.mapping_name) ?? [];
      list.push(JSON.parse(f.definition));
      byMapping.set(f.mapping_name, list);
    }
    return rows.map((r) => ({ ...JSON.parse(r.definition), fields: byMapping.get(r.name) ?? [] }) as T);
  }

  async delete(name: string): Promise<boolean> {
    await this.db.deleteFrom("field_mappings").where("mapping_name", "=", name).execute();
    const result = await this.db.deleteFrom("table_mappings").where("name", "=", name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteAll(): Promise<void> {
    await this.db.deleteFrom("field_mappings").execute();
    await this.db.deleteFrom("table_mappings").execute();
  }
}
