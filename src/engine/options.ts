// Option-set mappings (BC "CRM Option Mapping", bc-reference §1.4, §3.12): a BC code table (payment terms,
// shipment methods, shipping agents) ↔ the options of one Dataverse choice column. Each code is coupled to the
// option whose label equals it (case and surrounding blanks ignored), in the couplings table with the Dataverse
// id `<table>.<attribute>=<value>` (see optionCouplingId), so field mappings resolve codes to option integers
// through the ordinary lookup path (LookupRef.option).
//
// A code without an option: BC inserts one into the option-set metadata (label = code, bc-reference §3.12). With
// the mapping's `insertMissingOptions` (the integration defaults) bcsync does the same through the port's
// insertOption (Dataverse InsertOptionValue) and couples the code to the new value; otherwise, or when the port
// cannot insert, the code is a catalogued error with a fix hint and the pass fails until the option exists in
// Sales or the code is renamed. A dry run plans the insert as a coupling to a value not yet known.

import { ENGINE_OPTION_NOT_IN_DATAVERSE, ENGINE_OPTION_SET_NOT_FOUND } from "../errors/codes/engine.ts";
import type { NewCoupling } from "../store/index.ts";
import { zeroCounters } from "../store/index.ts";
import { planError } from "./convert.ts";
import { optionCouplingId, optionValueOf, type TableMapping } from "./model.ts";
import type { OptionValue, PortResult } from "./ports.ts";
import type { EngineDeps, PassReport, PlannedRecord, RunOptions } from "./runner.ts";

const normal = (text: unknown): string =>
  String(text ?? "")
    .trim()
    .toUpperCase();

/**
 * The reads an option-set pass starts with, begun before its turn: a scheduled sync begins them at its start
 * (syncMappings), as it begins the change reads of the other mappings (readChangesEarly).
 */
export interface EarlyOptionRead {
  readonly mapping: string;
  readonly options: Promise<PortResult<OptionValue[] | undefined>>;
  readonly codes: Promise<PortResult<{ codes: Map<string, string>; pages: number }>>;
  /** Whether the pass may still use them: nothing was written since they began (see EarlyRead.usable). */
  readonly usable: () => boolean;
}

/** Begins the reads of an option-set mapping's pass (EarlyOptionRead); undefined for any other mapping. */
export function readOptionsEarly(
  deps: EngineDeps,
  mappingName: string,
  usable: () => boolean,
): EarlyOptionRead | undefined {
  const mapping = deps.mappings(mappingName);
  if (mapping?.kind !== "optionSet") return undefined;
  const read: EarlyOptionRead = {
    mapping: mapping.name,
    options: deps.ports.optionSet(mapping.dataverse.table, mapping.dataverse.keyField),
    codes: readCodes(deps, mapping),
    usable,
  };
  // A read the pass never uses (its mapping did not run, or something was written first) fails for nobody; one
  // it uses fails the pass as its own read would.
  read.options.catch(() => undefined);
  read.codes.catch(() => undefined);
  return read;
}

/** The BC code table, by record id (code tables are small: all codes and all couplings fit in memory). */
async function readCodes(
  deps: EngineDeps,
  mapping: TableMapping,
): Promise<PortResult<{ codes: Map<string, string>; pages: number }>> {
  const codeField = mapping.fields[0].bcField!;
  const codes = new Map<string, string>();
  let pages = 0;
  for await (const page of deps.ports
    .forMapping(mapping, "bc")
    .scan([mapping.bc.keyField, codeField], mapping.bc.filter)) {
    if (!page.ok) return page;
    pages++;
    for (const r of page.value) codes.set(r.id, String(r.values[codeField] ?? ""));
  }
  return { ok: true, value: { codes, pages } };
}

/** One pass (BC → DV) of an option-set mapping: couple codes to options by label, uncouple what is gone. */
export async function runOptionPass(deps: EngineDeps, mapping: TableMapping, options: RunOptions): Promise<PassReport> {
  const dryRun = options.dryRun ?? false;
  const job = await deps.store.jobs.start({
    mappingName: mapping.name,
    direction: "toDataverse",
    type: options.mode === "full" ? "full" : "synchronization",
    dryRun,
    queueEntryId: options.queueEntryId ?? null,
  });
  const counters = zeroCounters();
  const planned: PlannedRecord[] = [];
  let pages = 0;
  const finish = async (status: "succeeded" | "failed", message?: string): Promise<PassReport> => {
    await deps.store.jobs.count(job.id, counters);
    await deps.store.jobs.finish(job.id, { status, ...(message ? { message } : {}) });
    return {
      jobId: job.id,
      mapping: mapping.name,
      direction: "toDataverse",
      status,
      ...(message ? { message } : {}),
      counters: { ...counters },
      planned,
      pages,
    };
  };
  const jobRef = { id: job.id, mappingName: mapping.name, direction: "toDataverse" as const };
  const { table, keyField: attribute } = mapping.dataverse;
  const codeField = mapping.fields[0].bcField!;

  // Both reads at once: the choice column's options and the BC codes (or those a scheduled sync began early).
  const early = options.earlyOptionRead;
  const usable = early?.mapping === mapping.name && early.usable() ? early : undefined;
  const [read, scanned] = await Promise.all([
    usable?.options ?? deps.ports.optionSet(table, attribute),
    usable?.codes ?? readCodes(deps, mapping),
  ]);
  if (!read.ok) return finish("failed", `${read.error.code}: ${read.error.message}`);
  if (read.value === undefined) {
    const e = planError(ENGINE_OPTION_SET_NOT_FOUND, { mapping: mapping.name, table, attribute });
    await deps.store.jobs.addError(jobRef, { sourceId: "", code: e.code, message: e.message });
    return finish("failed", `${e.code}: ${e.message}`);
  }
  const optionsByValue = new Map<number, OptionValue>(read.value.map((o) => [o.value, o]));
  const byLabel = new Map<string, OptionValue[]>();
  for (const o of read.value) byLabel.set(normal(o.label), [...(byLabel.get(normal(o.label)) ?? []), o]);

  if (!scanned.ok) return finish("failed", `${scanned.error.code}: ${scanned.error.message}`);
  const { codes } = scanned.value;
  pages = scanned.value.pages;
  const coupledByBc = new Map<string, string>();
  for await (const c of deps.store.couplings.iteratePairs(mapping.name)) coupledByBc.set(c.bcId, c.dataverseId);

  // Couplings whose code or option is gone are removed; a code whose option went is matched again below.
  const claimed = new Set<number>();
  for (const [bcId, dvId] of coupledByBc) {
    const value = optionValueOf(dvId);
    const option = value === undefined ? undefined : optionsByValue.get(value);
    if (codes.has(bcId) && option) {
      claimed.add(option.value);
      continue;
    }
    coupledByBc.delete(bcId);
    counters.uncoupled++;
    planned.push({ sourceId: bcId, targetId: dvId, kind: "uncouple" });
    if (!dryRun) await deps.store.couplings.uncoupleByBcId(mapping.name, bcId);
  }

  const couple: NewCoupling[] = [];
  for (const [bcId, code] of codes) {
    if (coupledByBc.has(bcId)) {
      counters.unchanged++;
      continue;
    }
    let option = (byLabel.get(normal(code)) ?? []).find((o) => !claimed.has(o.value));
    if (!option && normal(code) !== "" && mapping.insertMissingOptions && deps.ports.insertOption) {
      if (dryRun) {
        counters.inserted++;
        counters.coupled++;
        planned.push({ sourceId: bcId, targetId: optionCouplingId(mapping, "new"), kind: "couple" });
        continue;
      }
      const inserted = await deps.ports.insertOption(table, attribute, code.trim());
      if (!inserted.ok || !inserted.value) {
        const error = inserted.ok
          ? planError(ENGINE_OPTION_SET_NOT_FOUND, { mapping: mapping.name, table, attribute })
          : inserted.error;
        counters.failed++;
        planned.push({ sourceId: bcId, kind: "fail", error });
        await deps.store.jobs.addError(jobRef, {
          sourceId: bcId,
          field: codeField,
          code: error.code,
          message: `${mapping.name}: inserting option ${code} into ${table}.${attribute} failed: ${error.message}`,
          requestId: inserted.ok ? null : (inserted.error.requestId ?? null),
        });
        continue;
      }
      option = inserted.value;
      const copyError = await insertCopies(deps, mapping, option);
      if (copyError) {
        counters.failed++;
        await deps.store.jobs.addError(jobRef, {
          sourceId: bcId,
          field: codeField,
          code: copyError.code,
          message: copyError.message,
        });
      }
      if (!optionsByValue.has(option.value)) counters.inserted++;
      optionsByValue.set(option.value, option);
      byLabel.set(normal(option.label), [...(byLabel.get(normal(option.label)) ?? []), option]);
    }
    if (!option) {
      const e = planError(ENGINE_OPTION_NOT_IN_DATAVERSE, {
        mapping: mapping.name,
        code,
        table,
        attribute,
        labels: read.value.map((o) => o.label).join(", ") || "none",
      });
      counters.failed++;
      planned.push({ sourceId: bcId, kind: "fail", error: e });
      if (!dryRun) {
        await deps.store.jobs.addError(jobRef, { sourceId: bcId, field: codeField, code: e.code, message: e.message });
      }
      continue;
    }
    claimed.add(option.value);
    const dataverseId = optionCouplingId(mapping, option.value);
    counters.coupled++;
    planned.push({ sourceId: bcId, targetId: dataverseId, kind: "couple" });
    couple.push({
      mappingName: mapping.name,
      bcId,
      dataverseId,
      snapshot: { fields: { [`${codeField}|${attribute}`]: { bc: code, dv: option.label } } },
    });
  }
  if (!dryRun && couple.length > 0) await deps.store.couplings.coupleMany(couple);
  options.onPage?.({ direction: "toDataverse", pages, counters: { ...counters } });
  if (counters.failed > 0)
    return finish(
      "failed",
      `${counters.failed} code(s) have no option in Dataverse; see them with \`npx bcsync errors\``,
    );
  return finish("succeeded");
}

/**
 * Inserts a new option into the mapping's copies (the same column on Sales documents) with the same value; a copy
 * that already has the label under another value cannot carry the coupling and is reported.
 */
async function insertCopies(
  deps: EngineDeps,
  mapping: TableMapping,
  option: OptionValue,
): Promise<{ code: string; message: string } | undefined> {
  for (const copy of mapping.optionSetCopies) {
    const r = await deps.ports.insertOption!(copy.table, copy.attribute, option.label, option.value);
    const where = `${copy.table}.${copy.attribute}`;
    if (!r.ok) {
      return {
        code: r.error.code,
        message: `${mapping.name}: inserting option ${option.label} into ${where} failed: ${r.error.message}`,
      };
    }
    if (r.value === undefined) {
      const e = planError(ENGINE_OPTION_SET_NOT_FOUND, { mapping: mapping.name, ...copy });
      return { code: e.code, message: e.message };
    }
    if (r.value.value !== option.value) {
      return {
        code: ENGINE_OPTION_NOT_IN_DATAVERSE.code,
        message: `${mapping.name}: ${where} has option ${option.label} as ${r.value.value}, not ${option.value} as ${mapping.dataverse.table}.${mapping.dataverse.keyField} has; give both the same value in Sales.`,
      };
    }
  }
  return undefined;
}
