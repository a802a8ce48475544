// Couplings of a mapping as an administrator reads them (BC's "Coupled records" pages), each with the deep links
// that open the record in Business Central's web client and in Sales (seed S6, issue 10.20).

import type { TableMapping } from "../engine/model.ts";
import { getAllByIds } from "../engine/prefetch.ts";
import {
  ADMIN_COUPLING_NOT_FOUND,
  bcsyncError,
  INTEGRATION_UNKNOWN_MAPPING,
  isBcsyncError,
  STORE_COUPLING_EXISTS,
} from "../errors/catalogue.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { BC_PAGES, businessCentralRecordUrl, dataverseRecordUrl } from "../integration/links.ts";
import { fail, ok, type Result } from "./result.ts";

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
  return withLinks(ctx, mapping, rows);
}

/**
 * The BC web client of the connected environment: as configured, else Business Central online's address for the
 * tenant and environment (https://businesscentral.dynamics.com/<tenant>/<environment>).
 */
function webClientUrlOf(ctx: IntegrationContext): string | undefined {
  const bc = ctx.config.businessCentral;
  if (!bc) return undefined;
  if (bc.webClientUrl) return bc.webClientUrl;
  return bc.tenantId && bc.environment
    ? `https://businesscentral.dynamics.com/${bc.tenantId}/${bc.environment}`
    : undefined;
}

/** Adds both deep links to coupling rows of one mapping (one BC read for the record numbers the page needs). */
async function withLinks(
  ctx: IntegrationContext,
  mapping: TableMapping,
  rows: CouplingView[],
): Promise<CouplingView[]> {
  const salesUrl = ctx.settings.salesUrl ?? ctx.config.dataverse?.url;
  const webClient = webClientUrlOf(ctx);
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

/** The table mapping by name (any case), or the catalogued error listing the known ones. */
export function findMapping(ctx: IntegrationContext, name: string): Result<TableMapping> {
  const mapping = ctx.mappings.find((m) => m.name === name.toUpperCase());
  if (mapping) return ok(mapping);
  return fail(
    bcsyncError(INTEGRATION_UNKNOWN_MAPPING, { mapping: name, known: ctx.mappings.map((m) => m.name).join(", ") }),
  );
}

/** Couples two records by hand (seed S18); the next sync of the mapping brings them in line. */
export async function coupleRecords(
  ctx: IntegrationContext,
  mappingName: string,
  ids: { bcId: string; dataverseId: string },
): Promise<Result<CouplingView>> {
  const mapping = findMapping(ctx, mappingName);
  if (!mapping.ok) return mapping;
  const bcId = ids.bcId.toLowerCase();
  const dataverseId = ids.dataverseId.toLowerCase();
  try {
    await ctx.store.couplings.couple({ mappingName: mapping.value.name, bcId, dataverseId });
  } catch (error) {
    if (isBcsyncError(error, STORE_COUPLING_EXISTS)) return fail(error);
    throw error;
  }
  const [view] = await withLinks(ctx, mapping.value, [
    { mapping: mapping.value.name, bcId, dataverseId, skipped: false, lastError: null },
  ]);
  return ok(view);
}

/** Removes the coupling of a record, given its BC id or its Dataverse id; the records themselves stay. */
export async function uncoupleRecord(
  ctx: IntegrationContext,
  mappingName: string,
  id: string,
): Promise<Result<{ mapping: string; bcId: string; dataverseId: string }>> {
  const mapping = findMapping(ctx, mappingName);
  if (!mapping.ok) return mapping;
  const name = mapping.value.name;
  const key = id.toLowerCase();
  const coupling =
    (await ctx.store.couplings.getByBcId(name, key)) ?? (await ctx.store.couplings.getByDataverseId(name, key));
  if (!coupling) return fail(bcsyncError(ADMIN_COUPLING_NOT_FOUND, { mapping: name, id }));
  await ctx.store.couplings.uncoupleByBcId(name, coupling.bcId);
  return ok({ mapping: name, bcId: coupling.bcId, dataverseId: coupling.dataverseId });
}
