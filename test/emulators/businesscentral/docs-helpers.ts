// Replaying Microsoft's documented API v2.0 examples (api-reference/v2.0/api/dynamics_<entity>_*.md) against the
// emulator: the documented properties of each resource (resources/dynamics_<entity>.md, in page order, with
// their documented types) and assertions on what every documented response shares (status, OData headers,
// `@odata.context`, `@odata.etag`, property names, order and wire types).

import { expect } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { call, type Json, type Reply } from "./helpers.ts";

export type DocType =
  | "guid"
  | "string"
  | "enum"
  | "decimal"
  | "int"
  | "int64"
  | "bool"
  | "date"
  | "datetime"
  /** A stream property: the JSON shows `<name>@odata.mediaReadLink`, a URL. */
  | "stream";

const sharedHeader =
  "number:string externalDocumentNumber:string %DATES% customerId:guid customerNumber:string customerName:string";
const addresses = ["sellTo", "billTo", "shipTo"]
  .map((p) =>
    ["AddressLine1", "AddressLine2", "City", "Country", "State", "PostCode"].map((f) => `${p}${f}:string`).join(" "),
  )
  .join(" ");
const lineStart =
  "id:guid documentId:guid sequence:int itemId:guid accountId:guid lineType:enum lineObjectNumber:string description:string description2:string unitOfMeasureId:guid unitOfMeasureCode:string";
const lineTax =
  "discountAmount:decimal discountPercent:decimal discountAppliedBeforeTax:bool amountExcludingTax:decimal taxCode:string taxPercent:decimal totalTaxAmount:decimal amountIncludingTax:decimal";

/** Documented properties per entity set, in the order of the resource page's property table. */
export const DOCUMENTED: Record<string, string> = {
  companies:
    "id:guid systemVersion:string timestamp:int64 name:string displayName:string businessProfileId:string systemCreatedAt:datetime systemCreatedBy:guid systemModifiedAt:datetime systemModifiedBy:guid",
  companyInformation:
    "id:guid displayName:string addressLine1:string addressLine2:string city:string state:string country:string postalCode:string phoneNumber:string faxNumber:string email:string website:string taxRegistrationNumber:string currencyCode:string currentFiscalYearStartDate:date industry:string picture:stream experience:string lastModifiedDateTime:datetime",
  customers:
    "id:guid number:string displayName:string type:enum addressLine1:string addressLine2:string city:string state:string country:string postalCode:string phoneNumber:string email:string website:string salespersonCode:string balanceDue:decimal creditLimit:decimal taxLiable:bool taxAreaId:guid taxAreaDisplayName:string taxRegistrationNumber:string currencyId:guid currencyCode:string paymentTermsId:guid shipmentMethodId:guid paymentMethodId:guid blocked:enum lastModifiedDateTime:datetime",
  vendors:
    "id:guid number:string displayName:string addressLine1:string addressLine2:string city:string state:string country:string postalCode:string phoneNumber:string email:string website:string taxRegistrationNumber:string currencyId:guid currencyCode:string irs1099Code:string paymentTermsId:guid paymentMethodId:guid taxLiable:bool blocked:enum balance:decimal lastModifiedDateTime:datetime",
  contacts:
    "id:guid number:string type:enum displayName:string jobTitle:string companyNumber:string companyName:string contactBusinessRelation:enum addressLine1:string addressLine2:string city:string state:string country:string postalCode:string phoneNumber:string mobilePhoneNumber:string email:string website:string searchName:string privacyBlocked:bool taxRegistrationNumber:string lastInteractionDate:date lastModifiedDateTime:datetime",
  items:
    "id:guid number:string displayName:string displayName2:string type:enum itemCategoryId:guid itemCategoryCode:string blocked:bool gtin:string inventory:decimal unitPrice:decimal priceIncludesTax:bool unitCost:decimal taxGroupId:guid taxGroupCode:string baseUnitOfMeasureId:guid baseUnitOfMeasureCode:string generalProductPostingGroupId:guid generalProductPostingGroupCode:string inventoryPostingGroupId:guid inventoryPostingGroupCode:string lastModifiedDateTime:datetime",
  itemCategories: "id:guid code:string displayName:string lastModifiedDateTime:datetime",
  accounts:
    "id:guid number:string displayName:string category:enum subCategory:string blocked:bool accountType:enum directPosting:bool netChange:decimal consolidationTranslationMethod:string consolidationDebitAccount:string consolidationCreditAccount:string excludeFromConsolidation:bool lastModifiedDateTime:datetime",
  unitsOfMeasure:
    "id:guid code:string displayName:string internationalStandardCode:string symbol:string lastModifiedDateTime:datetime",
  currencies:
    "id:guid code:string displayName:string symbol:string amountDecimalPlaces:string amountRoundingPrecision:decimal lastModifiedDateTime:datetime",
  paymentTerms:
    "id:guid code:string displayName:string dueDateCalculation:string discountDateCalculation:string discountPercent:decimal calculateDiscountOnCreditMemos:bool lastModifiedDateTime:datetime",
  shipmentMethods: "id:guid code:string displayName:string lastModifiedDateTime:datetime",
  salespeoplePurchasers:
    "id:guid code:string displayName:string email:string email2:string phoneNo:string jobTitle:string commisionPercent:decimal privacyBlocked:bool blocked:bool lastModifiedDateTime:datetime",
  employees:
    "id:guid number:string displayName:string givenName:string middleName:string surname:string jobTitle:string addressLine1:string addressLine2:string city:string state:string country:string postalCode:string phoneNumber:string mobilePhone:string email:string personalEmail:string employmentDate:date terminationDate:date status:enum birthDate:date statisticsGroupCode:string bankBranchNumber:string bankAccountNumber:string iban:string lastModifiedDateTime:datetime",
  opportunities:
    "id:guid number:string contactNumber:string contactName:string contactCompanyName:string salespersonCode:string description:string status:enum closed:bool creationDate:date dateClosed:date calculatedCurrentValue:decimal chancesOfSuccessPrc:decimal completedPrc:decimal estimatedClosingDate:date estimatedValue:decimal systemCreatedAt:datetime lastModifiedDateTime:datetime",
  salesQuotes: `id:guid ${sharedHeader.replace("%DATES%", "documentDate:date postingDate:date dueDate:date")} billToName:string billToCustomerId:guid billToCustomerNumber:string shipToName:string shipToContact:string ${addresses} shortcutDimension1Code:string shortcutDimension2Code:string currencyId:guid currencyCode:string paymentTermsId:guid shipmentMethodId:guid salesperson:string discountAmount:decimal totalAmountExcludingTax:decimal totalTaxAmount:decimal totalAmountIncludingTax:decimal status:enum sentDate:datetime validUntilDate:date acceptedDate:date lastModifiedDateTime:datetime phoneNumber:string email:string`,
  salesQuoteLines: `${lineStart} unitPrice:decimal quantity:decimal ${lineTax} netAmount:decimal netTaxAmount:decimal netAmountIncludingTax:decimal itemVariantId:guid locationId:guid`,
  salesOrders: `id:guid ${sharedHeader.replace("%DATES%", "orderDate:date postingDate:date")} billToName:string billToCustomerId:guid billToCustomerNumber:string shipToName:string shipToContact:string ${addresses} shortcutDimension1Code:string shortcutDimension2Code:string currencyId:guid currencyCode:string pricesIncludeTax:bool paymentTermsId:guid shipmentMethodId:guid salesperson:string partialShipping:bool requestedDeliveryDate:date discountAmount:decimal discountAppliedBeforeTax:bool totalAmountExcludingTax:decimal totalTaxAmount:decimal totalAmountIncludingTax:decimal fullyShipped:bool status:enum lastModifiedDateTime:datetime phoneNumber:string email:string`,
  salesOrderLines: `${lineStart} quantity:decimal unitPrice:decimal ${lineTax} invoiceDiscountAllocation:decimal netAmount:decimal netTaxAmount:decimal netAmountIncludingTax:decimal shipmentDate:date shippedQuantity:decimal invoicedQuantity:decimal invoiceQuantity:decimal shipQuantity:decimal itemVariantId:guid locationId:guid`,
  salesInvoices: `id:guid ${sharedHeader.replace("%DATES%", "invoiceDate:date postingDate:date dueDate:date promisedPayDate:date customerPurchaseOrderReference:string")} billToName:string billToCustomerId:guid billToCustomerNumber:string shipToName:string shipToContact:string ${addresses} currencyId:guid shortcutDimension1Code:string shortcutDimension2Code:string currencyCode:string orderId:guid orderNumber:string paymentTermsId:guid shipmentMethodId:guid salesperson:string disputeStatusId:guid disputeStatus:string pricesIncludeTax:bool remainingAmount:decimal discountAmount:decimal discountAppliedBeforeTax:bool totalAmountExcludingTax:decimal totalTaxAmount:decimal totalAmountIncludingTax:decimal status:enum lastModifiedDateTime:datetime phoneNumber:string email:string`,
  salesInvoiceLines: `${lineStart} quantity:decimal unitPrice:decimal ${lineTax} invoiceDiscountAllocation:decimal netAmount:decimal netTaxAmount:decimal netAmountIncludingTax:decimal shipmentDate:date itemVariantId:guid locationId:guid`,
  salesShipments: `id:guid ${sharedHeader.replace("%DATES%", "invoiceDate:date postingDate:date dueDate:date customerPurchaseOrderReference:string").replace("customerName:string", "customerName:string billToCustomerId:guid billToName:string")} billToCustomerNumber:string shipToName:string shipToContact:string ${addresses} currencyCode:string orderNumber:string paymentTermsCode:string shipmentMethodCode:string salesperson:string pricesIncludeTax:bool lastModifiedDateTime:datetime phoneNumber:string email:string`,
  salesShipmentLines:
    "id:guid documentId:guid documentNo:string sequence:int lineType:enum lineObjectNumber:string description:string description2:string unitOfMeasureCode:string unitPrice:decimal quantity:decimal discountPercent:decimal taxPercent:decimal shipmentDate:date",
  subscriptions:
    "subscriptionId:string notificationUrl:string resource:string timestamp:int64 userId:guid lastModifiedDateTime:datetime clientState:string expirationDateTime:datetime systemCreatedAt:datetime systemCreatedBy:guid systemModifiedAt:datetime systemModifiedBy:guid",
};

export function documented(set: string): [string, DocType][] {
  return DOCUMENTED[set]
    .trim()
    .split(/\s+/)
    .map((p) => p.split(":") as [string, DocType]);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function hasWireType(value: unknown, type: DocType): boolean {
  switch (type) {
    case "guid":
      return typeof value === "string" && GUID.test(value);
    case "string":
      return typeof value === "string";
    case "enum":
      // Enum members travel as OData identifiers: no spaces, no hyphens, no slashes (`_x0020_`, …).
      return typeof value === "string" && /^[A-Za-z0-9_]+$/.test(value);
    case "decimal":
      return typeof value === "number" && Number.isFinite(value);
    case "int":
    case "int64":
      return typeof value === "number" && Number.isInteger(value);
    case "bool":
      return typeof value === "boolean";
    case "date":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
    case "datetime":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value);
    case "stream":
      return typeof value === "string" && /^https?:\/\//.test(value);
  }
}

/** The JSON name of a documented property: a stream travels as its media read link. */
const wireName = ([name, type]: [string, DocType]): string =>
  type === "stream" ? `${name}@odata.mediaReadLink` : name;

/** The record carries exactly the documented properties, in documented order, with their wire types. */
export function expectDocumentedRecord(set: string, record: Json, expanded: readonly string[] = []): void {
  const props = documented(set);
  const names = Object.keys(record).filter((k) => !k.startsWith("@odata.") && !expanded.includes(k));
  expect(names, `${set}: property names and order`).toEqual(props.map(wireName));
  for (const prop of props) {
    const [name, type] = prop;
    const value = record[wireName(prop)];
    expect(hasWireType(value, type), `${set}.${name} = ${JSON.stringify(value)} as ${type}`).toBe(true);
  }
  expect(String(record["@odata.etag"] ?? ""), `${set}: @odata.etag`).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
}

/** Status, OData headers and context of a single-entity answer (GET, POST 201, PATCH 200). */
export function expectEntityReply(
  bc: BusinessCentralEmulator,
  reply: Reply,
  status: number,
  contextPath: string,
  set: string,
): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get("odata-version")).toBe("4.0");
  expect(reply.headers.get("content-type")).toMatch(/^application\/json; odata\.metadata=minimal/);
  expect(reply.headers.get("etag")).toBe(reply.body["@odata.etag"]);
  expect(reply.headers.get("ms-correlation-x")).toMatch(GUID);
  expect(reply.body["@odata.context"]).toBe(`${bc.apiUrl()}/$metadata#${contextPath}/$entity`);
  expectDocumentedRecord(set, reply.body);
}

/** A 201 also names the new record in `Location`. */
export function expectCreated(bc: BusinessCentralEmulator, reply: Reply, collectionUrl: string, set: string): void {
  const contextPath = collectionUrl.slice(bc.apiUrl().length + 1);
  expectEntityReply(bc, reply, 201, contextPath, set);
  expect(reply.headers.get("location")).toBe(`${collectionUrl}(${reply.body.id})`);
}

/** A collection answer: context, `value` of documented records. */
export function expectCollectionReply(bc: BusinessCentralEmulator, reply: Reply, contextPath: string, set: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.headers.get("odata-version")).toBe("4.0");
  expect(reply.body["@odata.context"]).toBe(`${bc.apiUrl()}/$metadata#${contextPath}`);
  expect(Array.isArray(reply.body.value)).toBe(true);
  for (const record of reply.body.value as Json[]) expectDocumentedRecord(set, record);
}

/** DELETE / bound action: 204 without a body. */
export function expectNoContent(reply: Reply): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(204);
  expect(reply.body).toEqual({});
  expect(reply.headers.get("odata-version")).toBe("4.0");
}

/** GET then PATCH/DELETE with the record's ETag, as documented (`If-Match` required). */
export async function withEtag(url: string): Promise<{ etag: string; record: Json }> {
  const got = await call(url);
  expect(got.status, JSON.stringify(got.body)).toBe(200);
  return { etag: String(got.body["@odata.etag"]), record: got.body };
}

/** The first record of a collection matching `filter` (seed lookups for the documented example values). */
export async function first(url: string, filter?: string): Promise<Json> {
  const reply = await call(`${url}${filter ? `?$filter=${encodeURIComponent(filter)}` : ""}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const record = reply.body.value?.[0];
  if (!record) throw new Error(`no record in ${url} for ${filter ?? "(all)"}`);
  return record;
}

export interface DocsContext {
  bc: BusinessCentralEmulator;
  /** `…/api/v2.0/companies(<id>)` of the demo company. */
  company: string;
}

/** One entity's documented create / get / list / update / delete examples, replayed in that order. */
export interface DocumentedCrud {
  set: string;
  /** `$filter` picking the seed record the documented GET example reads. */
  existing: string;
  /** The documented create body, with the example's ids and numbers swapped for the seed's. */
  create?(ctx: DocsContext): Promise<Json> | Json;
  /** Properties of the create body the answer shows differently (derived, blank LCY, …), with their values. */
  createdDiffers?: Json;
  /** The documented update body (applied to the created record, or to `existing` when nothing is created). */
  update?: Json;
  /** When the documented DELETE removes a record the example did not create (default: the created one). */
  deleteExisting?: boolean;
}

const CONTEXT_OF = (set: string, company: string) => `companies(${company})/${set}`;

/** Registers the replay of one entity's documented examples (call inside `describe`). */
export function replayDocumentedCrud(ctx: () => DocsContext, spec: DocumentedCrud, it: typeof import("vitest").it) {
  const state: { created?: Json } = {};
  const companyId = () => /companies\(([^)]+)\)/.exec(ctx().company)?.[1] ?? "";

  it(`GET ${spec.set}({id}) and GET ${spec.set} answer the documented shape`, async () => {
    const { bc, company } = ctx();
    const record = await first(`${company}/${spec.set}`, spec.existing);
    const one = await call(`${company}/${spec.set}(${record.id})`);
    expectEntityReply(bc, one, 200, CONTEXT_OF(spec.set, companyId()), spec.set);
    const list = await call(`${company}/${spec.set}`);
    expectCollectionReply(bc, list, CONTEXT_OF(spec.set, companyId()), spec.set);
  });

  if (spec.create) {
    const create = spec.create;
    it(`POST ${spec.set} with the documented body answers 201 with Location`, async () => {
      const { bc, company } = ctx();
      const body = await create(ctx());
      const reply = await call(`${company}/${spec.set}`, { method: "POST", body });
      expectCreated(bc, reply, `${company}/${spec.set}`, spec.set);
      const differs = spec.createdDiffers ?? {};
      for (const [k, v] of Object.entries(body)) {
        if (k === "lastModifiedDateTime") continue;
        const expected = k in differs ? differs[k] : v;
        expect(reply.body[k], `${spec.set}.${k}`).toEqual(expected);
      }
      state.created = reply.body;
    });
  }

  if (spec.update) {
    const update = spec.update;
    it(`PATCH ${spec.set}({id}) with If-Match and the documented body answers 200`, async () => {
      const { bc, company } = ctx();
      const target = state.created ?? (await first(`${company}/${spec.set}`, spec.existing));
      const url = `${company}/${spec.set}(${target.id})`;
      const { etag } = await withEtag(url);
      const reply = await call(url, { method: "PATCH", body: update, headers: { "If-Match": etag } });
      expectEntityReply(bc, reply, 200, CONTEXT_OF(spec.set, companyId()), spec.set);
      for (const [k, v] of Object.entries(update)) expect(reply.body[k], `${spec.set}.${k}`).toEqual(v);
      expect(reply.body["@odata.etag"]).not.toBe(etag);
      // The old ETag is stale now: the documented "won't be updated".
      const stale = await call(url, { method: "PATCH", body: update, headers: { "If-Match": etag } });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe("Request_EntityChanged");
    });
  }

  it(`DELETE ${spec.set}({id}) needs If-Match and answers 204`, async () => {
    const { company } = ctx();
    const target =
      spec.deleteExisting || !state.created ? await first(`${company}/${spec.set}`, spec.existing) : state.created;
    const url = `${company}/${spec.set}(${target.id})`;
    const missing = await call(url, { method: "DELETE" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("BadRequest_InvalidToken");
    const { etag } = await withEtag(url);
    expectNoContent(await call(url, { method: "DELETE", headers: { "If-Match": etag } }));
    const gone = await call(url);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("Internal_RecordNotFound");
  });
}
