// Document lines (POSTEDSALESLINE-INV, SOLINE-ORDERDETAIL) sync under their header, never on their own
// (bc-reference §4.3/§4.5): after the header mapping ran, the lines of every coupled header are read from BC
// (`documentId eq <header>`; BC's line pages have no modified stamp to read changes by) and written to the
// coupled Dataverse header. Field values go through the engine's own conversion (lookups, constants,
// transforms); a line whose item is not coupled becomes a write-in line (`isproductoverridden`), as BC does.

import { COMPANION_API, type Row } from "../connectors/index.ts";
import { convertField, passFields } from "../engine/convert.ts";
import type { TableMapping } from "../engine/model.ts";
import { wireValue } from "../engine/planner.ts";
import { LookupLoader } from "../engine/prefetch.ts";
import type { SideRecord } from "../engine/records.ts";
import type { PassReport } from "../engine/runner.ts";
import { hashOf } from "../engine/values.ts";
import { zeroCounters } from "../store/index.ts";
import type { IntegrationContext } from "./context.ts";
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

  for await (const header of ctx.store.couplings.iterate(parent.mapping)) {
    let lines: Row[];
    try {
      lines = await allRows(scope.pages(child.bc.entitySet, { filter: `${parent.bcParentField} eq ${header.bcId}` }));
    } catch (error) {
      await fail(header.bcId, (error as Error).message);
      continue;
    }
    if (child.bc.filter) lines = lines.filter((l) => ["Item", "Resource"].includes(String(l.lineType)));
    const records: SideRecord[] = lines.map((l) => ({ id: String(l.id).toLowerCase(), modifiedAt: "", values: l }));
    const lookups = await loader.load(child, "toDataverse", records);
    for (const record of records) {
      const values: Row = {};
      let writeIn = false;
      let failed = false;
      for (const f of passFields(child, "toDataverse")) {
        const converted = convertField(child, f, "toDataverse", record, lookups);
        if (!converted.ok) {
          // An item that is not coupled: the line goes in as a write-in product, as BC does.
          if (f.dataverseField === "productid") {
            writeIn = true;
            continue;
          }
          await fail(record.id, converted.error.message, converted.error.field);
          failed = true;
          break;
        }
        if (converted.omit) continue;
        Object.assign(values, wireValue({ mapping: child, pass: "toDataverse", lookups }, f, converted.value));
      }
      if (failed) continue;
      const productBind = values["productid@odata.bind"];
      // Only document lines carry a product; a child without one (SALESORDER-NOTES) is written as mapped.
      if (carriesProduct && (writeIn || productBind === null || productBind === undefined)) {
        delete values["productid@odata.bind"];
        values.isproductoverridden = true;
        values.productdescription = String(record.values.description ?? record.values.lineObjectNumber ?? "");
      } else if (carriesProduct) {
        const productId = /\(([^)]+)\)/.exec(String(productBind))?.[1] ?? "";
        if (!productUnits.has(productId)) {
          const p = await ctx.dataverse.retrieve("products", productId, { select: ["_defaultuomid_value"] });
          productUnits.set(productId, p.ok ? (p.value?._defaultuomid_value as string | undefined) : undefined);
        }
        const unit = productUnits.get(productId);
        if (unit) values["uomid@odata.bind"] = `/uoms(${unit})`;
      }
      if (dryRun) continue;
      const snapshotHash = hashOf(values);

      const coupling = await ctx.store.couplings.getByBcId(child.name, record.id);
      if (coupling) {
        // Unchanged since the last write: nothing to send (keeps idle runs idle, so the job can rest).
        if (coupling.snapshotHash === snapshotHash) {
          counters.unchanged++;
          continue;
        }
        const updated = await ctx.dataverse.update(child.dataverse.entitySet, coupling.dataverseId, values);
        if (!updated.ok) {
          await fail(record.id, updated.error.message);
          continue;
        }
        await ctx.store.couplings.recordSuccess(child.name, record.id, {
          direction: "toDataverse",
          jobId: job.id,
          snapshot: values,
          snapshotHash,
        });
        counters.modified++;
        continue;
      }
      const created = await ctx.dataverse.create(child.dataverse.entitySet, values);
      if (!created.ok || !created.value.id) {
        await fail(record.id, created.ok ? "no id returned" : created.error.message);
        continue;
      }
      await ctx.store.couplings.couple({
        mappingName: child.name,
        bcId: record.id,
        dataverseId: created.value.id.toLowerCase(),
        snapshot: values,
        snapshotHash,
      });
      counters.inserted++;
    }
  }
  return finishDirectPass(ctx, job, child.name, counters, "line");
}
