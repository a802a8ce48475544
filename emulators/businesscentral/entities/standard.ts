// The standard API v2.0 pages the emulator serves, with their documented fields, types and enum members
// (api-reference/v2.0/resources/*.md, APIV2 *.Page.al). Tables are shared with the companion pages.

import { createHash } from "node:crypto";
import {
  address,
  bool,
  code,
  date,
  datetime,
  decimal,
  enumOf,
  guid,
  int,
  modifiedField,
  RO,
  systemFields,
  text,
} from "./fields.ts";
import type { EntityDef, FieldDef } from "./types.ts";

const NO = "No.";

/**
 * Puts fields in the order the resource page documents them (responses list properties in page order);
 * fields the order does not name are dropped, so a page shows exactly its documented properties.
 */
function inOrder(fields: Record<string, FieldDef>, order: string): Record<string, FieldDef> {
  const out: Record<string, FieldDef> = {};
  for (const name of order.trim().split(/\s+/)) {
    const field = fields[name];
    if (!field) throw new Error(`entity definition: no field ${name}`);
    out[name] = field;
  }
  return out;
}
const CODE = "Code";

function docAddress(prefix: string): Record<string, FieldDef> {
  return {
    [`${prefix}AddressLine1`]: text(100),
    [`${prefix}AddressLine2`]: text(50),
    [`${prefix}City`]: text(30),
    [`${prefix}Country`]: code(10),
    [`${prefix}State`]: text(30),
    [`${prefix}PostCode`]: code(20),
  };
}

function documentHeader(): Record<string, FieldDef> {
  return {
    ...systemFields(),
    number: code(20, RO),
    externalDocumentNumber: text(35),
    customerId: guid(),
    customerNumber: code(20),
    customerName: text(100, RO),
    billToName: text(100, RO),
    billToCustomerId: guid(),
    billToCustomerNumber: code(20),
    shipToName: text(100),
    shipToContact: text(100),
    ...docAddress("sellTo"),
    ...docAddress("billTo"),
    ...docAddress("shipTo"),
    shortcutDimension1Code: code(20),
    shortcutDimension2Code: code(20),
    currencyId: guid(),
    currencyCode: code(10, { lcy: true }),
    paymentTermsId: guid(),
    shipmentMethodId: guid(),
    salesperson: code(20),
    discountAmount: decimal(),
    discountAppliedBeforeTax: bool(RO),
    totalAmountExcludingTax: decimal(RO),
    totalTaxAmount: decimal(RO),
    totalAmountIncludingTax: decimal(RO),
    phoneNumber: text(30),
    email: text(80),
  };
}

function documentLine(): Record<string, FieldDef> {
  return {
    ...systemFields(),
    documentId: guid(),
    sequence: int(),
    itemId: guid(),
    accountId: guid(),
    lineType: enumOf(["Comment", "Account", "Item", "Resource", "Fixed Asset", "Charge", "Allocation Account"], {
      default: "Item",
    }),
    lineObjectNumber: code(20),
    description: text(100),
    description2: text(50),
    unitOfMeasureId: guid(),
    unitOfMeasureCode: code(10),
    quantity: decimal(),
    unitPrice: decimal(),
    discountAmount: decimal(),
    discountPercent: decimal(),
    discountAppliedBeforeTax: bool(RO),
    amountExcludingTax: decimal(RO),
    taxCode: code(20),
    taxPercent: decimal(RO),
    totalTaxAmount: decimal(RO),
    amountIncludingTax: decimal(RO),
    invoiceDiscountAllocation: decimal(RO),
    netAmount: decimal(RO),
    netTaxAmount: decimal(RO),
    netAmountIncludingTax: decimal(RO),
    itemVariantId: guid(),
    locationId: guid(),
  };
}

/** Navigation a sales document header documents and the emulator can serve (to-one relations by id). */
const documentNavigation = (lines: string) => ({
  customer: { target: "customers", many: false, foreignKey: "customerId" },
  currency: { target: "currencies", many: false, foreignKey: "currencyId" },
  paymentTerm: { target: "paymentTerms", many: false, foreignKey: "paymentTermsId" },
  shipmentMethod: { target: "shipmentMethods", many: false, foreignKey: "shipmentMethodId" },
  [lines]: { target: lines, many: true, foreignKey: "documentId" },
});

/** A line's header, item, G/L account and unit of measure. */
const lineNavigation = (header: string, headerSet: string) => ({
  [header]: { target: headerSet, many: false, foreignKey: "documentId" },
  item: { target: "items", many: false, foreignKey: "itemId" },
  account: { target: "accounts", many: false, foreignKey: "accountId" },
  unitOfMeasure: { target: "unitsOfMeasure", many: false, foreignKey: "unitOfMeasureId" },
});

const customer: EntityDef = {
  set: "customers",
  entity: "customer",
  table: "customer",
  caption: "Customer",
  businessKey: "number",
  businessKeyCaption: NO,
  webhooks: true,
  fields: {
    ...systemFields(),
    number: code(20),
    displayName: text(100),
    type: enumOf(["Company", "Person"]),
    ...address(),
    phoneNumber: text(30),
    email: text(80),
    website: text(80),
    salespersonCode: code(20),
    balanceDue: decimal(RO),
    creditLimit: decimal(),
    taxLiable: bool(),
    taxAreaId: guid(),
    taxAreaDisplayName: text(100, RO),
    taxRegistrationNumber: text(20),
    currencyId: guid(),
    currencyCode: code(10, { lcy: true }),
    paymentTermsId: guid(),
    shipmentMethodId: guid(),
    paymentMethodId: guid(),
    blocked: enumOf([" ", "Ship", "Invoice", "All"]),
    ...modifiedField(),
  },
  navigation: {
    currency: { target: "currencies", many: false, foreignKey: "currencyId" },
    paymentTerm: { target: "paymentTerms", many: false, foreignKey: "paymentTermsId" },
    shipmentMethod: { target: "shipmentMethods", many: false, foreignKey: "shipmentMethodId" },
  },
};

const vendor: EntityDef = {
  set: "vendors",
  entity: "vendor",
  table: "vendor",
  caption: "Vendor",
  businessKey: "number",
  businessKeyCaption: NO,
  webhooks: true,
  fields: {
    ...systemFields(),
    number: code(20),
    displayName: text(100),
    ...address(),
    phoneNumber: text(30),
    email: text(80),
    website: text(80),
    taxRegistrationNumber: text(20),
    currencyId: guid(),
    currencyCode: code(10, { lcy: true }),
    irs1099Code: code(10),
    paymentTermsId: guid(),
    paymentMethodId: guid(),
    taxLiable: bool(),
    blocked: enumOf([" ", "Payment", "All"]),
    balance: decimal(RO),
    ...modifiedField(),
  },
  navigation: {
    currency: { target: "currencies", many: false, foreignKey: "currencyId" },
    paymentTerm: { target: "paymentTerms", many: false, foreignKey: "paymentTermsId" },
  },
};

const contact: EntityDef = {
  set: "contacts",
  entity: "contact",
  table: "contact",
  caption: "Contact",
  businessKey: "number",
  businessKeyCaption: NO,
  fields: {
    ...systemFields(),
    number: code(20),
    type: enumOf(["Company", "Person"]),
    displayName: text(100),
    jobTitle: text(30),
    companyNumber: code(20),
    companyName: text(100, RO),
    contactBusinessRelation: enumOf([" ", "None", "Customer", "Vendor", "Bank Account", "Employee", "Multiple"], RO),
    ...address(),
    phoneNumber: text(30),
    mobilePhoneNumber: text(30),
    email: text(80),
    website: text(80),
    searchName: code(100, RO),
    privacyBlocked: bool(),
    taxRegistrationNumber: text(20),
    lastInteractionDate: date(RO),
    ...modifiedField(),
  },
};

const item: EntityDef = {
  set: "items",
  entity: "item",
  table: "item",
  caption: "Item",
  businessKey: "number",
  businessKeyCaption: NO,
  webhooks: true,
  fields: {
    ...systemFields(),
    number: code(20),
    displayName: text(100),
    displayName2: text(50),
    type: enumOf(["Inventory", "Service", "Non-Inventory"]),
    itemCategoryId: guid(),
    itemCategoryCode: code(20),
    blocked: bool(),
    gtin: code(14),
    inventory: decimal(RO),
    unitPrice: decimal(),
    priceIncludesTax: bool(),
    unitCost: decimal(),
    taxGroupId: guid(),
    taxGroupCode: code(20),
    baseUnitOfMeasureId: guid(),
    baseUnitOfMeasureCode: code(10),
    generalProductPostingGroupId: guid(),
    generalProductPostingGroupCode: code(20),
    inventoryPostingGroupId: guid(),
    inventoryPostingGroupCode: code(20),
    ...modifiedField(),
  },
  navigation: {
    itemCategory: { target: "itemCategories", many: false, foreignKey: "itemCategoryId" },
    unitOfMeasure: { target: "unitsOfMeasure", many: false, foreignKey: "baseUnitOfMeasureId" },
  },
};

const simpleCode = (
  set: string,
  entity: string,
  table: string,
  caption: string,
  len: number,
  extra: Record<string, FieldDef> = {},
): EntityDef => ({
  set,
  entity,
  table,
  caption,
  businessKey: "code",
  businessKeyCaption: CODE,
  webhooks: true,
  fields: { ...systemFields(), code: code(len), displayName: text(100), ...extra, ...modifiedField() },
});

const itemCategory = simpleCode("itemCategories", "itemCategory", "itemCategory", "Item Category", 20);
const unitOfMeasure = simpleCode("unitsOfMeasure", "unitOfMeasure", "unitOfMeasure", "Unit of Measure", 10, {
  internationalStandardCode: code(10),
  symbol: text(10),
});
const currency = simpleCode("currencies", "currency", "currency", "Currency", 10, {
  symbol: text(10),
  amountDecimalPlaces: text(5, { default: "2:2" }),
  amountRoundingPrecision: decimal({ default: 0.01 }),
});
const paymentTerm = simpleCode("paymentTerms", "paymentTerm", "paymentTerms", "Payment Terms", 10, {
  dueDateCalculation: text(32),
  discountDateCalculation: text(32),
  discountPercent: decimal(),
  calculateDiscountOnCreditMemos: bool(),
});
const shipmentMethod = simpleCode("shipmentMethods", "shipmentMethod", "shipmentMethod", "Shipment Method", 10);

/**
 * accounts (resources/dynamics_account.md; dynamics_account_get.md is its only operation): the chart of accounts,
 * read-only, so sales lines of type Account can name and expand their G/L account (dynamics-rate-limits.md's
 * `salesOrderLines($expand=account,item(…))`). Net change is not computed (no G/L entries here).
 */
const account: EntityDef = {
  set: "accounts",
  entity: "account",
  table: "glAccount",
  caption: "G/L Account",
  businessKey: "number",
  businessKeyCaption: NO,
  // dynamics-subscriptions.md lists accounts among the resources that support webhooks.
  webhooks: true,
  insert: false,
  modify: false,
  delete: false,
  fields: {
    ...systemFields(),
    number: code(20, RO),
    displayName: text(100, RO),
    category: enumOf([" ", "Assets", "Liabilities", "Equity", "Income", "Cost of Goods Sold", "Expense"], RO),
    subCategory: text(80, RO),
    blocked: bool(RO),
    accountType: enumOf(["Posting", "Heading", "Total", "Begin-Total", "End-Total"], RO),
    directPosting: bool(RO),
    netChange: decimal(RO),
    consolidationTranslationMethod: text(30, RO),
    consolidationDebitAccount: text(20, RO),
    consolidationCreditAccount: text(20, RO),
    excludeFromConsolidation: bool(RO),
    ...modifiedField(),
  },
};

const salespersonPurchaser: EntityDef = {
  set: "salespeoplePurchasers",
  entity: "salespersonPurchaser",
  table: "salesperson",
  caption: "Salesperson/Purchaser",
  businessKey: "code",
  businessKeyCaption: CODE,
  fields: {
    ...systemFields(),
    code: code(20),
    displayName: text(50),
    email: text(80),
    email2: text(80),
    phoneNo: text(30),
    jobTitle: text(30),
    commisionPercent: decimal(),
    privacyBlocked: bool(),
    blocked: bool(),
    ...modifiedField(),
  },
};

const employee: EntityDef = {
  set: "employees",
  entity: "employee",
  table: "employee",
  caption: "Employee",
  businessKey: "number",
  businessKeyCaption: NO,
  webhooks: true,
  fields: {
    ...systemFields(),
    number: code(20),
    displayName: text(100, RO),
    givenName: text(30),
    middleName: text(30),
    surname: text(30),
    jobTitle: text(30),
    ...address(),
    phoneNumber: text(30),
    mobilePhone: text(30),
    email: text(80),
    personalEmail: text(80),
    employmentDate: date(),
    terminationDate: date(),
    status: enumOf(["Active", "Inactive", "Terminated"]),
    birthDate: date(),
    statisticsGroupCode: code(10),
    bankBranchNumber: text(20),
    bankAccountNumber: text(30),
    iban: code(50),
    ...modifiedField(),
  },
};

const opportunity: EntityDef = {
  set: "opportunities",
  entity: "opportunity",
  table: "opportunity",
  caption: "Opportunity",
  businessKey: "number",
  businessKeyCaption: NO,
  fields: {
    ...systemFields(),
    number: code(20),
    contactNumber: code(20),
    contactName: text(100, RO),
    contactCompanyName: text(100, RO),
    salespersonCode: code(20),
    description: text(100),
    status: enumOf(["Not Started", "In Progress", "Won", "Lost"]),
    closed: bool(RO),
    creationDate: date(RO),
    dateClosed: date(RO),
    calculatedCurrentValue: decimal(RO),
    chancesOfSuccessPrc: decimal(RO),
    completedPrc: decimal(RO),
    estimatedClosingDate: date(),
    estimatedValue: decimal(),
    systemCreatedAt: datetime(RO),
    ...modifiedField(),
  },
};

const salesQuote: EntityDef = {
  set: "salesQuotes",
  entity: "salesQuote",
  table: "salesQuote",
  caption: "Sales Header",
  webhooks: true,
  actions: ["makeOrder", "makeInvoice", "send"],
  fields: inOrder(
    {
      ...documentHeader(),
      documentDate: date(),
      postingDate: date(),
      dueDate: date(),
      status: enumOf(["Draft", "Sent", "Accepted", "Expired "], RO),
      sentDate: datetime(RO),
      validUntilDate: date(),
      acceptedDate: date(RO),
      ...modifiedField(),
    },
    "id number externalDocumentNumber documentDate postingDate dueDate customerId customerNumber customerName billToName billToCustomerId billToCustomerNumber shipToName shipToContact sellToAddressLine1 sellToAddressLine2 sellToCity sellToCountry sellToState sellToPostCode billToAddressLine1 billToAddressLine2 billToCity billToCountry billToState billToPostCode shipToAddressLine1 shipToAddressLine2 shipToCity shipToCountry shipToState shipToPostCode shortcutDimension1Code shortcutDimension2Code currencyId currencyCode paymentTermsId shipmentMethodId salesperson discountAmount totalAmountExcludingTax totalTaxAmount totalAmountIncludingTax status sentDate validUntilDate acceptedDate lastModifiedDateTime phoneNumber email",
  ),
  navigation: documentNavigation("salesQuoteLines"),
};

const salesQuoteLine: EntityDef = {
  set: "salesQuoteLines",
  entity: "salesQuoteLine",
  table: "salesQuoteLine",
  caption: "Sales Line",
  parent: { set: "salesQuotes", foreignKey: "documentId" },
  navigation: lineNavigation("salesQuote", "salesQuotes"),
  fields: inOrder(
    { ...documentLine() },
    "id documentId sequence itemId accountId lineType lineObjectNumber description description2 unitOfMeasureId unitOfMeasureCode unitPrice quantity discountAmount discountPercent discountAppliedBeforeTax amountExcludingTax taxCode taxPercent totalTaxAmount amountIncludingTax netAmount netTaxAmount netAmountIncludingTax itemVariantId locationId",
  ),
};

const salesOrder: EntityDef = {
  set: "salesOrders",
  entity: "salesOrder",
  table: "salesOrder",
  caption: "Sales Header",
  webhooks: true,
  actions: ["shipAndInvoice"],
  fields: inOrder(
    {
      ...documentHeader(),
      orderDate: date(),
      postingDate: date(),
      pricesIncludeTax: bool(RO),
      // Shipping Advice is Partial unless the customer says otherwise, so a new order shows `true`
      // (dynamics_salesOrder_create.md's response: "partialShipping": true).
      partialShipping: bool({ default: true }),
      requestedDeliveryDate: date(),
      fullyShipped: bool(RO),
      status: enumOf(["Draft", "In Review", "Open"], RO),
      ...modifiedField(),
    },
    "id number externalDocumentNumber orderDate postingDate customerId customerNumber customerName billToName billToCustomerId billToCustomerNumber shipToName shipToContact sellToAddressLine1 sellToAddressLine2 sellToCity sellToCountry sellToState sellToPostCode billToAddressLine1 billToAddressLine2 billToCity billToCountry billToState billToPostCode shipToAddressLine1 shipToAddressLine2 shipToCity shipToCountry shipToState shipToPostCode shortcutDimension1Code shortcutDimension2Code currencyId currencyCode pricesIncludeTax paymentTermsId shipmentMethodId salesperson partialShipping requestedDeliveryDate discountAmount discountAppliedBeforeTax totalAmountExcludingTax totalTaxAmount totalAmountIncludingTax fullyShipped status lastModifiedDateTime phoneNumber email",
  ),
  navigation: documentNavigation("salesOrderLines"),
};

const salesOrderLine: EntityDef = {
  set: "salesOrderLines",
  entity: "salesOrderLine",
  table: "salesOrderLine",
  caption: "Sales Line",
  parent: { set: "salesOrders", foreignKey: "documentId" },
  navigation: lineNavigation("salesOrder", "salesOrders"),
  fields: inOrder(
    {
      ...documentLine(),
      shipmentDate: date(),
      shippedQuantity: decimal(RO),
      invoicedQuantity: decimal(RO),
      invoiceQuantity: decimal(),
      shipQuantity: decimal(),
    },
    "id documentId sequence itemId accountId lineType lineObjectNumber description description2 unitOfMeasureId unitOfMeasureCode quantity unitPrice discountAmount discountPercent discountAppliedBeforeTax amountExcludingTax taxCode taxPercent totalTaxAmount amountIncludingTax invoiceDiscountAllocation netAmount netTaxAmount netAmountIncludingTax shipmentDate shippedQuantity invoicedQuantity invoiceQuantity shipQuantity itemVariantId locationId",
  ),
};

const POSTED_STATUSES = new Set(["Open", "Paid", "Canceled", "Corrective"]);
export const isPostedInvoice = (row: Record<string, unknown>): boolean => POSTED_STATUSES.has(String(row.status));

const salesInvoice: EntityDef = {
  set: "salesInvoices",
  entity: "salesInvoice",
  table: "salesInvoice",
  caption: "Sales Header",
  webhooks: true,
  // resources/dynamics_salesinvoice.md: cancel, cancelAndSend, makeCorrectiveCreditMemo, post, postAndSend, send
  // (makeCorrectiveCreditMemo needs salesCreditMemos, which are not served).
  actions: ["post", "postAndSend", "send", "cancel", "cancelAndSend"],
  fields: inOrder(
    {
      ...documentHeader(),
      invoiceDate: date(),
      postingDate: date(),
      dueDate: date(),
      promisedPayDate: date(),
      customerPurchaseOrderReference: text(35),
      orderId: guid(RO),
      orderNumber: code(20, RO),
      disputeStatusId: guid(),
      disputeStatus: text(30),
      pricesIncludeTax: bool(RO),
      remainingAmount: decimal(RO),
      status: enumOf([" ", "Draft", "In Review", "Open", "Paid", "Canceled", "Corrective"], RO),
      ...modifiedField(),
    },
    "id number externalDocumentNumber invoiceDate postingDate dueDate promisedPayDate customerPurchaseOrderReference customerId customerNumber customerName billToName billToCustomerId billToCustomerNumber shipToName shipToContact sellToAddressLine1 sellToAddressLine2 sellToCity sellToCountry sellToState sellToPostCode billToAddressLine1 billToAddressLine2 billToCity billToCountry billToState billToPostCode shipToAddressLine1 shipToAddressLine2 shipToCity shipToCountry shipToState shipToPostCode currencyId shortcutDimension1Code shortcutDimension2Code currencyCode orderId orderNumber paymentTermsId shipmentMethodId salesperson disputeStatusId disputeStatus pricesIncludeTax remainingAmount discountAmount discountAppliedBeforeTax totalAmountExcludingTax totalTaxAmount totalAmountIncludingTax status lastModifiedDateTime phoneNumber email",
  ),
  navigation: documentNavigation("salesInvoiceLines"),
};

const salesInvoiceLine: EntityDef = {
  set: "salesInvoiceLines",
  entity: "salesInvoiceLine",
  table: "salesInvoiceLine",
  caption: "Sales Line",
  parent: { set: "salesInvoices", foreignKey: "documentId" },
  navigation: lineNavigation("salesInvoice", "salesInvoices"),
  fields: inOrder(
    { ...documentLine(), shipmentDate: date() },
    "id documentId sequence itemId accountId lineType lineObjectNumber description description2 unitOfMeasureId unitOfMeasureCode quantity unitPrice discountAmount discountPercent discountAppliedBeforeTax amountExcludingTax taxCode taxPercent totalTaxAmount amountIncludingTax invoiceDiscountAllocation netAmount netTaxAmount netAmountIncludingTax shipmentDate itemVariantId locationId",
  ),
};

const salesShipment: EntityDef = {
  set: "salesShipments",
  entity: "salesShipment",
  table: "salesShipment",
  caption: "Sales Shipment Header",
  insert: false,
  modify: false,
  delete: false,
  fields: inOrder(
    {
      ...systemFields(),
      number: code(20, RO),
      externalDocumentNumber: text(35, RO),
      invoiceDate: date(RO),
      postingDate: date(RO),
      dueDate: date(RO),
      customerPurchaseOrderReference: text(35, RO),
      customerId: guid(RO),
      customerNumber: code(20, RO),
      customerName: text(100, RO),
      billToName: text(100, RO),
      billToCustomerId: guid(RO),
      billToCustomerNumber: code(20, RO),
      shipToName: text(100, RO),
      shipToContact: text(100, RO),
      ...docAddress("sellTo"),
      ...docAddress("billTo"),
      ...docAddress("shipTo"),
      currencyCode: code(10, { ...RO, lcy: true }),
      orderNumber: code(20, RO),
      paymentTermsCode: code(10, RO),
      shipmentMethodCode: code(10, RO),
      salesperson: code(20, RO),
      pricesIncludeTax: bool(RO),
      phoneNumber: text(30, RO),
      email: text(80, RO),
      ...modifiedField(),
    },
    "id number externalDocumentNumber invoiceDate postingDate dueDate customerPurchaseOrderReference customerId customerNumber customerName billToCustomerId billToName billToCustomerNumber shipToName shipToContact sellToAddressLine1 sellToAddressLine2 sellToCity sellToCountry sellToState sellToPostCode billToAddressLine1 billToAddressLine2 billToCity billToCountry billToState billToPostCode shipToAddressLine1 shipToAddressLine2 shipToCity shipToCountry shipToState shipToPostCode currencyCode orderNumber paymentTermsCode shipmentMethodCode salesperson pricesIncludeTax lastModifiedDateTime phoneNumber email",
  ),
  navigation: {
    customer: { target: "customers", many: false, foreignKey: "customerId" },
    salesShipmentLines: { target: "salesShipmentLines", many: true, foreignKey: "documentId" },
  },
};

const salesShipmentLine: EntityDef = {
  set: "salesShipmentLines",
  entity: "salesShipmentLine",
  table: "salesShipmentLine",
  caption: "Sales Shipment Line",
  insert: false,
  modify: false,
  delete: false,
  parent: { set: "salesShipments", foreignKey: "documentId" },
  navigation: { salesShipment: { target: "salesShipments", many: false, foreignKey: "documentId" } },
  fields: {
    ...systemFields(),
    documentId: guid(RO),
    documentNo: code(20, RO),
    sequence: int(RO),
    lineType: enumOf([" ", "G/L Account", "Item", "Resource", "Fixed Asset", "Charge (Item)"], RO),
    lineObjectNumber: code(20, RO),
    description: text(100, RO),
    description2: text(50, RO),
    unitOfMeasureCode: code(10, RO),
    unitPrice: decimal(RO),
    quantity: decimal(RO),
    discountPercent: decimal(RO),
    taxPercent: decimal(RO),
    shipmentDate: date(RO),
  },
};

/** A stable GUID derived from a company id (the Company Information record's SystemId). */
function derivedId(companyId: string, salt: string): string {
  const hex = createHash("sha256").update(`${salt}:${companyId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * companyInformation (resources/dynamics_companyinformation.md): the one Company Information record; its
 * `currencyCode` is the LCY code, which clients need to read the LCY code shown on customers and documents.
 * The record is computed from the company; a PATCH (dynamics_companyinformation_update.md) stores the changed
 * values in the `companyInformation` table, which the computed record shows from then on. Read-only as the
 * resource page documents them: currentFiscalYearStartDate (and id, lastModifiedDateTime); the LCY code and the
 * experience tier come from other setup tables.
 */
const companyInformation: EntityDef = {
  set: "companyInformation",
  entity: "companyInformation",
  table: "companyInformation",
  caption: "Company Information",
  // dynamics-subscriptions.md lists companyInformation among the resources that support webhooks.
  webhooks: true,
  insert: false,
  delete: false,
  fields: {
    ...systemFields(),
    displayName: text(100),
    ...address(),
    phoneNumber: text(30),
    faxNumber: text(30),
    email: text(80),
    website: text(80),
    taxRegistrationNumber: text(20),
    currencyCode: code(10, RO),
    currentFiscalYearStartDate: date(RO),
    industry: text(50),
    experience: text(30, RO),
    ...modifiedField(),
  },
  // The documented `picture` (stream) sits between industry and experience.
  streams: { picture: "industry" },
  computed: ({ company, workDate, rows }) => {
    const canada = company.lcyCode === "CAD";
    const id = derivedId(company.id, "companyInformation");
    const base: Record<string, unknown> = {
      id,
      displayName: company.displayName,
      addressLine1: canada ? "220 King Street West" : "7122 South Ashford Street",
      addressLine2: canada ? "" : "Westminster",
      city: canada ? "Toronto" : "Atlanta",
      state: canada ? "ON" : "GA",
      country: canada ? "CA" : "US",
      postalCode: canada ? "M5H 2N2" : "31772",
      phoneNumber: "+1 425 555 0100",
      faxNumber: "+1 425 555 0101",
      email: "",
      website: "",
      taxRegistrationNumber: "",
      currencyCode: company.lcyCode,
      currentFiscalYearStartDate: `${workDate.slice(0, 4)}-01-01`,
      industry: "",
      experience: "Essential",
      lastModifiedDateTime: company.createdAt,
    };
    // Values written through the page (and the time of the last write) win over the computed ones.
    const stored = rows("companyInformation").find((r) => r.id === id);
    if (stored) for (const [k, v] of Object.entries(stored)) if (!k.startsWith("$") && v !== undefined) base[k] = v;
    return [base];
  },
};

const company: EntityDef = {
  set: "companies",
  entity: "company",
  table: "company",
  caption: "Company",
  global: true,
  insert: false,
  modify: false,
  delete: false,
  fields: {
    ...systemFields(),
    systemVersion: text(250, RO),
    timestamp: { type: "int64", default: 0, readOnly: true },
    name: text(30, RO),
    displayName: text(250, RO),
    businessProfileId: text(250, RO),
    systemCreatedAt: datetime(RO),
    systemCreatedBy: guid(RO),
    systemModifiedAt: datetime(RO),
    systemModifiedBy: guid(RO),
  },
};

export const subscriptionEntity: EntityDef = {
  set: "subscriptions",
  entity: "subscription",
  table: "subscription",
  caption: "API Webhook Subscription",
  global: true,
  fields: {
    subscriptionId: text(150, RO),
    notificationUrl: text(2048),
    resource: text(250),
    timestamp: { type: "int64", default: 0, readOnly: true },
    userId: guid(RO),
    lastModifiedDateTime: datetime(RO),
    clientState: text(2048),
    expirationDateTime: datetime(RO),
    systemCreatedAt: datetime(RO),
    systemCreatedBy: guid(RO),
    systemModifiedAt: datetime(RO),
    systemModifiedBy: guid(RO),
  },
};

export const STANDARD_ENTITIES: readonly EntityDef[] = [
  company,
  companyInformation,
  customer,
  vendor,
  contact,
  item,
  itemCategory,
  unitOfMeasure,
  account,
  currency,
  paymentTerm,
  shipmentMethod,
  salespersonPurchaser,
  employee,
  opportunity,
  salesQuote,
  salesQuoteLine,
  salesOrder,
  salesOrderLine,
  salesInvoice,
  salesInvoiceLine,
  salesShipment,
  salesShipmentLine,
];
