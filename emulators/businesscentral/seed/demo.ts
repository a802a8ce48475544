// Seeds: `demo` builds a small, believable company (CRONUS-like master data, inventory from item ledger
// entries, open and released orders, posted invoices made by really posting orders); `scale:N` adds N
// customers and N items quickly (straight inserts, no per-row rules). Ids come from a seeded generator.

import type { SeedSpec } from "../../contracts.ts";
import { seededRandom } from "../../runtime/faults.ts";
import { COMPANION_API_DEF, STANDARD_API } from "../entities/registry.ts";
import type { Row } from "../entities/types.ts";
import { insertThrough, runAction } from "../handlers/pages.ts";
import { applyPayment } from "../rules/posting.ts";
import { today } from "../rules/types.ts";
import type { BcDatabase, CompanyStore } from "../store/database.ts";

export function seededUuid(seed: number): () => string {
  const random = seededRandom(seed);
  const word = () =>
    Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return () => {
    const a = word();
    const b = word();
    const c = word();
    const d = word();
    const variant = ((Number.parseInt(c[0], 16) & 0x3) | 0x8).toString(16);
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  };
}

const page = (set: string) => STANDARD_API.pages.get(set) ?? COMPANION_API_DEF.pages.get(set);

function put(store: CompanyStore, set: string, body: Row): Row {
  const def = page(set);
  if (!def) throw new Error(`no page ${set}`);
  return insertThrough(def, store, body);
}

function putCompanion(store: CompanyStore, set: string, body: Row): Row {
  const def = COMPANION_API_DEF.pages.get(set);
  if (!def) throw new Error(`no companion page ${set}`);
  return insertThrough(def, store, body);
}

interface Flavour {
  lcy: string;
  /** Code, name, symbol, units for one unit of the local currency (the demo's exchange rate). */
  currencies: [string, string, string, number][];
  country: string;
  cities: [string, string, string][];
}

const USA: Flavour = {
  lcy: "USD",
  currencies: [
    ["CAD", "Canadian dollar", "$", 1.3612],
    ["EUR", "Euro", "€", 0.9215],
    ["GBP", "British pound", "£", 0.7893],
    ["MXN", "Mexican peso", "$", 17.0512],
  ],
  country: "US",
  cities: [
    ["Atlanta", "GA", "31772"],
    ["Chicago", "IL", "61236"],
    ["Miami", "FL", "37125"],
    ["Seattle", "WA", "98101"],
    ["Denver", "CO", "80202"],
  ],
};

const CANADA: Flavour = {
  lcy: "CAD",
  currencies: [
    ["USD", "US dollar", "$", 0.7346],
    ["EUR", "Euro", "€", 0.6771],
  ],
  country: "CA",
  cities: [
    ["Toronto", "ON", "M5H 2N2"],
    ["Montreal", "QC", "H2Y 1C6"],
    ["Vancouver", "BC", "V6B 1A1"],
    ["Calgary", "AB", "T2P 1J9"],
    ["Ottawa", "ON", "K1P 1J1"],
  ],
};

export function flavourOf(companyName: string): Flavour {
  return /canada/i.test(companyName) ? CANADA : USA;
}

/** The demo company: master data, inventory, documents in every state. */
export function seedDemoCompany(store: CompanyStore, companyName: string): void {
  const f = flavourOf(companyName);
  for (const [code, displayName, symbol, exchangeRate] of f.currencies) {
    const c = put(store, "currencies", { code, displayName, symbol });
    store.update("currency", c.id as string, { exchangeRate });
  }
  for (const [code, displayName, due] of [
    ["14 DAYS", "Net 14 days", "14D"],
    ["30 DAYS", "Net 30 days", "30D"],
    ["1M(8D)", "1 Month/2% 8 days", "1M"],
    ["COD", "Cash on delivery", "0D"],
    ["CM", "Current month", "CM"],
  ])
    put(store, "paymentTerms", {
      code,
      displayName,
      dueDateCalculation: due,
      discountDateCalculation: code === "1M(8D)" ? "8D" : "",
      discountPercent: code === "1M(8D)" ? 2 : 0,
    });
  // A few accounts of the CRONUS chart of accounts (G/L Account is not insertable through the API).
  for (const [number, displayName, category, subCategory, accountType, directPosting] of [
    ["10000", "BALANCE SHEET", "Assets", "", "Heading", false],
    ["10100", "Bank Account - Operating", "Assets", "Current Assets", "Posting", true],
    ["40100", "Sales, Retail - Dom.", "Income", "Income, Services", "Posting", true],
    ["40200", "Freight Income", "Income", "Income, Services", "Posting", true],
    ["60100", "Office Supplies", "Expense", "Other Expenses", "Posting", true],
  ] as const)
    store.insert("glAccount", { number, displayName, category, subCategory, accountType, directPosting });
  for (const [code, displayName] of [
    ["CIF", "Cost Insurance and Freight"],
    ["DDP", "Delivered Duty Paid"],
    ["EXW", "Ex Warehouse"],
    ["FOB", "Free on Board"],
    ["PICKUP", "Pickup at Location"],
  ])
    put(store, "shipmentMethods", { code, displayName });
  for (const [code, displayName] of [
    ["DHL", "DHL Systems, Inc."],
    ["FEDEX", "Federal Express Corporation"],
    ["UPS", "UPS Ground"],
    ["OWN LOG.", "Own Logistics"],
  ])
    putCompanion(store, "shippingAgents", { code, displayName });
  for (const [code, displayName, iso] of [
    ["PCS", "Piece", "EA"],
    ["BOX", "Box", "BX"],
    ["PALLET", "Pallet", "PF"],
    ["SET", "Set", "SET"],
    ["HOUR", "Hour", "HUR"],
    ["DAY", "Day", "DAY"],
    ["KG", "Kilogram", "KGM"],
  ])
    put(store, "unitsOfMeasure", { code, displayName, internationalStandardCode: iso, symbol: code.toLowerCase() });
  for (const [code, displayName] of [
    ["FURNITURE", "Office Furniture"],
    ["CHAIR", "Office Chair"],
    ["TABLE", "Office Table"],
    ["MISC", "Miscellaneous"],
    ["SERVICES", "Services"],
  ])
    put(store, "itemCategories", { code, displayName });
  const salespeople = [
    ["JO", "Jim Olive", "jim.olive@cronus-demo.example", "Sales Manager"],
    ["OF", "Otis Falls", "otis.falls@cronus-demo.example", "Account Manager"],
    ["BC", "Benjamin Chiu", "benjamin.chiu@cronus-demo.example", "Account Manager"],
    ["RB", "Robin Bettencourt", "robin.bettencourt@cronus-demo.example", "Purchaser"],
  ];
  for (const [code, displayName, email, jobTitle] of salespeople)
    put(store, "salespeoplePurchasers", {
      code,
      displayName,
      email,
      jobTitle,
      phoneNo: "+1 425 555 0100",
      commisionPercent: code === "RB" ? 0 : 5,
    });
  for (const [code, displayName] of [
    ["RETAIL", "Retail customers"],
    ["WHOLESALE", "Wholesale customers"],
    ["EXPORT", "Export customers"],
  ])
    putCompanion(store, "customerPriceGroups", { code, displayName });

  const customerSeeds: [string, string, string, string, string, number, string, boolean][] = [
    ["10000", "Adatum Corporation", "JO", "30 DAYS", "WHOLESALE", 50000, "Robert Townes", true],
    ["20000", "Trey Research", "OF", "14 DAYS", "RETAIL", 20000, "Helen Ray", true],
    ["30000", "School of Fine Art", "BC", "1M(8D)", "RETAIL", 10000, "Meagan Bond", false],
    ["40000", "Alpine Ski House", "JO", "30 DAYS", "EXPORT", 25000, "Ian Deberry", true],
    ["50000", "Relecloud", "OF", "CM", "WHOLESALE", 100000, "Jesse Homer", true],
  ];
  const customers: Row[] = [];
  const contacts: Row[] = [];
  customerSeeds.forEach(([number, name, sp, terms, group, credit, person, taxable], i) => {
    const [city, state, zip] = f.cities[i % f.cities.length];
    const c = put(store, "customers", {
      number,
      displayName: name,
      type: "Company",
      addressLine1: `${100 + i * 12} ${["Main Street", "Oak Avenue", "Elm Road", "Lake Drive", "Park Lane"][i]}`,
      city,
      state,
      country: f.country,
      postalCode: zip,
      phoneNumber: `+1 555 01${String(10 + i)}`,
      email: `info@${name.toLowerCase().replace(/[^a-z]/g, "")}.example`,
      website: `www.${name.toLowerCase().replace(/[^a-z]/g, "")}.example`,
      salespersonCode: sp,
      creditLimit: credit,
      taxLiable: taxable,
      currencyCode: i === 3 ? "EUR" : "",
    });
    // The customer's company contact was created with it (business relation Customer).
    const company = store.find("contact", (x) => x.type === "Company" && x.customerNumber === number) as Row;
    const [first, last] = person.split(" ");
    const p = put(store, "contacts", {
      number: `CT0000${String(i * 2 + 11)}`,
      type: "Person",
      displayName: person,
      companyNumber: company.number,
      jobTitle: "Purchasing Manager",
      email: `${first.toLowerCase()}.${last.toLowerCase()}@${name.toLowerCase().replace(/[^a-z]/g, "")}.example`,
      city,
      country: f.country,
    });
    store.update("contact", p.id as string, { firstName: first, surname: last });
    store.update("customer", c.id as string, {
      paymentTermsCode: terms,
      paymentTermsId: store.find("paymentTerms", (t) => t.code === terms)?.id,
      shipmentMethodCode: i % 2 === 0 ? "EXW" : "DDP",
      shipmentMethodId: store.find("shipmentMethod", (t) => t.code === (i % 2 === 0 ? "EXW" : "DDP"))?.id,
      shippingAgentCode: ["UPS", "FEDEX", "DHL", "UPS", "OWN LOG."][i],
      customerPriceGroupCode: group,
      contactName: person,
      primaryContactNumber: p.number,
    });
    customers.push(c);
    contacts.push(company, p);
  });
  // Prospects: contacts with no business relation (they become leads/contacts on the CRM side only).
  for (const [number, type, name, company] of [
    ["CT000100", "Company", "Northwind Traders", ""],
    ["CT000101", "Person", "Nancy Davolio", "CT000100"],
    ["CT000102", "Person", "Andrew Fuller", "CT000100"],
    ["CT000103", "Person", "Laura Callahan", ""],
  ])
    put(store, "contacts", {
      number,
      type,
      displayName: name,
      companyNumber: company,
      email: `${name.toLowerCase().replace(/[^a-z]/g, "")}@prospect.example`,
    });

  for (const [number, name, city] of [
    ["10000", "Fabrikam, Inc.", 0],
    ["20000", "First Up Consultants", 1],
    ["30000", "Graphic Design Institute", 2],
    ["40000", "Wide World Importers", 3],
  ] as [string, string, number][]) {
    const [c, s, z] = f.cities[city];
    put(store, "vendors", {
      number,
      displayName: name,
      city: c,
      state: s,
      postalCode: z,
      country: f.country,
      addressLine1: `${10 + city} Industrial Way`,
      paymentTermsId: store.find("paymentTerms", (t) => t.code === "30 DAYS")?.id,
    });
  }

  const itemSeeds: [string, string, string, string, number, number, number][] = [
    ["1896-S", "ATHENS Desk", "Inventory", "TABLE", 1000.8, 780.7, 40],
    ["1900-S", "PARIS Guest Chair, black", "Inventory", "CHAIR", 192.8, 150.4, 120],
    ["1906-S", "ATHENS Mobile Pedestal", "Inventory", "FURNITURE", 281.4, 219.5, 35],
    ["1908-S", "LONDON Swivel Chair, blue", "Inventory", "CHAIR", 190.1, 148.3, 80],
    ["1920-S", "ANTWERP Conference Table", "Inventory", "TABLE", 1206.1, 940.8, 12],
    ["1928-S", "AMSTERDAM Lamp", "Inventory", "MISC", 54.9, 42.8, 200],
    ["1936-S", "BERLIN Guest Chair, yellow", "Inventory", "CHAIR", 192.8, 150.4, 60],
    ["1960-S", "ROME Guest Chair, green", "Inventory", "CHAIR", 192.8, 150.4, 0],
    ["1968-S", "MEXICO Swivel Chair, black", "Inventory", "CHAIR", 190.1, 148.3, 25],
    ["1988-S", "SEOUL Guest Chair, red", "Inventory", "CHAIR", 192.8, 150.4, 18],
    ["GIFT-50", "Gift card 50", "Non-Inventory", "MISC", 50, 50, 0],
    ["PACKAGING", "Premium packaging", "Non-Inventory", "MISC", 12.5, 4, 0],
    ["INSTALL", "Installation service", "Service", "SERVICES", 95, 60, 0],
    ["SUPPORT-1Y", "Support agreement, 1 year", "Service", "SERVICES", 480, 200, 0],
  ];
  const items: Row[] = [];
  for (const [number, displayName, type, category, price, cost, stock] of itemSeeds) {
    const item = put(store, "items", {
      number,
      displayName,
      type,
      itemCategoryCode: category,
      unitPrice: price,
      unitCost: cost,
      baseUnitOfMeasureCode: type === "Service" ? "HOUR" : "PCS",
      gtin: type === "Inventory" ? `0${String(7020000 + items.length * 137).padStart(12, "0")}`.slice(-13) : "",
    });
    store.update("item", item.id as string, {
      vendorNumber: type === "Inventory" ? "10000" : "",
      grossWeight: type === "Inventory" ? 12.5 : 0,
    });
    if (stock > 0)
      store.insert("itemLedgerEntry", {
        itemId: item.id,
        itemNumber: number,
        entryType: "Positive Adjmt.",
        quantity: stock,
        documentNumber: "START",
        postingDate: today(),
      });
    items.push(item);
  }
  for (const number of ["1900-S", "1908-S", "1936-S", "1928-S"])
    putCompanion(store, "itemUnitsOfMeasure", {
      itemNumber: number,
      code: number === "1928-S" ? "BOX" : "SET",
      qtyPerUnitOfMeasure: number === "1928-S" ? 6 : 4,
    });

  for (const [number, name, type, uom, price, cost] of [
    ["KATHERINE", "Katherine Hull", "Person", "HOUR", 120, 77],
    ["LINA", "Lina Townsend", "Person", "HOUR", 110, 70],
    ["MARTY", "Marty Horst", "Person", "HOUR", 95, 60],
    ["LIFT", "Lifting truck", "Machine", "DAY", 450, 200],
  ] as [string, string, string, string, number, number][]) {
    putCompanion(store, "resources", {
      number,
      displayName: name,
      type,
      baseUnitOfMeasureCode: uom,
      unitPrice: price,
      unitCost: cost,
    });
    putCompanion(store, "resourceUnitsOfMeasure", {
      resourceNumber: number,
      code: uom === "HOUR" ? "DAY" : "HOUR",
      qtyPerUnitOfMeasure: uom === "HOUR" ? 8 : 0.125,
    });
  }

  const header = putCompanion(store, "priceListHeaders", {
    code: "S00001",
    description: "Wholesale prices",
    sourceType: "Customer Price Group",
    sourceNumber: "WHOLESALE",
  });
  for (const [number, price] of [
    ["1896-S", 899],
    ["1900-S", 169],
    ["1908-S", 170],
    ["1920-S", 1099],
  ] as [string, number][]) {
    putCompanion(store, "salesPrices", {
      itemNumber: number,
      salesType: "Customer Price Group",
      salesCode: "WHOLESALE",
      unitPrice: price,
    });
    putCompanion(store, "priceListLines", {
      priceListId: header.id,
      assetType: "Item",
      assetNumber: number,
      unitPrice: price,
    });
  }
  putCompanion(store, "salesPrices", {
    itemNumber: "1928-S",
    salesType: "Customer Price Group",
    salesCode: "RETAIL",
    unitPrice: 49.9,
  });

  for (const [number, given, surname, title] of [
    ["EH", "Esther", "Huntington", "Sales Manager"],
    ["JH", "Jim", "Hansen", "Warehouse Manager"],
    ["OF", "Otis", "Falls", "Account Manager"],
  ])
    put(store, "employees", { number, givenName: given, surname, jobTitle: title, employmentDate: "2019-04-01" });

  put(store, "opportunities", {
    contactNumber: "CT000011",
    description: "Conference room refurbishment",
    estimatedValue: 12500,
    estimatedClosingDate: today(),
    status: "In Progress",
  });
  put(store, "opportunities", {
    contactNumber: "CT000101",
    description: "Office chairs for new branch",
    estimatedValue: 4800,
    status: "Not Started",
  });

  // Documents: open orders, released orders, a quote, a draft invoice; two orders posted for ledgers.
  const order = (customer: Row, lines: [string, number][], extra: Row = {}) => {
    const head = put(store, "salesOrders", { customerId: customer.id, ...extra });
    for (const [number, quantity] of lines)
      put(store, "salesOrderLines", { documentId: head.id, lineType: "Item", lineObjectNumber: number, quantity });
    return store.get("salesOrder", head.id as string) as Row;
  };
  const orderDef = page("salesOrders");
  if (!orderDef) throw new Error("salesOrders page missing");
  const posted1 = order(
    customers[0],
    [
      ["1896-S", 2],
      ["1900-S", 8],
    ],
    { externalDocumentNumber: "PO-88120" },
  );
  const posted2 = order(customers[1], [
    ["1928-S", 10],
    ["INSTALL", 3],
  ]);
  runAction(orderDef, store, posted1, "shipAndInvoice");
  runAction(orderDef, store, posted2, "shipAndInvoice");
  applyPayment(store, customers[1].id as string, 200, today());
  order(customers[2], [
    ["1908-S", 4],
    ["1928-S", 2],
  ]);
  order(
    customers[3],
    [
      ["1920-S", 1],
      ["1936-S", 6],
    ],
    { externalDocumentNumber: "ALP-2231" },
  );
  const released1 = order(
    customers[4],
    [
      ["1896-S", 5],
      ["1906-S", 5],
      ["SUPPORT-1Y", 1],
    ],
    { externalDocumentNumber: "RC-1001" },
  );
  const released2 = order(customers[0], [["1968-S", 3]]);
  const companionOrder = COMPANION_API_DEF.pages.get("salesOrders");
  if (!companionOrder) throw new Error("companion salesOrders page missing");
  runAction(companionOrder, store, released1, "release");
  putCompanion(store, "salesOrderNotes", {
    orderId: released1.id,
    description: "Delivery",
    note: "Deliver to the loading dock at the back; call ahead.",
  });
  runAction(companionOrder, store, released2, "release");
  const quote = put(store, "salesQuotes", { customerId: customers[2].id, validUntilDate: today() });
  put(store, "salesQuoteLines", { documentId: quote.id, lineType: "Item", lineObjectNumber: "1900-S", quantity: 12 });
  const draft = put(store, "salesInvoices", { customerId: customers[4].id });
  put(store, "salesInvoiceLines", {
    documentId: draft.id,
    lineType: "Item",
    lineObjectNumber: "PACKAGING",
    quantity: 20,
  });
}

/** `scale:N`: N more customers and N more items, inserted without per-row rules (they are known valid). */
export function seedScale(store: CompanyStore, count: number): void {
  const paymentTerms = store.find("paymentTerms", (t) => t.code === "30 DAYS");
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(6, "0");
    store.insert("customer", {
      number: `SC${n}`,
      displayName: `Scale Customer ${n}`,
      type: "Company",
      addressLine1: `${i} Scale Street`,
      addressLine2: "",
      city: "Springfield",
      state: "IL",
      country: "US",
      postalCode: "62701",
      phoneNumber: "",
      email: `customer${n}@scale.example`,
      website: "",
      salespersonCode: "",
      creditLimit: 0,
      taxLiable: false,
      taxAreaId: "00000000-0000-0000-0000-000000000000",
      taxRegistrationNumber: "",
      currencyId: "00000000-0000-0000-0000-000000000000",
      currencyCode: "",
      paymentTermsId: paymentTerms?.id ?? "00000000-0000-0000-0000-000000000000",
      paymentTermsCode: paymentTerms?.code ?? "",
      shipmentMethodId: "00000000-0000-0000-0000-000000000000",
      paymentMethodId: "00000000-0000-0000-0000-000000000000",
      blocked: " ",
    });
    const item = store.insert("item", {
      number: `SI${n}`,
      displayName: `Scale Item ${n}`,
      displayName2: "",
      type: "Inventory",
      itemCategoryId: "00000000-0000-0000-0000-000000000000",
      itemCategoryCode: "",
      blocked: false,
      gtin: "",
      unitPrice: 10 + (i % 90),
      priceIncludesTax: false,
      unitCost: 5 + (i % 45),
      baseUnitOfMeasureId: "00000000-0000-0000-0000-000000000000",
      baseUnitOfMeasureCode: "PCS",
      unitGroupCode: `ITEM SI${n} UOM GR`,
    });
    const group = store.insert("unitGroup", {
      sourceType: "Item",
      sourceId: item.id,
      sourceNumber: item.number,
      code: `ITEM SI${n} UOM GR`,
      description: "",
    });
    store.insert("sourceUnitOfMeasure", {
      sourceType: "Item",
      sourceId: item.id,
      sourceNumber: item.number,
      code: "PCS",
      qtyPerUnitOfMeasure: 1,
      unitGroupId: group.id,
      unitGroupCode: group.code,
    });
    store.insert("itemLedgerEntry", {
      itemId: item.id,
      itemNumber: item.number,
      entryType: "Positive Adjmt.",
      quantity: 100,
      documentNumber: "START",
      postingDate: today(),
    });
  }
}

export interface SeededWorld {
  environments: { name: string; companies: { id: string; name: string }[] }[];
}

/** Seeds an empty database; a database that already has environments (persisted) is left as it is. */
export function seedDatabase(db: BcDatabase, spec: SeedSpec, randomSeed: number): void {
  if (db.environmentNames().length > 0) return;
  const previous = db.newId;
  db.newId = seededUuid(randomSeed);
  try {
    db.transaction(() => {
      const layout: [string, string[]][] = [
        ["production", ["CRONUS USA, Inc.", "CRONUS Canada"]],
        ["sandbox", ["CRONUS USA, Inc."]],
      ];
      for (const [environment, names] of layout) {
        for (const name of names) {
          const store = db.addCompany(environment, name, name, db.newId());
          if (spec === "empty") continue;
          seedDemoCompany(store, name);
          const scale = /^scale:(\d+)$/.exec(spec);
          if (scale && environment === "production") {
            db.clock.allowTies = true;
            try {
              seedScale(store, Number(scale[1]));
            } finally {
              db.clock.allowTies = false;
            }
          }
        }
      }
    });
  } finally {
    db.newId = previous;
  }
}
