// SHIPPING AGENT — Shipping Agent → account.address1_shippingmethodcode (bc-reference §2.2.8); companion API.

import { optionMapping, SALES_DOCUMENTS } from "./option-set.ts";
import type { IntegrationDefault } from "./types.ts";

export const shippingAgent = (): IntegrationDefault =>
  optionMapping(
    "SHIPPING AGENT",
    32,
    { api: "companion", entitySet: "shippingAgents" },
    "address1_shippingmethodcode",
    SALES_DOCUMENTS.map((table) => ({ table, attribute: "shippingmethodcode" })),
  );
