// CURRENCY — Currency → transactioncurrency (bc-reference §2.2.5). Coupled by ISO code; new ones created.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault, otherPageOnly } from "./types.ts";

export function currency(): IntegrationDefault {
  return integrationDefault(
    {
      name: "CURRENCY",
      bc: { api: "v2.0", entitySet: "currencies" },
      dataverse: {
        table: "transactioncurrency",
        entitySet: "transactioncurrencies",
        keyField: "transactioncurrencyid",
      },
      direction: "toDataverse",
      runOrder: 20,
      fields: [
        field("code", "isocurrencycode", "toDataverse", { match: { priority: 0, caseSensitive: false } }),
        // BC's currency hook (bc-reference §2.3): a currency without a symbol gets its code as the symbol, which
        // Sales requires.
        field("symbol", "currencysymbol", "toDataverse", {
          transform: { name: "default", args: { fromField: "code" } },
        }),
        field("displayName", "currencyname", "toDataverse"),
        // BC's hooks set both (bc-reference §2.3): the rate from BC's exchange rates (units per one LCY, and the
        // LCY is the organization's base currency), the precision from the currency's amount decimal places.
        otherPageOnly(field("exchangeRate", "exchangerate", "toDataverse")),
        field("amountDecimalPlaces", "currencyprecision", "toDataverse", { transform: { name: "decimalPlaces" } }),
      ],
    },
    every30(720),
  );
}
