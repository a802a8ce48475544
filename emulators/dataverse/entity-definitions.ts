// Table definitions as the Web API's EntityDefinitions serves them, for the tables the emulator serves:
// `EntityDefinitions`, `EntityDefinitions(LogicalName='account')` or `(<MetadataId>)`, `/Attributes`,
// `/Attributes(LogicalName='name')`, `/Keys`, with $select, $filter and `$expand=Attributes(...)`/`Keys`.
// Metadata queries are not paged (query-data-web-api).
import { filterRows, parseQueryString, type QueryOptions } from "../odata/query.ts";
import { dv, fail } from "./errors.ts";
import { contextSelect } from "./format.ts";
import { normalizeGuid } from "./keys.ts";
import type { Model, TableModel } from "./model.ts";
import type { Column, ColumnType } from "./schema.ts";
import { seedId } from "./seed/ids.ts";
import type { ServiceResponse } from "./service.ts";

type Json = Record<string, unknown>;

const OBJECT_TYPE_CODES: Readonly<Record<string, number>> = {
  account: 1,
  contact: 2,
  opportunity: 3,
  lead: 4,
  annotation: 5,
  systemuser: 8,
  team: 9,
  businessunit: 10,
  organization: 1019,
  pricelevel: 1022,
  privilege: 1023,
  product: 1024,
  productpricelevel: 1026,
  role: 1036,
  uom: 1055,
  uomschedule: 1056,
  quote: 1084,
  quotedetail: 1085,
  salesorder: 1088,
  salesorderdetail: 1089,
  invoice: 1090,
  invoicedetail: 1091,
  systemuserroles: 1116,
  transactioncurrency: 9105,
};

const ATTRIBUTE_TYPES: Readonly<Record<ColumnType, [string, string, string]>> = {
  uniqueidentifier: ["Uniqueidentifier", "UniqueidentifierType", "UniqueIdentifierAttributeMetadata"],
  string: ["String", "StringType", "StringAttributeMetadata"],
  memo: ["Memo", "MemoType", "MemoAttributeMetadata"],
  integer: ["Integer", "IntegerType", "IntegerAttributeMetadata"],
  bigint: ["BigInt", "BigIntType", "BigIntAttributeMetadata"],
  decimal: ["Decimal", "DecimalType", "DecimalAttributeMetadata"],
  money: ["Money", "MoneyType", "MoneyAttributeMetadata"],
  double: ["Double", "DoubleType", "DoubleAttributeMetadata"],
  boolean: ["Boolean", "BooleanType", "BooleanAttributeMetadata"],
  datetime: ["DateTime", "DateTimeType", "DateTimeAttributeMetadata"],
  picklist: ["Picklist", "PicklistType", "PicklistAttributeMetadata"],
  state: ["State", "StateType", "StateAttributeMetadata"],
  status: ["Status", "StatusType", "StatusAttributeMetadata"],
  lookup: ["Lookup", "LookupType", "LookupAttributeMetadata"],
};

const label = (text: string) => {
  const l = { Label: text, LanguageCode: 1033, IsManaged: true, MetadataId: seedId(`label:${text}`), HasChanged: null };
  return { LocalizedLabels: [l], UserLocalizedLabel: l };
};
const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
const isCustom = (name: string) => /^(bcbi|nav)_/.test(name);

/** MetadataIds the docs show for system definitions (the same in every org); others are derived. */
const KNOWN_IDS: Readonly<Record<string, string>> = {
  "entity:account": "70816501-edb9-4740-a16c-6a5efbc05d84",
  "attribute:account.name": "a1965545-44bc-4b7b-b1ae-93074d0e3f2a",
  "attribute:account.accountcategorycode": "118771ca-6fb9-4f60-8fd4-99b6124b63ad",
};
const metadataId = (key: string) => KNOWN_IDS[key] ?? seedId(key);

export function entityJson(t: TableModel): Json {
  const d = t.def;
  const schema = PRIVILEGE_SCHEMA[d.logicalName] ?? pascal(d.logicalName);
  return {
    MetadataId: metadataId(`entity:${d.logicalName}`),
    LogicalName: d.logicalName,
    SchemaName: schema,
    EntitySetName: d.entitySet,
    LogicalCollectionName: d.entitySet,
    CollectionSchemaName: `${schema}s`,
    PrimaryIdAttribute: d.primaryKey,
    PrimaryNameAttribute: d.primaryName ?? null,
    ObjectTypeCode:
      OBJECT_TYPE_CODES[d.logicalName] ?? 10000 + [...d.logicalName].reduce((n, c) => n + c.charCodeAt(0), 0),
    OwnershipType: d.ownership === "user" ? "UserOwned" : d.ownership === "organization" ? "OrganizationOwned" : "None",
    IsActivity: false,
    IsCustomEntity: isCustom(d.logicalName),
    IsIntersect: d.logicalName === "systemuserroles" || d.logicalName === "teammembership",
    IsValidForAdvancedFind: true,
    ChangeTrackingEnabled: true,
    CanChangeTrackingBeEnabled: {
      Value: true,
      CanBeChanged: false,
      ManagedPropertyLogicalName: "canchangetrackingbeenabled",
    },
    IsOptimisticConcurrencyEnabled: true,
    DisplayName: label(schema),
    DisplayCollectionName: label(`${schema}s`),
  };
}

const PRIVILEGE_SCHEMA: Readonly<Record<string, string>> = {
  systemuser: "SystemUser",
  businessunit: "BusinessUnit",
  transactioncurrency: "TransactionCurrency",
  pricelevel: "PriceLevel",
  productpricelevel: "ProductPriceLevel",
  salesorder: "SalesOrder",
  salesorderdetail: "SalesOrderDetail",
  quotedetail: "QuoteDetail",
  invoicedetail: "InvoiceDetail",
  uom: "UoM",
  uomschedule: "UoMSchedule",
  systemuserroles: "SystemUserRoles",
  teammembership: "TeamMembership",
};

export function attributeJson(t: TableModel, c: Column): Json {
  const d = t.def;
  const owner = c.name === "ownerid";
  const customer = c.type === "lookup" && (c.targets?.length ?? 0) > 1 && !owner;
  let [type, typeName, odataType] = ATTRIBUTE_TYPES[c.type];
  if (owner) [type, typeName, odataType] = ["Owner", "OwnerType", "LookupAttributeMetadata"];
  else if (customer) [type, typeName, odataType] = ["Customer", "CustomerType", "LookupAttributeMetadata"];
  const out: Json = {
    "@odata.type": `#Microsoft.Dynamics.CRM.${odataType}`,
    MetadataId: metadataId(`attribute:${d.logicalName}.${c.name}`),
    LogicalName: c.name,
    SchemaName: pascal(c.name),
    EntityLogicalName: d.logicalName,
    AttributeType: type,
    AttributeTypeName: { Value: typeName },
    AttributeOf: null,
    IsCustomAttribute: isCustom(c.name),
    IsPrimaryId: c.name === d.primaryKey,
    IsPrimaryName: c.name === d.primaryName,
    IsValidForCreate: !c.readOnly,
    IsValidForUpdate: !c.readOnly && !c.createOnly,
    IsValidForRead: true,
    RequiredLevel: {
      Value: c.name === d.primaryKey || c.required ? "SystemRequired" : "None",
      CanBeChanged: !c.required,
      ManagedPropertyLogicalName: "canmodifyrequirementlevelsettings",
    },
    DisplayName: label(pascal(c.name)),
  };
  if (c.type === "string" || c.type === "memo") out.MaxLength = c.maxLength ?? null;
  if (c.type === "string") out.Format = c.format ?? "Text";
  if (c.type === "lookup") out.Targets = [...(c.targets ?? [])];
  if (c.min !== undefined) out.MinValue = c.min;
  if (c.max !== undefined) out.MaxValue = c.max;
  return out;
}

/** The local option set of a choice, state or status column (labels where the schema has them). */
function optionSetJson(t: TableModel, c: Column): Json {
  const state = t.def.state;
  const options = (c.options ?? []).map((value) => {
    const text =
      c.labels?.[value] ??
      (c.type === "state" ? state?.stateNames[value] : c.type === "status" ? state?.statusNames?.[value] : undefined) ??
      String(value);
    return { Value: value, Label: label(text), Description: label(""), Color: null, IsManaged: true };
  });
  return {
    MetadataId: seedId(`optionset:${t.def.logicalName}.${c.name}`),
    Name: `${t.def.logicalName}_${c.name}`,
    IsGlobal: false,
    OptionSetType: c.type === "state" ? "State" : c.type === "status" ? "Status" : "Picklist",
    Options: options,
  };
}

function keysJson(t: TableModel): Json[] {
  return t.def.alternateKeys.map((cols) => ({
    MetadataId: seedId(`key:${t.def.logicalName}.${cols.join(",")}`),
    LogicalName: `${t.def.logicalName}_${cols.join("_")}`,
    SchemaName: `${pascal(t.def.logicalName)}_${cols.map(pascal).join("_")}`,
    EntityLogicalName: t.def.logicalName,
    KeyAttributes: [...cols],
    EntityKeyIndexStatus: "Active",
    DisplayName: label(cols.join(", ")),
  }));
}

/** Serves a GET under `EntityDefinitions`. */
export function entityDefinitions(model: Model, path: string, query: string, root: string): ServiceResponse {
  const parsed = parseQueryString(query);
  if (!parsed.ok) fail(dv.make("badQuery", parsed.message));
  const options = parsed.options;
  const m =
    /^EntityDefinitions(?:\(([^)]*)\))?(?:\/(Attributes|Keys)(?:\(([^)]*)\))?(?:\/Microsoft\.Dynamics\.CRM\.(\w+))?(?:\/(\w+))?)?$/.exec(
      path,
    );
  if (!m) fail(dv.make("segmentNotFound", path));
  const [, entityKey, child, childKey, cast, property] = m;
  const tables = [...model.tables.values()];
  const context = `${root}$metadata#EntityDefinitions`;
  if (entityKey === undefined) {
    const rows = filterJson(tables.map(entityJson), options);
    return ok({
      "@odata.context": `${context}${contextSelect(options.select, options.expand)}`,
      value: rows.map((e) => shape(e, options, tableByName(model, e.LogicalName as string))),
    });
  }
  const table = findTable(model, entityKey);
  if (!table) fail(dv.make("metadataNotFound", entityKey));
  const entity = entityJson(table);
  if (!child) {
    return ok({
      "@odata.context": `${context}${contextSelect(options.select, options.expand)}/$entity`,
      ...shape(entity, options, table),
    });
  }
  let items = child === "Attributes" ? table.def.columns.map((c) => attributeJson(table, c)) : keysJson(table);
  // Context URLs name the table by its logical name: EntityDefinitions('account')/Attributes(...).
  let base = `${context}('${table.def.logicalName}')/${child}`;
  if (cast) {
    items = items.filter((i) => i["@odata.type"] === `#Microsoft.Dynamics.CRM.${cast}`);
    if (childKey === undefined) base += `/Microsoft.Dynamics.CRM.${cast}`;
  }
  const withOptionSets = (item: Json): Json => {
    const out = project(item, options.select);
    for (const ex of options.expand ?? []) {
      if (ex.property !== "OptionSet" && ex.property !== "GlobalOptionSet") continue;
      const column = table.def.columns.find((c) => c.name === item.LogicalName);
      out[ex.property] =
        ex.property === "OptionSet" && column ? project(optionSetJson(table, column), ex.options.select) : null;
    }
    return out;
  };
  if (childKey !== undefined) {
    const wanted = /^LogicalName='([^']*)'$/.exec(childKey)?.[1] ?? normalizeGuid(childKey);
    const item = items.find((i) => i.LogicalName === wanted || i.MetadataId === wanted);
    if (!item) fail(dv.make("metadataNotFound", childKey));
    const itemBase = `${base}('${item.LogicalName}')`;
    if (property) {
      if (!(property in item)) fail(dv.make("segmentNotFound", property));
      return ok({ "@odata.context": `${itemBase}/${property}`, value: item[property] });
    }
    const castBase = cast ? `${base}/Microsoft.Dynamics.CRM.${cast}` : base;
    return ok({
      "@odata.context": `${castBase}${contextSelect(options.select, options.expand)}/$entity`,
      ...withOptionSets(item),
    });
  }
  return ok({
    "@odata.context": base + contextSelect(options.select, options.expand),
    value: filterJson(items, options).map(withOptionSets),
  });
}

function tableByName(model: Model, name: string): TableModel {
  return model.table(name);
}

function findTable(model: Model, key: string): TableModel | undefined {
  const byName = /^LogicalName\s*=\s*'([^']*)'$/.exec(key.trim())?.[1];
  if (byName) return model.tables.get(byName);
  const id = normalizeGuid(key);
  return [...model.tables.values()].find((t) => metadataId(`entity:${t.def.logicalName}`) === id);
}

function shape(entity: Json, options: QueryOptions, table: TableModel): Json {
  const out = project(entity, options.select);
  for (const ex of options.expand ?? []) {
    if (ex.property === "Attributes") {
      out.Attributes = filterJson(
        table.def.columns.map((c) => attributeJson(table, c)),
        ex.options,
      ).map((a) => project(a, ex.options.select));
    } else if (ex.property === "Keys") {
      out.Keys = keysJson(table).map((k) => project(k, ex.options.select));
    } else fail(dv.make("queryProperty", ex.property, "EntityMetadata"));
  }
  return out;
}

function project(item: Json, select: string[] | undefined): Json {
  if (!select?.length || select.includes("*")) return { ...item };
  const out: Json = {};
  if (item["@odata.type"]) out["@odata.type"] = item["@odata.type"];
  for (const name of select) if (name in item) out[name] = item[name];
  out.MetadataId = item.MetadataId;
  return out;
}

function filterJson(items: Json[], options: QueryOptions): Json[] {
  if (!options.filter) return items;
  return filterRows(items, options.filter, {
    resolve: (row, path) => {
      let v: unknown = row;
      for (const p of path) v = (v as Json | null)?.[p] ?? null;
      return v;
    },
    caseInsensitive: true,
  });
}

function ok(body: Json): ServiceResponse {
  return {
    status: 200,
    headers: { "Content-Type": "application/json; odata.metadata=minimal" },
    body: JSON.stringify(body),
    work: { read: 1, written: 0 },
  };
}
