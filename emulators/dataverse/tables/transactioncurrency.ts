import { activeInactive, dec, defineTable, int, str } from "../schema.ts";

export const transactioncurrency = defineTable({
  logicalName: "transactioncurrency",
  entitySet: "transactioncurrencies",
  primaryName: "currencyname",
  columns: [
    str("currencyname", 100),
    str("isocurrencycode", 5, { createOnly: true }),
    str("currencysymbol", 10),
    int("currencyprecision", { min: 0, max: 4 }),
    dec("exchangerate", { min: 0.0000000001, max: 100000000000 }),
  ],
  unique: [{ column: "isocurrencycode", code: "0x80048cf3" }],
  state: activeInactive("TransactionCurrencyState"),
  ownership: "organization",
});
