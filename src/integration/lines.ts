// Document lines (POSTEDSALESLINE-INV, SOLINE-ORDERDETAIL) sync under their header, never on their own
// (bc-reference §4.3/§4.5): after the header mapping ran, the lines of every coupled header are read from BC
// (`documentId eq <header>`; BC's line pages have no modified stamp to read changes by) and written to the
// coupled Dataverse header. Field values go through the engine's own conversion (lookups, constants,
// transforms); a line whose item is not coupled becomes a write-in line (`isproductoverridden`), as BC does.

import { COMPANION_API, type Row } from "../connectors/index.ts";
import { orEquals } from "../engine/adapters/common.ts";
import { convertField, passFields } from "../engine/convert.ts";
import type { TableMapping } from "../engine/model.ts";
import { inParallel } from "../engine/pipeline/write.ts";
import { wireValue } from "../engine/planner.ts";
import { chunks, LookupLoader } from "../engine/prefetch.ts";
import type { SideRecord } from "../engine/records.ts";
import type { PassReport } from "../engine/runner.ts";
import { hashOf } from "../engine/values.ts";
import { zeroCounters } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";
import { type CoupledWrite, writeCoupledRows } from "./coupled-writes.ts";
import { allRows, finishDirectPass } from "./direct-pass.ts";

/** Syncs the lines of every coupled header of `child.parent` to Dataverse; one sync job in the log. */
export async function syncLines(ctx: IntegrationContext, child: TableMapping, dryRun = false): Promise<PassReport> {
  const parent = child.parent!;
  const job = await ctx.store.jobs.start({ mappingName: child.name, direction: "toDataverse", dryRun });
  const counters = zeroCounters();
  const scope = ctx.businessCentral.company(ctx.companyId, child.bc.api === "companion" ? COMPANION_API : "v2.0");
  const loader = new LookupLoader(ctx.store, ctx.engine.ports, ctx.engine.mappings);
  const productUnits = new Map<string, string | undefined>();
  const carriesProduct = passFields(child, "toDataverse").some((f) => f.dataverseField === "productid");
  const fail = async (sourceId: string, message: string, field?: string) => {
    counters.failed++;
    await ctx.store.jobs.addError(
      { id: job.id, mappingName: child.name, direction: "toDataverse" },
      { sourceId, message, ...(field ? { field } : {}) },
    );
  };

  for await (const headers of inGroups(ctx.store.couplings.iterate(parent.mapping), HEADERS_PER_READ * READS_AT_ONCE)) {
    const linesOf = await readLines(
      scope,
      child.bc.entitySet,
      parent.bcParentField,
      headers.map((h) => h.bcId),
    );
    const coupled = await ctx.store.couplings.findMany(
      child.name,
      "bc",
      [...linesOf.values()].flatMap((read) => (read.ok ? read.rows.map((l) => String(l.id).toLowerCase()) : [])),
    );
    // Each line's values, then the base units of the products they carry (one read for the lines of these
    // headers, not one a product: a run with nothing changed took 4 reads in a row for the demo's 2 invoices).
    const converted: { record: SideRecord; values: Row; productId?: string }[] = [];
    for (const header of headers) {
      const read = linesOf.get(header.bcId);
      if (!read?.ok) {
        await fail(header.bcId, read?.error.message ?? `the lines of ${header.bcId} were not read`);
        continue;
      }
      const lines = child.bc.filter
        ? read.rows.filter((l) => ["Item", "Resource"].includes(String(l.lineType)))
        : read.rows;
      const records: SideRecord[] = lines.map((l) => ({ id: String(l.id).toLowerCase(), modifiedAt: "", values: l }));
      const lookups = await loader.load(child, "toDataverse", records);
      for (const record of records) {
        const values: Row = {};
        let writeIn = false;
        let failed = false;
        for (const f of passFields(child, "toDataverse")) {
          const field = convertField(child, f, "toDataverse", record, lookups);
          if (!field.ok) {
            // An item that is not coupled: the line goes in as a write-in product, as BC does.
            if (f.dataverseField === "productid") {
              writeIn = true;
              continue;
            }
            await fail(record.id, field.error.message, field.error.field);
            failed = true;
            break;
          }
          if (field.omit) continue;
          Object.assign(values, wireValue({ mapping: child, pass: "toDataverse", lookups }, f, field.value));
        }
        if (failed) continue;
        const productBind = values["productid@odata.bind"];
        // Only document lines carry a product; a child without one (SALESORDER-NOTES) is written as mapped.
        if (carriesProduct && (writeIn || productBind === null || productBind === undefined)) {
          delete values["productid@odata.bind"];
          values.isproductoverridden = true;
          values.productdescription = String(record.values.description ?? record.values.lineObjectNumber ?? "");
          converted.push({ record, values });
        } else if (carriesProduct) {
          converted.push({ record, values, productId: /\(([^)]+)\)/.exec(String(productBind))?.[1] ?? "" });
        } else converted.push({ record, values });
      }
    }
    await readBaseUnits(
      ctx,
      converted.flatMap((c) => (c.productId && !productUnits.has(c.productId) ? [c.productId] : [])),
      productUnits,
    );
    const writes: CoupledWrite[] = [];
    for (const { record, values, productId } of converted) {
      const unit = productId ? productUnits.get(productId) : undefined;
      if (unit) values["uomid@odata.bind"] = `/uoms(${unit})`;
      if (dryRun) continue;
      const snapshotHash = hashOf(values);
      const coupling = coupled.get(record.id);
      // Unchanged since the last write: nothing to send (keeps idle runs idle, so the job can rest).
      if (coupling?.snapshotHash === snapshotHash) counters.unchanged++;
      else
        writes.push({
          bcId: record.id,
          ...(coupling ? { dataverseId: coupling.dataverseId } : {}),
          values,
          snapshotHash,
        });
    }
    // The lines of these headers in bulk requests (coupled-writes.ts: crash-safe creates, not one request a line).
    if (!dryRun) await writeCoupledRows(ctx, child, job.id, writes, counters, fail);
  }
  return finishDirectPass(ctx, job, child.name, counters, "line");
}

/** Products whose base unit one read asks for (`productid eq … or …`). */
const PRODUCTS_PER_READ = 100;

/**
 * The base units (`_defaultuomid_value`) of these products into `units`, PRODUCTS_PER_READ a read. A product the
 * read does not return, or whose read fails, gets none: its lines go without a unit, as they did when read alone.
 */
async function readBaseUnits(
  ctx: IntegrationContext,
  productIds: readonly string[],
  units: Map<string, string | undefined>,
): Promise<void> {
  for (const ids of chunks([...new Set(productIds)], PRODUCTS_PER_READ)) {
    const rows = await allRows(
      ctx.dataverse.pages("products", {
        filter: orEquals("productid", ids),
        select: ["productid", "_defaultuomid_value"],
      }),
    ).catch(() => []);
    const found = new Map(
      rows.map((r) => [String(r.productid).toLowerCase(), r._defaultuomid_value as string | undefined]),
    );
    for (const id of ids) units.set(id, found.get(id.toLowerCase()));
  }
}

/** Headers whose lines one read asks for (`documentId eq … or …`: the URL stays a few kilobytes). */
const HEADERS_PER_READ = 50;
/** Line reads at once: Business Central serves 5 requests of a user at a time. */
const READS_AT_ONCE = 4;

type LinesRead = { ok: true; rows: Row[] } | { ok: false; error: Error };

/**
 * The lines of these headers, by header id: HEADERS_PER_READ headers a read, READS_AT_ONCE reads at once (one read
 * per header made a run with nothing changed cost a request per coupled document, posted invoices piling up for
 * years). A read that fails fails the headers it asked for; the others go on.
 */
async function readLines(
  scope: ReturnType<IntegrationContext["businessCentral"]["company"]>,
  entitySet: string,
  parentField: string,
  headerIds: readonly string[],
): Promise<Map<string, LinesRead>> {
  const out = new Map<string, LinesRead>();
  await inParallel(chunks(headerIds, HEADERS_PER_READ), READS_AT_ONCE, async (ids) => {
    try {
      const rows = await allRows(scope.pages(entitySet, { filter: orEquals(parentField, ids) }));
      const byHeader = new Map<string, Row[]>(ids.map((id) => [id.toLowerCase(), []]));
      for (const row of rows) byHeader.get(String(row[parentField]).toLowerCase())?.push(row);
      for (const id of ids) out.set(id, { ok: true, rows: byHeader.get(id.toLowerCase()) ?? [] });
    } catch (error) {
      for (const id of ids) out.set(id, { ok: false, error: error as Error });
    }
  });
  return out;
}

/** The items of an async iterable in arrays of `size` (the last one shorter). */
async function* inGroups<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let group: T[] = [];
  for await (const item of items) {
    group.push(item);
    if (group.length >= size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}
