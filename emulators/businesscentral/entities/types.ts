// How an API page is described: its entity set, the storage table behind it, its fields with types, and which
// operations it allows. The same table can back several pages (a v2.0 page and a companion page), as in BC.

export type FieldType = "string" | "guid" | "decimal" | "int" | "int64" | "bool" | "date" | "datetime" | "enum";

export interface FieldDef {
  type: FieldType;
  /** Text[n] / Code[n] length; longer values raise Application_StringExceededLength. */
  maxLength?: number;
  /** Code fields are upper-cased on write, as AL Code fields are. */
  code?: boolean;
  /** AL enum/option literals (unencoded, e.g. "Non-Inventory"); the wire form is OData-encoded. */
  values?: readonly string[];
  readOnly?: boolean;
  /** Value on insert when the client sent none. */
  default?: unknown;
  /**
   * A currency code as v2.0 pages show it: blank (local currency) reads as the company's LCY code, and the LCY
   * code written means blank (GraphMgtGeneralTools.TranslateCurrencyCodeToNAVCurrencyCode).
   */
  lcy?: boolean;
  /** Stored under another column of the shared table (e.g. itemUnitsOfMeasure.itemId → sourceId). */
  column?: string;
}

export interface NavigationDef {
  /** Target entity set (same API). */
  target: string;
  many: boolean;
  /** For many: the field on the target pointing to this record's id; for one: the field on this record. */
  foreignKey: string;
}

export interface EntityDef {
  /** Entity set name in URLs, e.g. `salesOrders`. */
  set: string;
  /** Entity type name, e.g. `salesOrder`. */
  entity: string;
  /** Storage table name, shared by pages over the same table. */
  table: string;
  /** AL table caption for messages ("The Customer already exists."). */
  caption: string;
  fields: Record<string, FieldDef>;
  /** The field holding the record's business key (No. / Code), unique per company. */
  businessKey?: string;
  /** Caption of the business key in messages ("No.", "Code"). */
  businessKeyCaption?: string;
  /** Stored columns that together must be unique (composite keys), with their captions. */
  uniqueKey?: Record<string, string>;
  /** Stored values every record inserted through this page gets (the page's scope). */
  fixed?: Row;
  /**
   * Stream properties (Edm.Stream) by name → the field they follow in the page's order. The JSON shows them as
   * `<name>@odata.mediaReadLink` (dynamics_companyinformation_get.md: `picture@odata.mediaReadLink`).
   */
  streams?: Record<string, string>;
  /** Read-only pages computed from other tables (statistics, availability). */
  computed?: (ctx: ComputeContext) => Row[];
  insert?: boolean;
  modify?: boolean;
  delete?: boolean;
  /** Only records matching this predicate are visible through this page (e.g. draft vs posted). */
  scope?: (record: Record<string, unknown>) => boolean;
  navigation?: Record<string, NavigationDef>;
  /** For line pages: the header set and the field linking to it. */
  parent?: { set: string; foreignKey: string };
  /** Bound actions (`Microsoft.NAV.<name>`) by name. */
  actions?: readonly string[];
  /** Webhook subscriptions allowed on this page. */
  webhooks?: boolean;
  /** Not under companies(): e.g. companies itself, subscriptions. */
  global?: boolean;
}

export type Row = Record<string, unknown>;

/** What a computed page can read: the company's tables. */
export interface ComputeContext {
  rows(table: string): Row[];
  workDate: string;
  /** The company the page is read in (name, display name, creation time, LCY code). */
  company: { id: string; name: string; displayName: string; createdAt: string; lcyCode: string };
}
