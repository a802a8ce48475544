// The Sales document tables share a shape: a header (quote, salesorder, invoice) and its lines.
import { bool, type Column, date, dec, defineTable, int, lookup, memo, money, pick, str } from "../schema.ts";

function billShip(): Column[] {
  const cols: Column[] = [];
  for (const p of ["billto", "shipto"]) {
    cols.push(
      str(`${p}_name`, 200),
      str(`${p}_contactname`, 150),
      str(`${p}_line1`, 250),
      str(`${p}_line2`, 250),
      str(`${p}_line3`, 250),
      str(`${p}_city`, 80),
      str(`${p}_stateorprovince`, 50),
      str(`${p}_postalcode`, 20),
      str(`${p}_country`, 80),
      str(`${p}_telephone`, 50),
      str(`${p}_fax`, 50),
    );
  }
  cols.push(pick("shipto_freighttermscode", [1, 2]));
  return cols;
}

function headerColumns(numberColumn: string): Column[] {
  return [
    str("name", 300),
    str(numberColumn, 100, { createOnly: true }),
    lookup("customerid", ["account", "contact"]),
    lookup("accountid", "account", { readOnly: true }),
    lookup("contactid", "contact", { readOnly: true }),
    lookup("opportunityid", "opportunity"),
    lookup("pricelevelid", "pricelevel"),
    lookup("transactioncurrencyid", "transactioncurrency", { createOnly: true }),
    bool("ispricelocked"),
    money("discountamount"),
    dec("discountpercentage"),
    money("freightamount"),
    money("totalamount", { readOnly: true }),
    money("totallineitemamount", { readOnly: true }),
    money("totallineitemdiscountamount", { readOnly: true }),
    money("totalamountlessfreight", { readOnly: true }),
    money("totaldiscountamount", { readOnly: true }),
    money("totaltax", { readOnly: true }),
    pick("paymenttermscode", [1, 2, 3, 4]),
    pick("shippingmethodcode", [1, 2, 3, 4, 5, 6, 7]),
    pick("freighttermscode", [1, 2]),
    bool("willcall"),
    memo("description", 2000),
    ...billShip(),
    lookup("bcbi_companyid", "bcbi_company"),
  ];
}

function lineColumns(parent: string): Column[] {
  return [
    lookup(`${parent}id`, parent, { required: true, createOnly: true }),
    lookup("productid", "product"),
    lookup("uomid", "uom"),
    str("productdescription", 500),
    bool("isproductoverridden", { createOnly: true }),
    dec("quantity"),
    money("priceperunit"),
    bool("ispriceoverridden"),
    money("manualdiscountamount"),
    money("volumediscountamount", { readOnly: true }),
    money("baseamount", { readOnly: true }),
    money("extendedamount", { readOnly: true }),
    money("tax"),
    int("lineitemnumber"),
    int("sequencenumber"),
    pick("producttypecode", [1, 2, 3, 4], { createOnly: true }),
    lookup("salesrepid", "systemuser"),
    lookup("transactioncurrencyid", "transactioncurrency", { readOnly: true }),
    memo("description", 2000),
  ];
}

export const quote = defineTable({
  logicalName: "quote",
  entitySet: "quotes",
  primaryName: "name",
  columns: [
    ...headerColumns("quotenumber"),
    int("revisionnumber", { readOnly: true }),
    date("effectivefrom"),
    date("effectiveto"),
    date("expireson"),
    date("closedon"),
  ],
  oneToMany: [{ name: "quote_details", table: "quotedetail", column: "quoteid" }],
  state: {
    enumName: "QuoteState",
    states: { 0: [1], 1: [2, 3], 2: [4], 3: [5, 6, 7] },
    stateNames: { 0: "Draft", 1: "Active", 2: "Won", 3: "Closed" },
    // Draft → Active → Won/Closed; an active quote may be revised back to draft. Won/Closed are final.
    transitions: { 0: [0, 1, 3], 1: [0, 1, 2, 3], 2: [2], 3: [3] },
  },
});

export const quotedetail = defineTable({
  logicalName: "quotedetail",
  entitySet: "quotedetails",
  columns: lineColumns("quote"),
});

export const salesorder = defineTable({
  logicalName: "salesorder",
  entitySet: "salesorders",
  primaryName: "name",
  columns: [
    ...headerColumns("ordernumber"),
    lookup("quoteid", "quote"),
    date("requestdeliveryby"),
    date("datefulfilled"),
    date("submitdate"),
    pick("submitstatus", [1]),
    memo("submitstatusdescription", 2000),
    date("lastbackofficesubmit"),
    str("bcbi_businesscentralordernumber", 20),
    int("bcbi_businesscentraldocumentoccurrencenumber"),
  ],
  oneToMany: [{ name: "order_details", table: "salesorderdetail", column: "salesorderid" }],
  state: {
    enumName: "SalesOrderState",
    states: { 0: [1, 2], 1: [3], 2: [4], 3: [100001, 100002], 4: [100003] },
    stateNames: { 0: "Active", 1: "Submitted", 2: "Canceled", 3: "Fulfilled", 4: "Invoiced" },
    // Canceled, fulfilled and invoiced orders are closed; only Submitted may return to Active.
    transitions: { 0: [0, 1, 2, 3, 4], 1: [0, 1, 2, 3, 4], 2: [2], 3: [3, 4], 4: [4] },
  },
});

export const salesorderdetail = defineTable({
  logicalName: "salesorderdetail",
  entitySet: "salesorderdetails",
  columns: [
    ...lineColumns("salesorder"),
    dec("quantityshipped"),
    dec("quantitybackordered"),
    dec("quantitycancelled"),
    pick("salesorderstatecode", [0, 1, 2, 3, 4], { readOnly: true }),
    int("bcbi_businesscentrallinenumber"),
  ],
});

export const invoice = defineTable({
  logicalName: "invoice",
  entitySet: "invoices",
  primaryName: "name",
  columns: [
    ...headerColumns("invoicenumber"),
    lookup("salesorderid", "salesorder"),
    date("duedate"),
    date("datedelivered"),
  ],
  oneToMany: [{ name: "invoice_details", table: "invoicedetail", column: "invoiceid" }],
  state: {
    enumName: "InvoiceState",
    states: { 0: [1, 2, 4, 5, 6], 1: [3, 7], 2: [100001, 100002], 3: [100003] },
    stateNames: { 0: "Active", 1: "Closed", 2: "Paid", 3: "Canceled" },
    transitions: { 0: [0, 1, 2, 3], 1: [1], 2: [0, 2], 3: [3] },
  },
});

export const invoicedetail = defineTable({
  logicalName: "invoicedetail",
  entitySet: "invoicedetails",
  columns: [...lineColumns("invoice"), str("shippingtrackingnumber", 100), date("actualdeliveryon")],
});
