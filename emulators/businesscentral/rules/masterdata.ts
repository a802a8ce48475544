// Rules of master data tables: number series, code/id relations, unit groups created with items and resources
// (table 5400 "Unit Group"), contact company names, computed balance and inventory.

import { tableDefaults } from "../entities/registry.ts";
import type { Row } from "../entities/types.ts";
import { bcErrors } from "../errors.ts";
import type { CompanyStore } from "../store/database.ts";
import {
  BASE_UOM,
  CURRENCY,
  EMPTY_GUID,
  ITEM_CATEGORY,
  PAYMENT_TERMS,
  resolveRelations,
  SHIPMENT_METHOD,
} from "./relations.ts";
import { balanceOf, inventoryOf } from "./statistics.ts";
import type { RuleContext, TableRules } from "./types.ts";

const numbered = (series: string, prefix: string, start: number) => (ctx: RuleContext, row: Row) => {
  if (!row.number) row.number = ctx.store.nextNumber(series, prefix, start);
};

function unitGroupCode(sourceType: "Item" | "Resource", number: unknown): string {
  return `${sourceType.toUpperCase()} ${String(number)} UOM GR`;
}

/** Creates the source's unit group and its base unit line when missing (the integration's auto-create). */
export function ensureUnitGroup(store: CompanyStore, sourceType: "Item" | "Resource", source: Row): Row {
  let group = store.findEqual("unitGroup", { sourceId: source.id });
  if (!group) {
    group = store.insert("unitGroup", {
      sourceType,
      sourceId: source.id,
      sourceNumber: source.number,
      code: unitGroupCode(sourceType, source.number),
      description: `${sourceType} ${String(source.number)} unit group`,
    });
  }
  const base = String(source.baseUnitOfMeasureCode ?? "");
  if (base && !store.findEqual("sourceUnitOfMeasure", { sourceId: source.id, code: base })) {
    store.insert("sourceUnitOfMeasure", {
      sourceType,
      sourceId: source.id,
      sourceNumber: source.number,
      code: base,
      qtyPerUnitOfMeasure: 1,
      unitGroupId: group.id,
      unitGroupCode: group.code,
    });
  }
  return group;
}

function removeUnitGroup(store: CompanyStore, sourceId: unknown): void {
  for (const u of store.filter("sourceUnitOfMeasure", (r) => r.sourceId === sourceId))
    store.delete("sourceUnitOfMeasure", u.id as string);
  for (const g of store.filter("unitGroup", (r) => r.sourceId === sourceId)) store.delete("unitGroup", g.id as string);
}

const customerRelations = [CURRENCY, PAYMENT_TERMS, SHIPMENT_METHOD];

/** Customer fields mirrored onto its company contact (BC's CustCont-Update). */
const CONTACT_MIRROR: Record<string, string> = {
  displayName: "displayName",
  addressLine1: "addressLine1",
  addressLine2: "addressLine2",
  city: "city",
  state: "state",
  country: "country",
  postalCode: "postalCode",
  phoneNumber: "phoneNumber",
  email: "email",
  website: "website",
};

function customerContact(store: CompanyStore, customerNumber: unknown): Row | undefined {
  return store.find(
    "contact",
    (c) => c.type === "Company" && c.customerNumber === customerNumber && c.contactBusinessRelation === "Customer",
  );
}

/** A new customer gets a company contact with business relation Customer (Marketing Setup's default). */
function createCustomerContact(store: CompanyStore, customer: Row): void {
  const number = store.nextNumber("contact", "CT", 200001);
  const mirrored: Row = {};
  for (const [from, to] of Object.entries(CONTACT_MIRROR)) mirrored[to] = customer[from];
  store.insert("contact", {
    ...tableDefaults("contact"),
    ...mirrored,
    number,
    type: "Company",
    companyNumber: number,
    companyName: customer.displayName,
    searchName: String(customer.displayName ?? "").toUpperCase(),
    contactBusinessRelation: "Customer",
    customerNumber: customer.number,
    salespersonCode: customer.salespersonCode,
    currencyCode: customer.currencyCode,
  });
}

/**
 * The E-Mail field's OnValidate (MailManagement.CheckValidEmailAddresses): each address of a ';'-separated list
 * needs one '@', a name, a domain with a dot, and no blanks; an empty field is fine.
 */
function validateEmail(value: unknown): void {
  if (value === undefined || value === null || value === "") return;
  for (const address of String(value).split(";")) {
    const a = address.trim();
    if (a === "") continue;
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a)) throw bcErrors.dialog(`The email address "${a}" is not valid.`);
  }
}

const customer: TableRules = {
  beforeInsert(ctx, row) {
    numbered("customer", "C", 10001)(ctx, row);
    resolveRelations(ctx.store, customerRelations, row, undefined, ctx.def.caption);
    validateEmail(row.email);
  },
  afterInsert(ctx, row) {
    createCustomerContact(ctx.store, row);
  },
  beforeModify(ctx, current, changes) {
    resolveRelations(ctx.store, customerRelations, changes, current, ctx.def.caption);
    if ("email" in changes) validateEmail(changes.email);
  },
  afterModify(ctx, row) {
    const contact = customerContact(ctx.store, row.number);
    if (!contact) return;
    const mirrored: Row = {};
    for (const [from, to] of Object.entries(CONTACT_MIRROR)) mirrored[to] = row[from];
    mirrored.companyName = row.displayName;
    mirrored.searchName = String(row.displayName ?? "").toUpperCase();
    ctx.store.update("contact", contact.id as string, mirrored);
    for (const person of ctx.store.filter("contact", (c) => c.type === "Person" && c.companyNumber === contact.number))
      ctx.store.update("contact", person.id as string, { companyName: row.displayName });
  },
  afterDelete(ctx, row) {
    // The business relation goes; the contacts stay (they may still be prospects).
    for (const c of ctx.store.filter("contact", (x) => x.customerNumber === row.number))
      ctx.store.update("contact", c.id as string, { contactBusinessRelation: "None", customerNumber: "" });
  },
  beforeDelete(ctx, row) {
    const open = ctx.store.find("custLedgerEntry", (e) => e.customerId === row.id && Number(e.remainingAmount) !== 0);
    if (open)
      throw bcErrors.dialog(
        `You cannot delete Customer ${String(row.number)} because there is at least one outstanding Sales Invoice for this customer.`,
      );
  },
  decorate(store, row) {
    return { balanceDue: balanceOf(store, row.id as string) };
  },
};

const vendor: TableRules = {
  beforeInsert(ctx, row) {
    numbered("vendor", "V", 10001)(ctx, row);
    resolveRelations(ctx.store, [CURRENCY, PAYMENT_TERMS, SHIPMENT_METHOD], row, undefined, ctx.def.caption);
  },
  beforeModify(ctx, current, changes) {
    resolveRelations(ctx.store, [CURRENCY, PAYMENT_TERMS, SHIPMENT_METHOD], changes, current, ctx.def.caption);
  },
  decorate: () => ({ balance: 0 }),
};

function contactCompany(ctx: RuleContext, row: Row): void {
  const companyNumber = String(row.companyNumber ?? "");
  if (!companyNumber) {
    row.companyName = "";
    return;
  }
  const company = ctx.store.find("contact", (c) => c.number === companyNumber && c.type === "Company");
  if (!company) throw bcErrors.invalidTableRelation("Company No.", "Contact", companyNumber);
  row.companyName = company.displayName;
  // A person inherits the business relation of its company.
  if (row.type === "Person" && company.contactBusinessRelation && company.contactBusinessRelation !== "None") {
    row.contactBusinessRelation = company.contactBusinessRelation;
    row.customerNumber = company.customerNumber ?? "";
  }
}

const NAME_PARTS = ["firstName", "middleName", "surname"] as const;

/**
 * Contact.NameBreakdown: validating a person's Name splits it on spaces: the last word is the surname (when there
 * are two or more), the word before it the middle name (when there are three or more), the rest the first name.
 */
export function nameBreakdown(name: string): { firstName: string; middleName: string; surname: string } {
  const words = name.split(" ").filter((w) => w !== "");
  const count = words.length;
  const surname = count > 1 ? words[count - 1] : "";
  const middleName = count > 2 ? words[count - 2] : "";
  const firstName = words.slice(0, count > 2 ? count - 2 : count > 1 ? count - 1 : count).join(" ");
  return { firstName, middleName, surname };
}

const contact: TableRules = {
  beforeInsert(ctx, row) {
    // Name.OnValidate breaks a person's name down unless the parts are given (CalculatedName then wins).
    if (row.type === "Person" && row.displayName && !NAME_PARTS.some((p) => row[p]))
      Object.assign(row, nameBreakdown(String(row.displayName)));
    numbered("contact", "CT", 200001)(ctx, row);
    // A company contact is its own company (Contact.OnInsert: "Company No." := "No.").
    if (row.type === "Company" && (!row.companyNumber || row.companyNumber === row.number)) {
      row.companyNumber = row.number;
      row.companyName = row.displayName ?? "";
    } else contactCompany(ctx, row);
    row.searchName = String(row.displayName ?? "").toUpperCase();
    if (!row.contactBusinessRelation || row.contactBusinessRelation === " ") row.contactBusinessRelation = "None";
  },
  beforeModify(ctx, current, changes) {
    if ("companyNumber" in changes) contactCompany(ctx, changes);
    if ("displayName" in changes) changes.searchName = String(changes.displayName).toUpperCase();
    if ("displayName" in changes && current.type === "Company" && current.companyNumber === current.number)
      changes.companyName = changes.displayName;
    if ("displayName" in changes && current.type === "Person" && !NAME_PARTS.some((p) => p in changes))
      Object.assign(changes, nameBreakdown(String(changes.displayName ?? "")));
    for (const part of NAME_PARTS) {
      if (part in changes && current.type === "Person") {
        const merged = { ...current, ...changes };
        changes.displayName = [merged.firstName, merged.middleName, merged.surname].filter(Boolean).join(" ");
        changes.searchName = String(changes.displayName).toUpperCase();
        break;
      }
    }
  },
};

const itemRelations = [ITEM_CATEGORY, BASE_UOM];

const item: TableRules = {
  beforeInsert(ctx, row) {
    numbered("item", "", 70001)(ctx, row);
    resolveRelations(ctx.store, itemRelations, row, undefined, ctx.def.caption);
    row.unitGroupCode = unitGroupCode("Item", row.number);
  },
  afterInsert(ctx, row) {
    ensureUnitGroup(ctx.store, "Item", row);
  },
  beforeModify(ctx, current, changes) {
    resolveRelations(ctx.store, itemRelations, changes, current, ctx.def.caption);
    if ("type" in changes && changes.type !== current.type && inventoryOf(ctx.store, current.id as string) !== 0)
      throw bcErrors.dialog(
        `You cannot change the Type field on Item ${String(current.number)} because there is at least one Item Ledger Entry for this item.`,
      );
  },
  afterModify(ctx, row) {
    ensureUnitGroup(ctx.store, "Item", row);
  },
  beforeDelete(ctx, row) {
    if (
      ctx.store.find("itemLedgerEntry", (e) => e.itemId === row.id && Number(e.quantity) !== 0) &&
      inventoryOf(ctx.store, row.id as string) !== 0
    )
      throw bcErrors.dialog(
        `You cannot delete Item ${String(row.number)} because it has ledger entries in a fiscal year that has not been closed yet.`,
      );
    if (ctx.store.find("salesOrderLine", (l) => l.itemId === row.id))
      throw bcErrors.dialog(
        `You cannot delete Item ${String(row.number)} because there is at least one outstanding Sales Order that includes this item.`,
      );
  },
  afterDelete(ctx, row) {
    removeUnitGroup(ctx.store, row.id);
  },
  decorate(store, row) {
    return { inventory: inventoryOf(store, row.id as string) };
  },
};

const resource: TableRules = {
  beforeInsert(ctx, row) {
    numbered("resource", "R", 1001)(ctx, row);
    const base = String(row.baseUnitOfMeasureCode ?? "");
    if (base && !ctx.store.find("unitOfMeasure", (u) => u.code === base))
      throw bcErrors.invalidTableRelation("Base Unit of Measure", "Unit of Measure", base);
    row.unitGroupCode = unitGroupCode("Resource", row.number);
  },
  afterInsert(ctx, row) {
    ensureUnitGroup(ctx.store, "Resource", row);
  },
  afterModify(ctx, row) {
    ensureUnitGroup(ctx.store, "Resource", row);
  },
  afterDelete(ctx, row) {
    removeUnitGroup(ctx.store, row.id);
  },
};

/** Item and resource units of measure: resolve the source, validate the unit, attach the unit group. */
const sourceUnitOfMeasure: TableRules = {
  beforeInsert(ctx, row) {
    const sourceType = row.sourceType === "Resource" ? "Resource" : "Item";
    const table = sourceType === "Item" ? "item" : "resource";
    const source =
      row.sourceId && row.sourceId !== EMPTY_GUID
        ? ctx.store.get(table, String(row.sourceId))
        : ctx.store.find(table, (r) => r.number === row.sourceNumber);
    if (!source)
      throw bcErrors.invalidTableRelation(`${sourceType} No.`, sourceType, String(row.sourceNumber || row.sourceId));
    row.sourceId = source.id;
    row.sourceNumber = source.number;
    if (!ctx.store.find("unitOfMeasure", (u) => u.code === row.code))
      throw bcErrors.invalidTableRelation("Code", "Unit of Measure", String(row.code));
    if (Number(row.qtyPerUnitOfMeasure) <= 0)
      throw bcErrors.testField("Qty. per Unit of Measure must be greater than 0.");
    const group = ensureUnitGroup(ctx.store, sourceType, source);
    row.unitGroupId = group.id;
    row.unitGroupCode = group.code;
  },
  beforeModify(ctx, current, changes) {
    if ("sourceId" in changes || "sourceNumber" in changes || "code" in changes)
      throw bcErrors.dialog("You cannot rename an item or resource unit of measure; delete it and insert a new one.");
    const source = ctx.store.get(current.sourceType === "Resource" ? "resource" : "item", String(current.sourceId));
    if (
      "qtyPerUnitOfMeasure" in changes &&
      source?.baseUnitOfMeasureCode === current.code &&
      Number(changes.qtyPerUnitOfMeasure) !== 1
    )
      throw bcErrors.testField("Qty. per Unit of Measure must be equal to '1' for the base unit of measure.");
  },
  beforeDelete(ctx, row) {
    const source = ctx.store.get(row.sourceType === "Resource" ? "resource" : "item", String(row.sourceId));
    if (source?.baseUnitOfMeasureCode === row.code)
      throw bcErrors.dialog(
        `You cannot delete unit of measure ${String(row.code)} because it is the base unit of measure of ${String(row.sourceType)} ${String(row.sourceNumber)}.`,
      );
  },
};

const salesPrice: TableRules = {
  beforeInsert(ctx, row) {
    const item =
      row.itemId && row.itemId !== EMPTY_GUID
        ? ctx.store.get("item", String(row.itemId))
        : ctx.store.find("item", (i) => i.number === row.itemNumber);
    if (!item) throw bcErrors.invalidTableRelation("Item No.", "Item", String(row.itemNumber || row.itemId));
    row.itemId = item.id;
    row.itemNumber = item.number;
    if (
      row.salesType === "Customer Price Group" &&
      !ctx.store.find("customerPriceGroup", (g) => g.code === row.salesCode)
    )
      throw bcErrors.invalidTableRelation("Sales Code", "Customer Price Group", String(row.salesCode));
    if (!row.unitOfMeasureCode) row.unitOfMeasureCode = item.baseUnitOfMeasureCode;
  },
};

const priceListLine: TableRules = {
  beforeInsert(ctx, row) {
    const header = ctx.store.get("priceListHeader", String(row.priceListId));
    if (!header) throw bcErrors.recordNotFound("Price List Header", { Id: String(row.priceListId) });
    const table = row.assetType === "Resource" ? "resource" : "item";
    const asset =
      row.assetId && row.assetId !== EMPTY_GUID
        ? ctx.store.get(table, String(row.assetId))
        : ctx.store.find(table, (a) => a.number === row.assetNumber);
    if (!asset)
      throw bcErrors.invalidTableRelation("Asset No.", String(row.assetType), String(row.assetNumber || row.assetId));
    row.assetId = asset.id;
    row.assetNumber = asset.number;
    row.priceListCode = header.code;
    row.sourceType = header.sourceType;
    row.sourceNumber = header.sourceNumber;
    row.currencyCode = header.currencyCode;
    row.status = header.status;
    if (!row.unitOfMeasureCode) row.unitOfMeasureCode = asset.baseUnitOfMeasureCode;
    const last = ctx.store
      .filter("priceListLine", (l) => l.priceListId === header.id)
      .reduce((m, l) => Math.max(m, Number(l.lineNumber)), 0);
    row.lineNumber = last + 10000;
  },
};

const priceListHeader: TableRules = {
  afterModify(ctx, row) {
    for (const line of ctx.store.filter("priceListLine", (l) => l.priceListId === row.id))
      ctx.store.update("priceListLine", line.id as string, {
        priceListCode: row.code,
        sourceType: row.sourceType,
        sourceNumber: row.sourceNumber,
        currencyCode: row.currencyCode,
        status: row.status,
      });
  },
  afterDelete(ctx, row) {
    for (const line of ctx.store.filter("priceListLine", (l) => l.priceListId === row.id))
      ctx.store.delete("priceListLine", line.id as string);
  },
};

function opportunityContact(ctx: RuleContext, row: Row): void {
  // A blank Contact No. is no relation to check (only a non-empty code must exist).
  if (!row.contactNumber) {
    row.contactName = "";
    row.contactCompanyName = "";
    row.contactCompanyNumber = "";
    row.customerNumber = "";
    return;
  }
  const contact = ctx.store.find("contact", (c) => c.number === row.contactNumber);
  if (!contact) throw bcErrors.invalidTableRelation("Contact No.", "Contact", String(row.contactNumber));
  row.contactName = contact.displayName;
  row.contactCompanyName = contact.companyName || contact.displayName;
  // Contact Company No.: the person's company, or the contact itself when it is a company.
  row.contactCompanyNumber = contact.type === "Company" ? contact.number : (contact.companyNumber ?? "");
  const company = ctx.store.find("contact", (c) => c.number === row.contactCompanyNumber);
  row.customerNumber = company?.contactBusinessRelation === "Customer" ? (company.customerNumber ?? "") : "";
  if (!row.salespersonCode) row.salespersonCode = contact.salespersonCode ?? "";
}

/**
 * Chances of success and completion follow the opportunity's stage: none before it starts
 * (dynamics_opportunity_create.md and _update.md: 0 and 0 while Not Started), the first stage of the CRONUS
 * sales cycle once in progress (15 % chances, 2 % completed, as dynamics_opportunity_get.md shows), 100 %
 * completed when closed (chances 100 % won, 0 % lost). The current value is the estimated value weighted by
 * both (BC's "Calcd. Current Value (LCY)": 200,000 × 15 % × 2 % = 600 in the documented GET).
 */
function opportunityStatus(ctx: RuleContext, row: Row): void {
  const closed = row.status === "Won" || row.status === "Lost";
  row.closed = closed;
  row.dateClosed = closed ? ctx.workDate : "0001-01-01";
  if (row.status === "Not Started") {
    row.chancesOfSuccessPrc = 0;
    row.completedPrc = 0;
  } else if (row.status === "In Progress") {
    row.chancesOfSuccessPrc = Number(row.chancesOfSuccessPrc) || 15;
    row.completedPrc = Number(row.completedPrc) || 2;
  } else {
    row.chancesOfSuccessPrc = row.status === "Won" ? 100 : 0;
    row.completedPrc = 100;
  }
  row.calculatedCurrentValue =
    Math.round((Number(row.estimatedValue) * Number(row.chancesOfSuccessPrc) * Number(row.completedPrc)) / 100) / 100;
}

/** Opportunities need a contact; Won/Lost close them. */
const opportunity: TableRules = {
  beforeInsert(ctx, row) {
    numbered("opportunity", "OP", 1001)(ctx, row);
    opportunityContact(ctx, row);
    row.creationDate = ctx.workDate;
    row.systemCreatedAt = ctx.store.nowIso();
    opportunityStatus(ctx, row);
  },
  beforeModify(ctx, current, changes) {
    const merged: Row = { ...current, ...changes };
    if ("contactNumber" in changes) opportunityContact(ctx, merged);
    if ("status" in changes || "estimatedValue" in changes) opportunityStatus(ctx, merged);
    for (const [k, v] of Object.entries(merged)) if (current[k] !== v) changes[k] = v;
  },
};

/**
 * An employee's displayName is the employee's full name (First, Middle, Last Name), not stored:
 * dynamics_employee_create.md answers "Annette Hill" for givenName Annette, surname Hill, and
 * dynamics_employee_update.md "Anthony Hill" after a PATCH of givenName.
 */
const employee: TableRules = {
  decorate: (_store, row) => ({
    displayName: [row.givenName, row.middleName, row.surname]
      .map((part) => String(part ?? "").trim())
      .filter((part) => part !== "")
      .join(" "),
  }),
};

/** Record links of type Note on sales orders. */
const salesOrderNote: TableRules = {
  beforeInsert(ctx, row) {
    const order = ctx.store.get("salesOrder", String(row.orderId ?? ""));
    if (!order) throw bcErrors.recordNotFound("Sales Header", { "Document Type": "Order", Id: String(row.orderId) });
    row.orderNumber = order.number;
    row.createdAt = ctx.store.nowIso();
  },
  beforeModify(_ctx, current, changes) {
    if ("orderId" in changes && changes.orderId !== current.orderId) throw bcErrors.readOnly("orderId");
  },
};

export const MASTER_DATA_RULES: Record<string, TableRules> = {
  salesOrderNote,
  opportunity,
  employee,
  customer,
  vendor,
  contact,
  item,
  resource,
  sourceUnitOfMeasure,
  salesPrice,
  priceListLine,
  priceListHeader,
};
