// SHIPMENT METHOD — Shipment Method → account.address1_freighttermscode (bc-reference §2.2.7).

import { optionMapping, SALES_DOCUMENTS } from "./option-set.ts";
import type { IntegrationDefault } from "./types.ts";

export const shipmentMethod = (): IntegrationDefault =>
  optionMapping(
    "SHIPMENT METHOD",
    31,
    { api: "v2.0", entitySet: "shipmentMethods" },
    "address1_freighttermscode",
    SALES_DOCUMENTS.map((table) => ({ table, attribute: "freighttermscode" })),
  );
