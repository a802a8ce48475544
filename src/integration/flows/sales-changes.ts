// "Changed by a Sales user since the flow last looked" for a coupled Sales order (bidirectional mode, S8).
// The newest row version of the order and its lines among the rows a person (not the integration user) wrote
// last: the integration's own writes (BC → Sales updates, write-backs) never count as a change, a resubmit
// or a line edit by a user always does. Remembered per order in the store's settings.

import { isIntegrationUser } from "../../engine/integration-users.ts";
import type { IntegrationContext } from "../context.ts";
import type { SalesDocument } from "./sales-document.ts";

const key = (orderId: string) => `flows.salesOrderSeen.${orderId}`;

export function userVersion(ctx: IntegrationContext, doc: SalesDocument): number {
  const integrationUsers = ctx.engine.integrationUsers?.dataverse;
  let newest = 0;
  for (const row of [doc.header, ...doc.lines]) {
    if (isIntegrationUser(integrationUsers, row._modifiedby_value)) continue;
    newest = Math.max(newest, Number(row.versionnumber ?? 0));
  }
  return newest;
}

export async function salesChanged(ctx: IntegrationContext, doc: SalesDocument): Promise<boolean> {
  const seen = (await ctx.store.settings.get<number>(key(doc.id))) ?? 0;
  return userVersion(ctx, doc) > seen;
}

export async function rememberSales(ctx: IntegrationContext, doc: SalesDocument): Promise<void> {
  await ctx.store.settings.set(key(doc.id), userVersion(ctx, doc));
}

export async function forgetSales(ctx: IntegrationContext, orderId: string): Promise<void> {
  await ctx.store.settings.delete(key(orderId));
}
