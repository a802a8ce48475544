// Table schemas of the Dataverse emulator: one file per table in tables/, built with the helpers below so every
// table gets the same audit, ownership and state columns as the service.

export type ColumnType =
  | "uniqueidentifier"
  | "string"
  | "memo"
  | "integer"
  | "bigint"
  | "decimal"
  | "money"
  | "double"
  | "boolean"
  | "datetime"
  | "picklist"
  | "state"
  | "status"
  | "lookup";

export interface Column {
  name: string;
  type: ColumnType;
  maxLength?: number;
  /** A string column's format (StringAttributeMetadata.Format); default Text. */
  format?: "Email" | "Url" | "Phone" | "Text";
  /** Must have a value on create (SystemRequired on the service). */
  required?: boolean;
  /** Set by the platform only (createdon, fullname, versionnumber...). */
  readOnly?: boolean;
  /** Settable on create only ([Insert] in the BC proxy tables). */
  createOnly?: boolean;
  /** Valid option values for picklist/state/status columns. */
  options?: readonly number[];
  /** Lookup targets (logical names); more than one = polymorphic. */
  targets?: readonly string[];
  /**
   * Polymorphic lookups bind through typed navigation properties (`customerid_account`); `ownerid` is the
   * exception: one navigation property for both systemuser and team.
   */
  singleNav?: boolean;
  min?: number;
  max?: number;
  /** Display labels for picklist options (or 0/1 for booleans), for `@OData.Community.Display.V1.FormattedValue`. */
  labels?: Readonly<Record<number, string>>;
}

/** A one-to-many relationship seen from the "one" side: a collection-valued navigation property. */
export interface OneToMany {
  name: string;
  /** The referencing (many) table and its lookup column. */
  table: string;
  column: string;
}

/** A many-to-many relationship through an intersect table. */
export interface ManyToMany {
  name: string;
  intersect: string;
  /** This table's key column in the intersect table and the other side's. */
  selfColumn: string;
  otherTable: string;
  otherColumn: string;
}

export interface StateModel {
  /** statecode → the statuscodes valid in it; the first is the default. */
  states: Record<number, readonly number[]>;
  /** Names for error messages, e.g. "AccountState". */
  enumName: string;
  stateNames: Record<number, string>;
  /** Labels of the statuscode options (formatted values); absent = the state's name when it has one status. */
  statusNames?: Record<number, string>;
  /** Allowed target states from each state; absent = any. */
  transitions?: Record<number, readonly number[]>;
  defaultState?: number;
}

export interface TableDef {
  logicalName: string;
  entitySet: string;
  primaryKey: string;
  primaryName?: string;
  columns: Column[];
  /** Alternate keys: each a list of columns (the service's EntityKeys). */
  alternateKeys: string[][];
  /**
   * Published duplicate detection rules, each a list of columns matched exactly (case-insensitive, blanks never
   * match): applied when a request sends `MSCRM.SuppressDuplicateDetection: false`.
   */
  duplicateRules: string[][];
  oneToMany: OneToMany[];
  manyToMany: ManyToMany[];
  state?: StateModel;
  /** Organization-owned tables have no ownerid. */
  ownership: "user" | "organization" | "none";
  /** Extra unique columns outside alternate keys (transactioncurrency.isocurrencycode). */
  unique?: { column: string; code: string }[];
}

// Column helpers keep the table files short and uniform.
export const str = (name: string, maxLength = 100, extra: Partial<Column> = {}): Column => ({
  name,
  type: "string",
  maxLength,
  ...extra,
});
export const memo = (name: string, maxLength = 2000, extra: Partial<Column> = {}): Column => ({
  name,
  type: "memo",
  maxLength,
  ...extra,
});
export const int = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: "integer", ...extra });
export const dec = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: "decimal", ...extra });
export const money = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: "money", ...extra });
export const bool = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: "boolean", ...extra });
export const date = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: "datetime", ...extra });
export const pick = (name: string, options: readonly number[], extra: Partial<Column> = {}): Column => ({
  name,
  type: "picklist",
  options,
  ...extra,
});
export const lookup = (name: string, targets: string | readonly string[], extra: Partial<Column> = {}): Column => ({
  name,
  type: "lookup",
  targets: typeof targets === "string" ? [targets] : targets,
  ...extra,
});
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Address columns `<prefix>_line1..` as on account/contact (address1_, address2_). */
export function address(prefix: string): Column[] {
  return [
    str(`${prefix}_name`, 200),
    str(`${prefix}_line1`, 250),
    str(`${prefix}_line2`, 250),
    str(`${prefix}_line3`, 250),
    str(`${prefix}_city`, 80),
    str(`${prefix}_stateorprovince`, 50),
    str(`${prefix}_postalcode`, 20),
    str(`${prefix}_country`, 80),
    str(`${prefix}_telephone1`, 50),
    str(`${prefix}_fax`, 50),
    str(`${prefix}_primarycontactname`, 100),
  ];
}

/** Columns every table has: audit stamps and the row version behind the ETag. */
function systemColumns(ownership: TableDef["ownership"]): Column[] {
  const cols: Column[] = [
    date("createdon", { readOnly: true }),
    date("modifiedon", { readOnly: true }),
    date("overriddencreatedon", { createOnly: true }),
    lookup("createdby", "systemuser", { readOnly: true }),
    lookup("modifiedby", "systemuser", { readOnly: true }),
    lookup("createdonbehalfby", "systemuser", { readOnly: true }),
    lookup("modifiedonbehalfby", "systemuser", { readOnly: true }),
    { name: "versionnumber", type: "bigint", readOnly: true },
  ];
  if (ownership === "user") {
    cols.push(
      lookup("ownerid", ["systemuser", "team"], { singleNav: true }),
      lookup("owninguser", "systemuser", { readOnly: true }),
      lookup("owningteam", "team", { readOnly: true }),
      lookup("owningbusinessunit", "businessunit", { readOnly: true }),
    );
  } else if (ownership === "organization") {
    cols.push(lookup("organizationid", "organization", { readOnly: true }));
  }
  return cols;
}

export interface TableInput {
  logicalName: string;
  entitySet: string;
  primaryKey?: string;
  primaryName?: string;
  columns: Column[];
  alternateKeys?: string[][];
  duplicateRules?: string[][];
  oneToMany?: OneToMany[];
  manyToMany?: ManyToMany[];
  state?: StateModel;
  ownership?: TableDef["ownership"];
  unique?: TableDef["unique"];
}

export function defineTable(input: TableInput): TableDef {
  const ownership = input.ownership ?? "user";
  const primaryKey = input.primaryKey ?? `${input.logicalName}id`;
  const columns: Column[] = [{ name: primaryKey, type: "uniqueidentifier", createOnly: true }, ...input.columns];
  if (input.state) {
    const states = Object.keys(input.state.states).map(Number);
    const statuses = Object.values(input.state.states).flat();
    columns.push(
      { name: "statecode", type: "state", options: states },
      { name: "statuscode", type: "status", options: statuses },
    );
  }
  columns.push(...systemColumns(ownership));
  return {
    logicalName: input.logicalName,
    entitySet: input.entitySet,
    primaryKey,
    primaryName: input.primaryName,
    columns,
    alternateKeys: input.alternateKeys ?? [],
    duplicateRules: input.duplicateRules ?? [],
    oneToMany: input.oneToMany ?? [],
    manyToMany: input.manyToMany ?? [],
    state: input.state,
    ownership,
    unique: input.unique,
  };
}

/** Active/Inactive with statuses 1/2, the most common state model. */
export function activeInactive(enumName: string, active = 1, inactive = 2): StateModel {
  return {
    enumName,
    states: { 0: [active], 1: [inactive] },
    stateNames: { 0: "Active", 1: "Inactive" },
    statusNames: { [active]: "Active", [inactive]: "Inactive" },
  };
}

/** The `_x_value` attribute a lookup column surfaces as. */
export const lookupValue = (column: string): string => `_${column}_value`;
