// Deep links for coupled records (seed S6): a Dataverse row opens in Sales, a BC record in the BC web client.

/** `<org>/main.aspx?etn=<table>&id=<guid>&pagetype=entityrecord` — the Sales (model-driven app) record form. */
export function dataverseRecordUrl(salesUrl: string, table: string, id: string): string {
  const base = salesUrl.replace(/\/+$/, "");
  const params = new URLSearchParams({
    etn: table,
    id: id.replace(/[{}]/g, "").toLowerCase(),
    pagetype: "entityrecord",
  });
  return `${base}/main.aspx?${params.toString()}`;
}

/** BC card/document pages by entity set (v2.0 and companion), for opening a record in the web client. */
export const BC_PAGES: Record<string, { page: number; keyCaption: string; keyField: string }> = {
  customers: { page: 21, keyCaption: "No.", keyField: "number" },
  vendors: { page: 26, keyCaption: "No.", keyField: "number" },
  contacts: { page: 5050, keyCaption: "No.", keyField: "number" },
  items: { page: 30, keyCaption: "No.", keyField: "number" },
  resources: { page: 76, keyCaption: "No.", keyField: "number" },
  salespeoplePurchasers: { page: 5116, keyCaption: "Code", keyField: "code" },
  currencies: { page: 495, keyCaption: "Code", keyField: "code" },
  unitsOfMeasure: { page: 209, keyCaption: "Code", keyField: "code" },
  customerPriceGroups: { page: 7, keyCaption: "Code", keyField: "code" },
  salesOrders: { page: 42, keyCaption: "No.", keyField: "number" },
  postedSalesInvoices: { page: 132, keyCaption: "No.", keyField: "number" },
  opportunities: { page: 5124, keyCaption: "No.", keyField: "number" },
  paymentTerms: { page: 4, keyCaption: "Code", keyField: "code" },
  shipmentMethods: { page: 11, keyCaption: "Code", keyField: "code" },
  shippingAgents: { page: 428, keyCaption: "Code", keyField: "code" },
};

/**
 * `<webClient>?company=<name>&page=<id>&filter='<key caption>' IS '<value>'` — the BC web client opens the page
 * filtered to the record. `webClientUrl` is e.g. https://businesscentral.dynamics.com/<tenant>/<environment>.
 */
export function businessCentralRecordUrl(
  webClientUrl: string,
  company: string,
  entitySet: string,
  record: Record<string, unknown>,
): string | undefined {
  const page = BC_PAGES[entitySet];
  if (!page) return undefined;
  const key = record[page.keyField];
  if (typeof key !== "string" || key === "") return undefined;
  const params = new URLSearchParams({
    company,
    page: String(page.page),
    filter: `'${page.keyCaption}' IS '${key.replace(/'/g, "''")}'`,
  });
  return `${webClientUrl.replace(/\/+$/, "")}?${params.toString()}`;
}
