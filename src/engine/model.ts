// The mapping model: a table mapping (one BC entity ↔ one Dataverse table) and its field mappings, as pure data.
// Integration defaults, user-defined mappings and exported files all use these schemas, so a mapping file that
// parses here is one the engine can run without code changes.

import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";

/** Which way data may flow. `toDataverse` = BC → Dataverse, `fromDataverse` = Dataverse → BC. */
export const SyncDirection = z.enum(["toDataverse", "fromDataverse", "bidirectional"]);
export type SyncDirection = z.infer<typeof SyncDirection>;

/** The direction of one pass of a sync run (a bidirectional mapping runs two passes: to, then from). */
export const PassDirection = z.enum(["toDataverse", "fromDataverse"]);
export type PassDirection = z.infer<typeof PassDirection>;

export const UpdateConflictPolicy = z.enum(["none", "bcWins", "dataverseWins"]);
export type UpdateConflictPolicy = z.infer<typeof UpdateConflictPolicy>;

export const DeletionConflictPolicy = z.enum(["none", "removeCoupling", "restoreRecord"]);
export type DeletionConflictPolicy = z.infer<typeof DeletionConflictPolicy>;

/** A value a field mapping may write as a constant (BC "Constant Value"). */
export const ConstantValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ConstantValue = z.infer<typeof ConstantValue>;

/**
 * A second API page of the same BC record (same SystemId), for fields the main page lacks: e.g. a customer's fax
 * number exists only on the companion page, a posted invoice's ship-to address only on v2.0. Its fields are read
 * with the record (merged into its values) and written back to this page.
 */
export const BcSecondaryPage = z.object({
  api: z.enum(["v2.0", "companion"]),
  entitySet: z.string().min(1),
  /** BC fields this page holds; field mappings name them like any other BC field. */
  fields: z.array(z.string().min(1)).min(1),
});
export type BcSecondaryPage = z.infer<typeof BcSecondaryPage>;

export const BcSide = z.object({
  /** `v2.0` = the standard API; `companion` = bcsync's companion API pages for what v2.0 lacks. */
  api: z.enum(["v2.0", "companion"]).default("v2.0"),
  /** Entity set name, e.g. `customers`. */
  entitySet: z.string().min(1),
  /** The BC SystemId exposed by the API; the coupling key. */
  keyField: z.string().min(1).default("id"),
  modifiedField: z.string().min(1).default("lastModifiedDateTime"),
  /** OData `$filter` restricting which BC records take part (BC "Table Filter"); main page fields only. */
  filter: z.string().min(1).optional(),
  secondary: BcSecondaryPage.optional(),
});
export type BcSide = z.infer<typeof BcSide>;

export const DataverseSide = z.object({
  /** Logical name, e.g. `account`. */
  table: z.string().min(1),
  /** Entity set name, e.g. `accounts`. */
  entitySet: z.string().min(1),
  /** Primary key attribute, e.g. `accountid`. */
  keyField: z.string().min(1),
  modifiedField: z.string().min(1).default("modifiedon"),
  /** Lookup value property that names who last modified the row; used for echo suppression (seed S15). */
  modifiedByField: z.string().min(1).default("_modifiedby_value"),
  /** Row version property (ETag) used to recognise our own writes. */
  versionField: z.string().min(1).default("@odata.etag"),
  /** OData `$filter` restricting which rows take part (BC "Integration Table Filter"). */
  filter: z.string().min(1).optional(),
  /**
   * Properties every row this mapping creates gets, e.g. the company lookup of Business Central's integration
   * solution (`bcbi_companyid@odata.bind`), so that rows created for one BC company stay out of another's filter.
   */
  createValues: z.record(z.string(), z.unknown()).optional(),
});
export type DataverseSide = z.infer<typeof DataverseSide>;

/** A named transform from the registry (src/engine/transforms.ts), with its arguments. */
export const TransformRef = z.object({
  name: z.string().min(1),
  args: z.record(z.string(), z.unknown()).optional(),
});
export type TransformRef = z.infer<typeof TransformRef>;

export const OptionMapEntry = z.object({
  /** BC enum value or code, e.g. `Net_x0020_30` or `NET30`. */
  bc: z.string(),
  /** Dataverse option-set integer. */
  dataverse: z.number().int(),
  /** Dataverse option label, for people and for label-first reverse lookups. */
  label: z.string().optional(),
});
export type OptionMapEntry = z.infer<typeof OptionMapEntry>;

export const OptionMap = z.object({
  entries: z.array(OptionMapEntry),
  /** What to do with a value that has no entry: fail the record (default), write null/blank, or leave the target. */
  unmapped: z.enum(["fail", "clear", "keep"]).default("fail"),
  /** BC enum comparisons ignore case unless set. */
  caseSensitive: z.boolean().default(false),
});
export type OptionMap = z.infer<typeof OptionMap>;

/**
 * Resolve a reference through the couplings of another table mapping. BC → DV: the BC value (the referenced
 * record's id, or its `bcMatchField` value such as a salesperson `code`) → the coupled Dataverse id, written as
 * `<dataverseField>@odata.bind: /<entitySet>(<id>)`. DV → BC: `_<dataverseField>_value` → the coupled BC id
 * (or that record's `bcMatchField` value).
 */
export const LookupRef = z.object({
  mapping: z.string().min(1),
  /** Field of the referenced BC record that the BC value holds; absent = the value is the referenced BC id. */
  bcMatchField: z.string().min(1).optional(),
  /** Navigation property to bind when it differs from the attribute, e.g. `customerid_account`. */
  dataverseNavigation: z.string().min(1).optional(),
  /**
   * The referenced mapping is an option-set mapping: the Dataverse value is the option's integer, read from and
   * written to the attribute itself (no `_x_value`, no bind).
   */
  option: z.boolean().default(false),
  /**
   * DV → BC: the value written is a field of another BC record, found by the referenced record's `bcMatchField`
   * value. A contact's company number, say, is the number of the company contact whose customer number is the
   * coupled customer's (BC's CRM integration sets Contact "Company No." from the parent account this way).
   */
  bcRelated: z
    .object({
      api: z.enum(["v2.0", "companion"]).default("v2.0"),
      entitySet: z.string().min(1),
      /** Field of the related record that holds the referenced record's `bcMatchField` value. */
      matchField: z.string().min(1),
      /** Field of the related record that the lookup writes. */
      valueField: z.string().min(1),
      /** Narrows the related records, e.g. `type eq 'Company'`. */
      filter: z.string().min(1).optional(),
    })
    .optional(),
});
export type LookupRef = z.infer<typeof LookupRef>;

/** The lookup table a reference resolves through: one per referenced mapping, and one per related BC record kind. */
export function lookupTableKey(ref: LookupRef): string {
  const r = ref.bcRelated;
  return r ? `${ref.mapping}>${r.entitySet}.${r.valueField}` : ref.mapping;
}

export const MatchRule = z.object({
  /** Fields with the same priority are AND-ed; priorities are tried in ascending order. */
  priority: z.number().int().min(0).default(0),
  caseSensitive: z.boolean().default(false),
  /**
   * Every source record has a value of its own in this field (a key, such as an item's number): a record created
   * for one page can never be a candidate of another, so a full sync may plan the next page while one is written.
   */
  unique: z.boolean().optional(),
});
export type MatchRule = z.infer<typeof MatchRule>;

export const FieldMapping = z
  .object({
    /** Stable name for logs, conflicts and review; defaults to `<bcField>|<dataverseField>`. */
    name: z.string().min(1).optional(),
    bcField: z.string().min(1).optional(),
    dataverseField: z.string().min(1).optional(),
    /** Absent = the table mapping's direction. */
    direction: SyncDirection.optional(),
    /** Written into the destination when the source field is absent (BC "Constant Value"). */
    constant: ConstantValue.optional(),
    /** Applied to the source value before option maps and lookups. */
    transform: TransformRef.optional(),
    /** Inline option map, or the name of one in the table mapping's `optionMaps`. */
    optionMap: z.union([z.string().min(1), OptionMap]).optional(),
    lookup: LookupRef.optional(),
    /** Run the destination's validation (BC OnValidate) when writing; passed to the connector. */
    validate: z.boolean().default(false),
    /** A lookup that cannot be resolved writes null/blank instead of failing the record. */
    clearOnFail: z.boolean().default(false),
    /** A null result does not overwrite the destination (used for owners). */
    notNull: z.boolean().default(false),
    /**
     * Written only when the target record is created, never on an update (e.g. a product's unit group, which
     * Sales does not allow to change). Matched (freshly coupled) targets keep their value too.
     */
    insertOnly: z.boolean().default(false),
    enabled: z.boolean().default(true),
    /** Use this field for match-based coupling. */
    match: MatchRule.optional(),
  })
  .refine((f) => f.bcField !== undefined || f.dataverseField !== undefined, {
    message: "a field mapping needs a bcField, a dataverseField, or both",
  })
  .refine((f) => !(f.clearOnFail && f.notNull), { message: "clearOnFail cannot be combined with notNull" });
export type FieldMapping = z.infer<typeof FieldMapping>;
export type FieldMappingInput = z.input<typeof FieldMapping>;

export const ParentRef = z.object({
  /** The header mapping, e.g. `POSTEDSALESINV-INV` for invoice lines. */
  mapping: z.string().min(1),
  /** Field on the BC child holding the parent's BC id, e.g. `invoiceId`. */
  bcParentField: z.string().min(1),
  /** Lookup attribute on the Dataverse child, e.g. `invoiceid`. */
  dataverseParentField: z.string().min(1),
  /** Navigation property to bind when the parent lookup is polymorphic, e.g. a note's `objectid_salesorder`. */
  dataverseParentNavigation: z.string().min(1).optional(),
});
export type ParentRef = z.infer<typeof ParentRef>;

export const JobDefaults = z.object({
  intervalMinutes: z.number().int().min(1).default(30),
  inactivityTimeoutMinutes: z.number().int().min(5).default(720),
});
export type JobDefaults = z.infer<typeof JobDefaults>;

export const TableMapping = z
  .object({
    /** Primary key, e.g. `CUSTOMER`, `ITEM-PRODUCT`. */
    name: z.string().regex(/^[A-Z0-9][A-Z0-9_\-. ]{0,49}$/, "upper-case letters, digits, - _ . and spaces"),
    /**
     * `optionSet`: a BC code table ↔ the options of one Dataverse option-set attribute (BC "CRM Option Mapping":
     * PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT). `dataverse.keyField` names the attribute; the first field
     * mapping's BC field holds the code matched against option labels. Runs BC → DV only.
     */
    kind: z.enum(["table", "optionSet"]).default("table"),
    description: z.string().optional(),
    bc: BcSide,
    dataverse: DataverseSide,
    direction: SyncDirection,
    /** Scheduled runs ignore uncoupled records (no counterparts created); full sync overrides it. */
    syncOnlyCoupled: z.boolean().default(true),
    /** Uncoupled records without a match get a counterpart created; false = update-only / couple-only. */
    createNew: z.boolean().default(true),
    /** Child mappings (lines) sync under their header: the parent reference resolves through its couplings. */
    parent: ParentRef.optional(),
    /** Mappings that must be synchronized first (full sync ordering, run order). */
    dependsOn: z.array(z.string().min(1)).default([]),
    /** Lower runs first among mappings whose dependencies are met. */
    runOrder: z.number().int().default(100),
    updateConflict: UpdateConflictPolicy.default("none"),
    deletionConflict: DeletionConflictPolicy.default("none"),
    /** Merge edits of different fields; only the same field changed on both sides is a conflict. */
    fieldLevelMerge: z.boolean().default(true),
    /** Propagate deletes of coupled records to the other side (BC never does; off by default). */
    propagateDeletes: z.boolean().default(false),
    /** More deletions than this in one run are held for approval instead of executed. */
    massDeleteThreshold: z.number().int().min(0).default(20),
    /** The same failure this many times in a row marks the coupling skipped (BC: 2). 0 = never skip. */
    skipAfterFailures: z.number().int().min(0).default(2),
    job: JobDefaults.default({ intervalMinutes: 30, inactivityTimeoutMinutes: 720 }),
    userDefined: z.boolean().default(false),
    /**
     * Option-set mappings: a BC code with no option of its label gets one inserted into the Dataverse option set
     * (InsertOptionValue), as BC's own integration does; false = the code is reported as an error instead.
     */
    insertMissingOptions: z.boolean().default(false),
    /**
     * Other choice columns that carry this option set's values (Sales documents copy the account's payment terms,
     * shipping method and freight terms into local option sets of their own): an inserted option is inserted
     * there too, with the same value and label, so the coupled value is valid on every table that uses it.
     */
    optionSetCopies: z.array(z.object({ table: z.string().min(1), attribute: z.string().min(1) })).default([]),
    /** Named option maps referenced by field mappings. */
    optionMaps: z.record(z.string(), OptionMap).default({}),
    /**
     * BC records this mapping creates get the next code of a series in `field` when the plan leaves it blank
     * (BC's Salesperson hook: `SP NO. 00001`, then the highest existing `SP NO. 0…` code plus one).
     */
    bcCodeSeries: z
      .object({ field: z.string().min(1), prefix: z.string().min(1), digits: z.number().int().min(1).max(20) })
      .optional(),
    fields: z.array(FieldMapping).min(1),
  })
  .superRefine((m, ctx) => {
    for (const [i, f] of m.fields.entries()) {
      if (typeof f.optionMap === "string" && !(f.optionMap in m.optionMaps)) {
        ctx.addIssue({
          code: "custom",
          path: ["fields", i, "optionMap"],
          message: `option map '${f.optionMap}' is not defined in optionMaps`,
        });
      }
      const dir = f.direction ?? m.direction;
      if (m.direction !== "bidirectional" && dir !== m.direction) {
        ctx.addIssue({
          code: "custom",
          path: ["fields", i, "direction"],
          message: `field direction ${dir} is not allowed in a ${m.direction} mapping`,
        });
      }
    }
    for (const name of m.bc.secondary?.fields ?? []) {
      if (name === m.bc.keyField || name === m.bc.modifiedField) {
        ctx.addIssue({
          code: "custom",
          path: ["bc", "secondary", "fields"],
          message: `${name} is read from the main page`,
        });
      }
    }
    if (m.kind === "optionSet" && (m.direction !== "toDataverse" || !m.fields[0]?.bcField)) {
      ctx.addIssue({
        code: "custom",
        path: ["kind"],
        message: "an option-set mapping runs toDataverse and its first field mapping names the BC code field",
      });
    }
    const used = new Set<string>();
    for (const [i, f] of m.fields.entries()) {
      const key = fieldKey(f);
      if (used.has(key)) ctx.addIssue({ code: "custom", path: ["fields", i], message: `duplicate field ${key}` });
      used.add(key);
    }
  });
export type TableMapping = z.infer<typeof TableMapping>;
export type TableMappingInput = z.input<typeof TableMapping>;

/** The stable name of a field mapping. */
export function fieldKey(f: Pick<FieldMapping, "name" | "bcField" | "dataverseField">): string {
  return f.name ?? `${f.bcField ?? ""}|${f.dataverseField ?? ""}`;
}

/** The direction a field mapping effectively has inside its table mapping. */
export function fieldDirection(mapping: Pick<TableMapping, "direction">, f: FieldMapping): SyncDirection {
  return f.direction ?? mapping.direction;
}

/** Passes a run of this mapping performs, in order (BC → DV first, as BC does). */
export function passesOf(direction: SyncDirection): PassDirection[] {
  if (direction === "bidirectional") return ["toDataverse", "fromDataverse"];
  return [direction];
}

/** Enabled field mappings that take part in a pass. */
export function fieldsForPass(mapping: TableMapping, pass: PassDirection): FieldMapping[] {
  return mapping.fields.filter((f) => {
    if (!f.enabled) return false;
    const dir = fieldDirection(mapping, f);
    if (dir !== "bidirectional" && dir !== pass) return false;
    // A field must have a destination on the pass's target side.
    return pass === "toDataverse" ? f.dataverseField !== undefined : f.bcField !== undefined;
  });
}

/**
 * The Dataverse id of an option coupling: `<table>.<attribute>=<value>`, e.g. `account.paymenttermscode=3`.
 * One couplings table holds record and option couplings; the id names the option set, so the same value of two
 * option sets never collides, and a lookup recovers the integer from it.
 */
export function optionCouplingId(mapping: Pick<TableMapping, "dataverse">, value: number | string): string {
  return `${mapping.dataverse.table}.${mapping.dataverse.keyField}=${value}`.toLowerCase();
}

/** The option value an option coupling id holds, or undefined for a record id. */
export function optionValueOf(dataverseId: string): number | undefined {
  const at = dataverseId.lastIndexOf("=");
  if (at < 0) return undefined;
  const value = Number(dataverseId.slice(at + 1));
  return Number.isInteger(value) ? value : undefined;
}

/**
 * The BC id of a coupling that stands for a match value without a BC record of its own, e.g. the local currency
 * (BC's v2.0 pages show the LCY code, which has no Currencies row): `<bcMatchField>=<value>`, e.g. `code=usd`.
 * Lookups by that match field resolve through it like through a record's coupling.
 */
export function matchValueCouplingId(bcMatchField: string, value: string): string {
  return `${bcMatchField}=${value}`.toLowerCase();
}

/** The match value a match-value coupling's BC id stands for (upper-case: BC codes), or undefined. */
export function matchValueOf(bcMatchField: string, bcId: string): string | undefined {
  const prefix = `${bcMatchField}=`.toLowerCase();
  return bcId.startsWith(prefix) ? bcId.slice(prefix.length).toUpperCase() : undefined;
}

/** The option map a field uses, resolving named maps. */
export function optionMapOf(mapping: TableMapping, f: FieldMapping): OptionMap | undefined {
  if (f.optionMap === undefined) return undefined;
  return typeof f.optionMap === "string" ? mapping.optionMaps[f.optionMap] : f.optionMap;
}

// ---- Declarative file format ---------------------------------------------------------------------------------

/** A mapping file holds one table mapping, or a set of them under `mappings`. */
export const MappingFile = z.union([
  z.object({ version: z.literal(1).default(1), mappings: z.array(TableMapping) }),
  TableMapping,
]);

export type MappingFormat = "json" | "yaml";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Parses a mapping file (JSON or YAML) into validated table mappings. Errors are values. */
export function parseMappings(text: string, format: MappingFormat = "yaml"): ParseResult<TableMapping[]> {
  let raw: unknown;
  try {
    raw = format === "json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return { ok: false, issues: [`not valid ${format}: ${(error as Error).message}`] };
  }
  // The file's shape chooses the schema: validated as the union, every mistake read "(root): Invalid input", naming
  // neither the mapping nor the field (issue 14, bad input).
  const set = raw !== null && typeof raw === "object" && !Array.isArray(raw) && "mappings" in raw;
  const parsed = (set ? MappingFile.options[0] : MappingFile.options[1]).safeParse(raw);
  if (!parsed.success) {
    const nameAt = (index: unknown): string => {
      const entry = set ? (raw as { mappings?: unknown }).mappings : undefined;
      const name = Array.isArray(entry) ? (entry[Number(index)] as { name?: unknown } | undefined)?.name : undefined;
      return typeof name === "string" ? ` (${name})` : "";
    };
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => {
        const path = i.path.map(String);
        if (set && path[0] === "mappings" && path.length > 1) path[1] = `${path[1]}${nameAt(path[1])}`;
        return `${path.join(".") || "(root)"}: ${i.message}`;
      }),
    };
  }
  const mappings = "mappings" in parsed.data ? parsed.data.mappings : [parsed.data];
  const names = new Set<string>();
  for (const m of mappings) {
    if (names.has(m.name)) return { ok: false, issues: [`duplicate table mapping ${m.name}`] };
    names.add(m.name);
  }
  return { ok: true, value: mappings };
}

/** Validates one table mapping given as plain data (e.g. an integration default). Throws on a bug in the data. */
export function defineTableMapping(input: TableMappingInput): TableMapping {
  return TableMapping.parse(input);
}

/** Writes mappings as a file that `parseMappings` reads back to equal values. */
export function serializeMappings(mappings: TableMapping[], format: MappingFormat = "yaml"): string {
  const doc = { version: 1, mappings: mappings.map(stripUndefined) };
  return format === "json" ? `${JSON.stringify(doc, null, 2)}\n` : stringifyYaml(doc, { lineWidth: 0 });
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
