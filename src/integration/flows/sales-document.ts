// Reads a Sales document (order or quote) with its lines and resolves it into what Business Central needs
// (bc-reference §4.1 steps 1 and 4): the coupled customer (a contact customer through its parent account), and
// per line the coupled item or resource; write-in lines (no product) and extra line text become comment lines.
// Nothing is written here, so a document that cannot be resolved leaves Business Central untouched.

import type { Row } from "../../connectors/index.ts";
import { bcsyncError } from "../../errors/catalogue.ts";
import {
  INTEGRATION_ORDER_CUSTOMER_NOT_COUPLED,
  INTEGRATION_ORDER_NOT_FOUND,
  INTEGRATION_ORDER_PRODUCT_NOT_COUPLED,
} from "../../errors/codes/integration.ts";
import type { IntegrationContext } from "../context.ts";
import { companion, lower, type Outcome } from "./common.ts";
import { orderRequests } from "./request-batches.ts";

export type SalesDocumentKind = "salesorder" | "quote";

const SETS = {
  salesorder: { set: "salesorders", key: "salesorderid", lines: "salesorderdetails", number: "ordernumber" },
  quote: { set: "quotes", key: "quoteid", lines: "quotedetails", number: "quotenumber" },
} as const;

export interface SalesDocument {
  kind: SalesDocumentKind;
  id: string;
  header: Row;
  lines: Row[];
}

export interface BcLineDraft {
  /** The Sales line it comes from (undefined for extra text lines). */
  salesLineId?: string;
  lineType: "Item" | "Resource" | "Comment";
  itemId?: string;
  lineObjectNumber?: string;
  /** With unit groups: the BC unit of the Sales line's coupled unit (otherwise BC takes the item's own). */
  unitOfMeasureCode?: string;
  quantity?: number;
  unitPrice?: number;
  description?: string;
}

export interface BcDocumentDraft {
  customerId: string;
  externalDocumentNumber?: string;
  yourReference?: string;
  requestedDeliveryDate?: string;
  workDescription?: string;
  paymentDiscountPercent?: number;
  /** The Sales order's discount amount, applied as BC's invoice discount (bc-reference §4.1 step 5). */
  invoiceDiscountAmount?: number;
  lines: BcLineDraft[];
}

export async function readSalesDocument(
  ctx: IntegrationContext,
  kind: SalesDocumentKind,
  id: string,
): Promise<Outcome<SalesDocument>> {
  const s = SETS[kind];
  // Header and lines side by side, each in one query shared with the other documents read at the same moment
  // (request-batches.ts: the orders in flight), instead of two requests per document.
  const gathered = orderRequests(ctx);
  const [[header], [found]] = await Promise.all([
    gathered.rowsBy(s.set, s.key).submit([id]),
    gathered.rowsBy(s.lines, `_${s.key}_value`).submit([id]),
  ]);
  if (!header.ok) return header;
  if (!found.ok) return found;
  // A missing header makes the lines moot.
  if (header.value.length === 0) return { ok: false, error: bcsyncError(INTEGRATION_ORDER_NOT_FOUND, { order: id }) };
  const lines = [...found.value];
  lines.sort(
    (a, b) =>
      Number(a.sequencenumber ?? 0) - Number(b.sequencenumber ?? 0) ||
      Number(a.lineitemnumber ?? 0) - Number(b.lineitemnumber ?? 0),
  );
  return { ok: true, value: { kind, id: lower(id), header: header.value[0], lines } };
}

/** The document's number in Sales (order number / quote number), for messages. */
export const documentNumber = (doc: SalesDocument): string => String(doc.header[SETS[doc.kind].number] ?? doc.id);

async function customerOf(ctx: IntegrationContext, doc: SalesDocument): Promise<Outcome<string>> {
  const customer = lower(doc.header._customerid_value);
  const notCoupled = () => ({
    ok: false as const,
    error: bcsyncError(INTEGRATION_ORDER_CUSTOMER_NOT_COUPLED, {
      order: documentNumber(doc),
      customer: customer || "(none)",
    }),
  });
  if (!customer) return notCoupled();
  const direct = await ctx.store.couplings.getByDataverseId("CUSTOMER", customer);
  if (direct) return { ok: true, value: direct.bcId };
  // A contact customer: BC takes the contact's parent account.
  const contact = await ctx.dataverse.retrieve("contacts", customer, { select: ["_parentcustomerid_value"] });
  const parent = contact.ok ? lower(contact.value?._parentcustomerid_value) : "";
  const viaParent = parent ? await ctx.store.couplings.getByDataverseId("CUSTOMER", parent) : undefined;
  return viaParent ? { ok: true, value: viaParent.bcId } : notCoupled();
}

/** Description lines of at most 100 characters (BC's Description length). */
function textLines(text: unknown): string[] {
  return String(text ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .flatMap((l) => l.match(/.{1,100}/g) ?? []);
}

/** The BC unit code of the line's Sales unit when that unit is coupled (multiple units of measure, S12). */
async function unitOf(
  ctx: IntegrationContext,
  mapping: "ITEM UOM" | "RESOURCE UOM",
  entitySet: string,
  line: Row,
): Promise<{ unitOfMeasureCode?: string }> {
  const uom = lower(line._uomid_value);
  const coupling = uom ? await ctx.store.couplings.getByDataverseId(mapping, uom) : undefined;
  if (!coupling) return {};
  const unit = await companion(ctx).get(entitySet, coupling.bcId, { select: ["code"] });
  return unit.ok && unit.value?.code ? { unitOfMeasureCode: String(unit.value.code) } : {};
}

async function lineOf(
  ctx: IntegrationContext,
  doc: SalesDocument,
  line: Row,
  resourceNumbers: Map<string, string>,
): Promise<Outcome<BcLineDraft[]>> {
  const key = doc.kind === "salesorder" ? "salesorderdetailid" : "quotedetailid";
  const salesLineId = lower(line[key]);
  const product = lower(line._productid_value);
  const amounts = { quantity: Number(line.quantity ?? 0), unitPrice: Number(line.priceperunit ?? 0) };
  if (!product || line.isproductoverridden === true) {
    // A write-in product: its text goes to BC as comment lines.
    const text = textLines(line.productdescription ?? line.description);
    return {
      ok: true,
      value: (text.length > 0 ? text : ["(write-in product)"]).map((description, i) => ({
        ...(i === 0 ? { salesLineId } : {}),
        lineType: "Comment" as const,
        description,
      })),
    };
  }
  const extra = textLines(line.description).map((description) => ({ lineType: "Comment" as const, description }));
  const item = await ctx.store.couplings.getByDataverseId("ITEM-PRODUCT", product);
  if (item) {
    const unit = await unitOf(ctx, "ITEM UOM", "itemUnitsOfMeasure", line);
    return { ok: true, value: [{ salesLineId, lineType: "Item", itemId: item.bcId, ...unit, ...amounts }, ...extra] };
  }
  const resource = await ctx.store.couplings.getByDataverseId("RESOURCE-PRODUCT", product);
  if (resource) {
    if (!resourceNumbers.has(resource.bcId)) {
      const r = await companion(ctx).get("resources", resource.bcId, { select: ["number"] });
      if (r.ok && r.value) resourceNumbers.set(resource.bcId, String(r.value.number));
    }
    const number = resourceNumbers.get(resource.bcId);
    const unit = await unitOf(ctx, "RESOURCE UOM", "resourceUnitsOfMeasure", line);
    if (number)
      return {
        ok: true,
        value: [{ salesLineId, lineType: "Resource", lineObjectNumber: number, ...unit, ...amounts }, ...extra],
      };
  }
  return {
    ok: false,
    error: bcsyncError(INTEGRATION_ORDER_PRODUCT_NOT_COUPLED, {
      order: documentNumber(doc),
      line: String(line.sequencenumber ?? line.lineitemnumber ?? salesLineId),
      product: String(line.productdescription ?? product),
    }),
  };
}

const date = (value: unknown) => (typeof value === "string" && value.length >= 10 ? value.slice(0, 10) : undefined);
const text = (value: unknown, max: number) =>
  typeof value === "string" && value.length > 0 ? value.slice(0, max) : undefined;

/** Resolves the whole document; the first line or customer that cannot be resolved is the error. */
export async function resolveDraft(ctx: IntegrationContext, doc: SalesDocument): Promise<Outcome<BcDocumentDraft>> {
  const customer = await customerOf(ctx, doc);
  if (!customer.ok) return customer;
  const lines: BcLineDraft[] = [];
  const resourceNumbers = new Map<string, string>();
  for (const line of doc.lines) {
    const drafted = await lineOf(ctx, doc, line, resourceNumbers);
    if (!drafted.ok) return drafted;
    lines.push(...drafted.value);
  }
  const h = doc.header;
  const draft: BcDocumentDraft = { customerId: customer.value, lines };
  const external = text(h.name, 35);
  if (external) draft.externalDocumentNumber = external;
  const reference = text(h.ordernumber ?? h.quotenumber, 35);
  if (reference) draft.yourReference = reference;
  const delivery = date(h.requestdeliveryby);
  if (delivery) draft.requestedDeliveryDate = delivery;
  const work = text(h.description, 2048);
  if (work) draft.workDescription = work;
  if (Number(h.discountpercentage ?? 0) > 0) draft.paymentDiscountPercent = Number(h.discountpercentage);
  if (Number(h.discountamount ?? 0) > 0) draft.invoiceDiscountAmount = Number(h.discountamount);
  return { ok: true, value: draft };
}
