// Notes of a Sales order come along when its BC order is created or updated from Sales (bc-reference §4.1 step
// 3, §4.4): every annotation on the order that is a note (not a document) and not yet coupled becomes a BC note
// (record link of type Note) on the order, coupled under SALESORDER-NOTES so the notes job does not copy it back.

import type { IntegrationContext } from "../context.ts";
import { companion, lower } from "./common.ts";
import { orderRequests } from "./request-batches.ts";

export const NOTES_MAPPING = "SALESORDER-NOTES";

/** Annotation HTML (`<div>` lines, entities) as plain text. */
export function plainText(html: unknown): string {
  return String(html ?? "")
    .replace(/<\s*(br|\/div|\/p)\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{2,}/g, "\n")
    .trim();
}

/** Imports the order's uncoupled Sales notes; returns how many. Failures are left for the notes job. */
export async function importSalesNotes(ctx: IntegrationContext, salesOrderId: string, bcOrderId: string) {
  if (!ctx.mappings.some((m) => m.name === NOTES_MAPPING)) return 0;
  // One query for the notes of the orders in flight (request-batches.ts); unreadable now: left for the notes job.
  const [found] = await orderRequests(ctx)
    .rowsBy("annotations", "_objectid_value", "isdocument eq false")
    .submit([salesOrderId]);
  if (!found.ok) return 0;
  const notes = found.value;
  let imported = 0;
  for (const n of notes) {
    const id = lower(n.annotationid);
    if (await ctx.store.couplings.getByDataverseId(NOTES_MAPPING, id)) continue;
    const created = await companion(ctx).create("salesOrderNotes", {
      orderId: bcOrderId,
      description: String(n.subject ?? "").slice(0, 250),
      note: plainText(n.notetext).slice(0, 2048),
    });
    if (!created.ok) continue;
    await ctx.store.couplings.couple({ mappingName: NOTES_MAPPING, bcId: lower(created.value.id), dataverseId: id });
    imported++;
  }
  return imported;
}
