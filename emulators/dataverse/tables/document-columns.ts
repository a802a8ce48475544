// Columns shared by the Sales document tables: headers (quote, salesorder, invoice) and their lines.
import { bool, type Column, dec, int, lookup, memo, money, pick, str } from "../schema.ts";
import { FREIGHT_TERMS, PAYMENT_TERMS, SHIPPING_METHODS } from "./option-labels.ts";

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

/**
 * The totals are system-calculated in Sales but valid for create and update (Business Central writes them from its
 * own amounts: SALESORDER-ORDER, POSTEDSALESINV-INV); the emulator keeps what is written and does not run the
 * pricing engine's recalculation (README: not emulated).
 */
export function headerColumns(numberColumn: string): Column[] {
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
    money("totalamount"),
    money("totallineitemamount"),
    money("totallineitemdiscountamount"),
    money("totalamountlessfreight"),
    money("totaldiscountamount"),
    money("totaltax"),
    pick("paymenttermscode", [1, 2, 3, 4], { labels: PAYMENT_TERMS }),
    pick("shippingmethodcode", [1, 2, 3, 4, 5, 6, 7], { labels: SHIPPING_METHODS }),
    pick("freighttermscode", [1, 2], { labels: FREIGHT_TERMS }),
    bool("willcall"),
    memo("description", 2000),
    ...billShip(),
    lookup("bcbi_companyid", "bcbi_company"),
  ];
}

export function lineColumns(parent: string): Column[] {
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
    money("baseamount"),
    money("extendedamount"),
    money("tax"),
    int("lineitemnumber"),
    int("sequencenumber"),
    pick("producttypecode", [1, 2, 3, 4], { createOnly: true }),
    lookup("salesrepid", "systemuser"),
    lookup("transactioncurrencyid", "transactioncurrency", { readOnly: true }),
    memo("description", 2000),
  ];
}
