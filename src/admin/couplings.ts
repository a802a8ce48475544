// Couplings of a mapping as an administrator reads them (BC's "Coupled records" pages), each with the deep links
// that open the record in Business Central's web client and in Sales (seed S6, issue 10.20).

import { getAllByIds } from "../engine/prefetch.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { BC_PAGES, businessCentralRecordUrl, dataverseRecordUrl } from "../integration/links.ts";

export interface CouplingView {
  mapping: string;
  bcId: string;
  dataverseId: string;
  skipped: boolean;
  lastError: string | null;
  bcUrl?: string;
  salesUrl?: string;
}

/** A page of a mapping's couplings with both links (the BC link needs the record's number: one read per page). */
export async function listCouplings(
  ctx: IntegrationContext,
  mappingName: string,
  limit = 50,
): Promise<CouplingView[] | undefined> {
  const mapping = ctx.mappings.find((m) => m.name === mappingName);
  if (!mapping) return undefined;
  const rows: CouplingView[] = [];
  for await (const c of ctx.store.couplings.iterate(mapping.name, Math.min(limit, 1000))) {
    rows.push({
      mapping: mapping.name,
      bcId: c.bcId,
      dataverseId: c.dataverseId,
      skipped: c.skipped,
      lastError: c.lastError,
    });
    if (rows.length >= limit) break;
  }
  const salesUrl = ctx.settings.salesUrl ?? ctx.config.dataverse?.url;
  const webClient = ctx.config.businessCentral?.webClientUrl;
  const page = BC_PAGES[mapping.bc.entitySet];
  let numbers = new Map<string, Record<string, unknown>>();
  if (webClient && page && mapping.kind === "table") {
    const port = ctx.engine.ports.forMapping(mapping, "bc");
    const read = await getAllByIds(
      port,
      rows.filter((r) => !r.bcId.includes("=")).map((r) => r.bcId),
      [mapping.bc.keyField, page.keyField],
    );
    if (read.ok) numbers = new Map([...read.value].map(([id, r]) => [id, r.values]));
  }
  const company = ctx.config.businessCentral?.companyName ?? "";
  for (const row of rows) {
    if (salesUrl && mapping.kind === "table")
      row.salesUrl = dataverseRecordUrl(salesUrl, mapping.dataverse.table, row.dataverseId);
    const record = numbers.get(row.bcId.toLowerCase());
    if (webClient && record) {
      const url = businessCentralRecordUrl(webClient, company, mapping.bc.entitySet, record);
      if (url) row.bcUrl = url;
    }
  }
  return rows;
}
