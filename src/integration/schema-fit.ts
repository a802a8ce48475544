// Fitting the default mappings to the services actually connected. Organizations differ (a column of the
// integration solution missing, a trimmed emulator, an older BC without a companion page), and one unknown
// property makes every read of a mapping fail. At setup each mapping's reads are probed once on both sides; a
// property the service says it does not know is switched off in that mapping (its field mappings disabled, its
// filter terms dropped) and reported as a warning, instead of failing every sync job later.

import { type BusinessCentralClient, COMPANION_API, type DataverseClient } from "../connectors/index.ts";
import type { Result } from "../connectors/result.ts";
import { dataverseReadProperty } from "../engine/convert.ts";
import type { FieldMapping, TableMapping } from "../engine/model.ts";

export interface FitReport {
  mapping: string;
  side: "bc" | "dataverse";
  /** What was switched off, in words. */
  change: string;
  /** The service has no such table/entity set at all: the mapping cannot run here and is left out. */
  unavailable?: boolean;
}

const UNKNOWN_PROPERTY = /Could not find a property named '([^']+)'/;
const MAX_PROBES = 25;

/** The property a service rejected, or undefined when the failure is something else. */
export function unknownProperty(message: string): string | undefined {
  return UNKNOWN_PROPERTY.exec(message)?.[1];
}

/** Drops the `and`-joined terms of a filter that name a property; undefined when nothing is left. */
export function dropFilterTerms(filter: string | undefined, property: string): string | undefined {
  if (!filter) return filter;
  const terms = filter.split(/\s+and\s+/i).filter((t) => !new RegExp(`\\b${property}\\b`).test(t));
  return terms.length > 0 ? terms.join(" and ") : undefined;
}

function disableWhere(m: TableMapping, test: (f: FieldMapping) => boolean): TableMapping {
  return { ...m, fields: m.fields.map((f) => (f.enabled && test(f) ? { ...f, enabled: false } : f)) };
}

async function firstPage(gen: AsyncGenerator<Result<{ rows: unknown[] }>>): Promise<Result<unknown> | undefined> {
  const first = await gen.next();
  await gen.return(undefined);
  return first.done ? undefined : first.value;
}

async function fitDataverse(dv: DataverseClient, mapping: TableMapping, reports: FitReport[]): Promise<TableMapping> {
  let m = mapping;
  for (let i = 0; i < MAX_PROBES; i++) {
    const select = [
      ...new Set([
        m.dataverse.keyField,
        m.dataverse.modifiedField,
        ...m.fields.filter((f) => f.enabled).flatMap((f) => dataverseReadProperty(f) ?? []),
      ]),
    ];
    const r = await firstPage(dv.pages(m.dataverse.entitySet, { select, top: 1, filter: m.dataverse.filter }));
    if (!r || r.ok) return m;
    const property = unknownProperty(r.error.message);
    if (!property) {
      const missingSet = /Resource not found for the segment/.test(r.error.message);
      reports.push({
        mapping: m.name,
        side: "dataverse",
        change: missingSet
          ? `Dataverse has no table ${m.dataverse.entitySet}: mapping left out`
          : `not probed: ${r.error.message}`,
        ...(missingSet ? { unavailable: true } : {}),
      });
      return m;
    }
    const attribute = property.replace(/^_(.*)_value$/, "$1");
    const before = m;
    m = disableWhere(m, (f) => f.dataverseField === attribute || f.dataverseField === property);
    if (m.dataverse.filter && new RegExp(`\\b${property}\\b`).test(m.dataverse.filter)) {
      m = { ...m, dataverse: { ...m.dataverse, filter: dropFilterTerms(m.dataverse.filter, property) } };
    }
    if (m === before) {
      reports.push({ mapping: m.name, side: "dataverse", change: `cannot read ${property}; left as is` });
      return m;
    }
    reports.push({
      mapping: m.name,
      side: "dataverse",
      change: `${m.dataverse.table}.${attribute} is unknown: switched off`,
    });
  }
  return m;
}

async function fitBusinessCentral(
  bc: BusinessCentralClient,
  companyId: string,
  mapping: TableMapping,
  reports: FitReport[],
): Promise<TableMapping> {
  let m = mapping;
  const scope = bc.company(companyId, m.bc.api === "companion" ? COMPANION_API : "v2.0");
  for (let i = 0; i < MAX_PROBES; i++) {
    const select = [
      ...new Set([
        m.bc.keyField,
        // Lines are read under their header (lines.ts), not by a modified stamp: BC's line pages have none.
        ...(m.parent ? [] : [m.bc.modifiedField]),
        ...m.fields
          .filter((f) => f.enabled && !m.bc.secondary?.fields.includes(f.bcField ?? ""))
          .flatMap((f) => f.bcField ?? []),
      ]),
    ];
    const r = await firstPage(scope.pages(m.bc.entitySet, { select, filter: m.bc.filter, pageSize: 1 }));
    if (!r || r.ok) return m;
    const property = unknownProperty(r.error.message);
    if (!property || property === m.bc.keyField || property === m.bc.modifiedField) {
      const missingSet = /Resource not found for the segment/.test(r.error.message);
      reports.push({
        mapping: m.name,
        side: "bc",
        change: missingSet
          ? `Business Central has no ${m.bc.api === "companion" ? "companion " : ""}page ${m.bc.entitySet}: mapping left out`
          : `not runnable here: ${r.error.message}`,
        ...(missingSet ? { unavailable: true } : {}),
      });
      return m;
    }
    const before = m;
    m = disableWhere(m, (f) => f.bcField === property);
    if (m.bc.filter && new RegExp(`\\b${property}\\b`).test(m.bc.filter)) {
      m = { ...m, bc: { ...m.bc, filter: dropFilterTerms(m.bc.filter, property) } };
    }
    if (m === before) {
      reports.push({ mapping: m.name, side: "bc", change: `cannot read ${property}; left as is` });
      return m;
    }
    reports.push({ mapping: m.name, side: "bc", change: `${m.bc.entitySet}.${property} is unknown: switched off` });
  }
  return m;
}

/**
 * The secondary page of a BC side (BcSide.secondary): probed with its own fields. A field it does not know is
 * switched off; a page that does not exist switches off all its fields and is dropped from the mapping.
 */
async function fitSecondaryPage(
  bc: BusinessCentralClient,
  companyId: string,
  mapping: TableMapping,
  reports: FitReport[],
): Promise<TableMapping> {
  let m = mapping;
  for (let i = 0; i < MAX_PROBES; i++) {
    const sec = m.bc.secondary;
    if (!sec) return m;
    const onPage = new Set(sec.fields);
    const used = [
      ...new Set(m.fields.filter((f) => f.enabled && f.bcField && onPage.has(f.bcField)).map((f) => f.bcField!)),
    ];
    if (used.length === 0) return m;
    const scope = bc.company(companyId, sec.api === "companion" ? COMPANION_API : "v2.0");
    const r = await firstPage(scope.pages(sec.entitySet, { select: [m.bc.keyField, ...used], pageSize: 1 }));
    if (!r || r.ok) return m;
    const property = unknownProperty(r.error.message);
    const where = `${sec.api === "companion" ? "companion " : ""}page ${sec.entitySet}`;
    if (!property || !onPage.has(property)) {
      m = disableWhere(m, (f) => f.bcField !== undefined && onPage.has(f.bcField));
      const { secondary: _dropped, ...bcSide } = m.bc;
      m = { ...m, bc: bcSide };
      reports.push({
        mapping: m.name,
        side: "bc",
        change: `cannot read the ${where} (${r.error.message}): its fields switched off`,
      });
      return m;
    }
    m = disableWhere(m, (f) => f.bcField === property);
    reports.push({ mapping: m.name, side: "bc", change: `${where}: ${property} is unknown: switched off` });
  }
  return m;
}

/** Probes every mapping on both sides; returns the fitted mappings and what changed. */
export async function fitMappings(
  mappings: readonly TableMapping[],
  clients: { dataverse: DataverseClient; businessCentral: BusinessCentralClient; companyId: string },
  skip: ReadonlySet<string> = new Set(),
): Promise<{ mappings: TableMapping[]; reports: FitReport[] }> {
  const reports: FitReport[] = [];
  let out: TableMapping[] = [];
  for (const mapping of mappings) {
    if (skip.has(mapping.name)) {
      out.push(mapping);
      continue;
    }
    let m = await fitDataverse(clients.dataverse, mapping, reports);
    m = await fitBusinessCentral(clients.businessCentral, clients.companyId, m, reports);
    m = await fitSecondaryPage(clients.businessCentral, clients.companyId, m, reports);
    out.push(m);
  }
  const unavailable = new Set(reports.filter((r) => r.unavailable).map((r) => r.mapping));
  // Left out with everything that hangs on them (their lines); dependencies on them are dropped.
  out = out.filter((m) => !unavailable.has(m.name) && !(m.parent && unavailable.has(m.parent.mapping)));
  out = out.map((m) => ({ ...m, dependsOn: m.dependsOn.filter((d) => !unavailable.has(d)) }));
  return { mappings: out, reports };
}
