// What an integration default is: a table mapping of the engine model plus what the integration layer knows
// about it (its job queue entry, whether it is an option-set mapping, which fields need the companion page).

import type { FieldMappingInput, SyncDirection, TableMapping } from "../../engine/model.ts";

/** The options that change the default set (BC "CRM Connection Setup" / "CDS Connection Setup"). */
export interface DefaultOptions {
  /** Feature update "multiple units of measure" (seed S12): unit groups instead of one unit per group. */
  unitGroupsEnabled: boolean;
  /** Sales orders both ways (seed S8). */
  bidirectionalSalesOrders: boolean;
  /** Legacy sales order integration: Sales → BC order creation (seed S9). */
  legacySalesOrders: boolean;
  /** Person: owners follow salesperson codes; Team: records get the business unit's team (no SALESPEOPLE). */
  ownershipModel: "person" | "team";
  /** The BC company's `bcbi_company` row in Sales: company-scoped mappings filter and stamp by it. */
  dataverseCompanyId?: string;
}

/** BC's API writes a blank or spaced enum value with spaces encoded (`" "` → `_x0020_`), in JSON and in filters. */
export const bcEnum = (value: string): string => value.replace(/ /g, "_x0020_");

export const DEFAULT_OPTIONS: DefaultOptions = {
  unitGroupsEnabled: true,
  bidirectionalSalesOrders: false,
  legacySalesOrders: false,
  ownershipModel: "person",
};

/** A recurring job queue entry for a mapping (BC runner entry): minutes between runs, inactivity timeout. */
export interface MappingJob {
  intervalMinutes: number;
  inactivityTimeoutMinutes: number;
}

export interface IntegrationDefault {
  mapping: TableMapping;
  /** null: no recurring job queue entry (lines sync under their header; OPPORTUNITY is manual in BC). */
  job: MappingJob | null;
  /** `option`: a BC code table ↔ a Dataverse option set (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT). */
  kind: "table" | "option";
  /**
   * BC fields of this mapping that only the other page of the same BC entity exposes (v2.0 ↔ companion: e.g.
   * customers' fax number is companion-only, posted invoices' ship-to address v2.0-only). The mapping's BC side
   * names that page as its secondary page (BcSide.secondary): the engine reads and writes them there.
   */
  otherPageFields: string[];
}

/** Short field mapping constructor: BC field, Dataverse attribute, direction, extras. */
export function field(
  bcField: string | undefined,
  dataverseField: string | undefined,
  direction?: SyncDirection,
  extra: Omit<FieldMappingInput, "bcField" | "dataverseField" | "direction"> = {},
): FieldMappingInput {
  return {
    ...(bcField === undefined ? {} : { bcField }),
    ...(dataverseField === undefined ? {} : { dataverseField }),
    ...(direction === undefined ? {} : { direction }),
    validate: bcField !== undefined && direction !== "toDataverse",
    ...extra,
  };
}

/**
 * The owner every Sales-side record takes from its salesperson under Person ownership (seed S14). BC writes
 * `owneridtype = systemuser` through its proxy table; over the Web API the bind target (`/systemusers(id)`) says
 * the owner's type, so the constant has no column to go to.
 */
export function ownerFields(
  options: DefaultOptions,
  salespersonField: string,
  onOtherPageOnly = false,
): FieldMappingInput[] {
  if (options.ownershipModel !== "person") return [];
  const owner = field(salespersonField, "ownerid", "toDataverse", {
    lookup: { mapping: "SALESPEOPLE", bcMatchField: "code", dataverseNavigation: "ownerid" },
    notNull: true,
  });
  return [onOtherPageOnly ? otherPageOnly(owner) : owner];
}

const OTHER_PAGE = "other-page:";

/**
 * A field mapping the mapping's own BC page lacks: read from and written to the other page of the same record
 * (see IntegrationDefault.otherPageFields). Its name keeps the mark so the set can be derived from the fields.
 */
export function otherPageOnly(input: FieldMappingInput): FieldMappingInput {
  return { ...input, name: `${OTHER_PAGE}${input.bcField ?? ""}|${input.dataverseField ?? ""}` };
}

/** The BC fields of other-page-only field mappings. */
export function otherPageFieldsOf(fields: readonly FieldMappingInput[]): string[] {
  return fields
    .filter((f) => f.name?.startsWith(OTHER_PAGE) && f.bcField !== undefined)
    .map((f) => f.bcField as string);
}

/**
 * The fields of a mapping restricted to one direction (a one-way mapping may only hold fields of its own
 * direction): fields of the other direction are dropped, bidirectional ones narrowed.
 */
export function restrictTo(fields: FieldMappingInput[], direction: SyncDirection): FieldMappingInput[] {
  if (direction === "bidirectional") return fields;
  return fields
    .filter((f) => f.direction === undefined || f.direction === "bidirectional" || f.direction === direction)
    .map((f) => ({ ...f, direction }));
}

/**
 * Extras of a field that resolves through an option-set mapping (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING
 * AGENT; the lookup says `option: true`). A code with no option in Sales writes a blank instead of failing the
 * whole record: the option-set mapping's own job reports that code with the fix (add the option in Sales).
 */
export const OPTION_SET_FIELD = { clearOnFail: true } as const;
