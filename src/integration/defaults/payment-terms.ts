// PAYMENT TERMS — Payment Terms → account.paymenttermscode (bc-reference §2.2.6).

import { optionMapping, SALES_DOCUMENTS } from "./option-set.ts";
import type { IntegrationDefault } from "./types.ts";

export const paymentTerms = (): IntegrationDefault =>
  optionMapping(
    "PAYMENT TERMS",
    30,
    { api: "v2.0", entitySet: "paymentTerms" },
    "paymenttermscode",
    SALES_DOCUMENTS.map((table) => ({ table, attribute: "paymenttermscode" })),
  );
