// Converting one field mapping's source value into the value the destination should hold (BC §2.3):
// constant, transform, option map, lookup through another mapping's couplings. Pure: lookups come from a
// table the runner prefetches for the page (see lookupKeysNeeded).

import {
  ENGINE_LOOKUP_NOT_COUPLED,
  ENGINE_OPTION_UNMAPPED,
  ENGINE_TRANSFORM_FAILED,
  ENGINE_UNKNOWN_TRANSFORM,
} from "../errors/codes/engine.ts";
import { bcsyncError, type ErrorDefinition } from "../errors/define.ts";
import {
  type FieldMapping,
  fieldDirection,
  fieldKey,
  type LookupRef,
  lookupTableKey,
  type OptionMap,
  optionMapOf,
  type PassDirection,
  type TableMapping,
} from "./model.ts";
import { recordName, type SideRecord } from "./records.ts";
import { transforms } from "./transforms.ts";
import { EMPTY_GUID, isBlank, isBlankDate } from "./values.ts";

/** An error as a value, with the catalogued code, the message naming record/field, and the fix. */
export interface PlanError {
  code: string;
  message: string;
  fix: string;
  field?: string;
  /** Throttling, timeouts, 5xx: never counted toward skipping. */
  transient?: boolean;
}

export function planError<P extends Record<string, unknown>>(
  def: ErrorDefinition<P>,
  params: P,
  field?: string,
): PlanError {
  const e = bcsyncError(def, params);
  return { code: e.code, message: e.message, fix: e.fix, ...(field === undefined ? {} : { field }) };
}

/**
 * Couplings of referenced mappings for the current page. `toDataverse` maps the BC value (an id, or the
 * referenced record's match-field value) to the coupled Dataverse id; `fromDataverse` the reverse.
 */
export interface LookupTable {
  [mapping: string]: {
    /** Entity set of the referenced Dataverse table, for `@odata.bind`. */
    dataverseEntitySet: string;
    toDataverse: Map<string, string>;
    fromDataverse: Map<string, string>;
    /**
     * Dataverse ids (keys of `fromDataverse`) coupled by value, without a BC record of their own
     * (matchValueCouplingId: the local currency). Absent: none.
     */
    byValueOnly?: Set<string>;
    /**
     * The Dataverse id of the local currency: the one Sales currency the referenced (currency) mapping couples by
     * value only. Loaded for a BC → DV pass that reads a blank currency code on a companion page
     * (blankMeansLocalCurrency). Absent: not needed, not the currency mapping, or not exactly one such coupling.
     */
    localCurrency?: string;
  };
}

/** A field mapping as the engine runs it: the parent reference of a child mapping is one more lookup field. */
export function effectiveFields(mapping: TableMapping): FieldMapping[] {
  if (!mapping.parent) return mapping.fields;
  const parentField: FieldMapping = {
    name: `parent:${mapping.parent.mapping}`,
    bcField: mapping.parent.bcParentField,
    dataverseField: mapping.parent.dataverseParentField,
    direction: mapping.direction,
    lookup: {
      mapping: mapping.parent.mapping,
      option: false,
      ...(mapping.parent.dataverseParentNavigation
        ? { dataverseNavigation: mapping.parent.dataverseParentNavigation }
        : {}),
    },
    validate: false,
    clearOnFail: false,
    notNull: false,
    insertOnly: false,
    enabled: true,
  };
  return [parentField, ...mapping.fields];
}

/** Enabled fields for a pass, including the parent reference. */
export function passFields(mapping: TableMapping, pass: PassDirection): FieldMapping[] {
  return effectiveFields(mapping).filter((f) => {
    if (!f.enabled) return false;
    const dir = fieldDirection(mapping, f);
    if (dir !== "bidirectional" && dir !== pass) return false;
    return pass === "toDataverse" ? f.dataverseField !== undefined : f.bcField !== undefined;
  });
}

/** The Dataverse property that holds a field's readable value (lookups read `_x_value`). */
export function dataverseReadProperty(f: FieldMapping): string | undefined {
  if (f.dataverseField === undefined) return undefined;
  return f.lookup && !f.lookup.option ? `_${f.dataverseField}_value` : f.dataverseField;
}

/** The value a side holds for a field mapping, in comparable form. */
export function sideValue(f: FieldMapping, side: "bc" | "dv", record: SideRecord | undefined): unknown {
  if (!record) return undefined;
  const prop = side === "bc" ? f.bcField : dataverseReadProperty(f);
  return prop === undefined ? undefined : record.values[prop];
}

/**
 * `unresolved`: a lookup found no coupling and clearOnFail wrote a blank instead; the planner keeps such a field
 * out of the snapshot, so a later run resolves it once the reference is coupled.
 */
export type Converted =
  | { ok: true; value: unknown; omit?: boolean; unresolved?: boolean }
  | { ok: false; error: PlanError };

/** Computes what the destination field should hold for this source record. */
export function convertField(
  mapping: TableMapping,
  f: FieldMapping,
  pass: PassDirection,
  source: SideRecord,
  lookups: LookupTable,
): Converted {
  const sourceProp = pass === "toDataverse" ? f.bcField : dataverseReadProperty(f);
  if (sourceProp === undefined) {
    return { ok: true, value: f.constant ?? null };
  }
  const field: FieldConversion = {
    mapping,
    f,
    pass,
    source,
    lookups,
    value: source.values[sourceProp],
    unresolved: false,
  };
  // To Dataverse: shape the BC value first, then translate; from Dataverse: translate first, then shape.
  for (const step of pass === "toDataverse" ? TO_DATAVERSE_STEPS : FROM_DATAVERSE_STEPS) {
    const out = step(field);
    if (out) return out;
  }
  let value = field.value;
  if (f.notNull && isBlank(value)) return { ok: true, value: null, omit: true };
  if (pass === "toDataverse" && isBlankDate(value)) value = null;
  return { ok: true, value, ...(field.unresolved ? { unresolved: true } : {}) };
}

/**
 * One field's conversion under way: each step reads and replaces `value`. Module-level steps over this state
 * rather than a closure made for every field of every record (300,000 of them in a 20,000-customer sync).
 */
interface FieldConversion {
  mapping: TableMapping;
  f: FieldMapping;
  pass: PassDirection;
  source: SideRecord;
  lookups: LookupTable;
  value: unknown;
  unresolved: boolean;
}

/** A conversion step: undefined to go on, or the field's outcome (a failure, or a value left out). */
type ConversionStep = (field: FieldConversion) => Converted | undefined;

const transformStep: ConversionStep = (field) => {
  const { mapping, f } = field;
  if (!f.transform) return undefined;
  const fn = transforms[f.transform.name];
  if (!fn) {
    const key = fieldKey(f);
    return err(ENGINE_UNKNOWN_TRANSFORM, { mapping: mapping.name, field: key, transform: f.transform.name }, key);
  }
  const out = fn(field.value, f.transform.args ?? {}, field.pass, field.source.values);
  if (!out.ok) {
    const key = fieldKey(f);
    return err(
      ENGINE_TRANSFORM_FAILED,
      { mapping: mapping.name, field: key, transform: f.transform.name, reason: out.reason },
      key,
    );
  }
  field.value = out.value;
  return undefined;
};

const optionStep: ConversionStep = (field) => {
  const { mapping, f } = field;
  const map = optionMapOf(mapping, f);
  if (!map) return undefined;
  const out = convertOption(map, field.value, field.pass);
  if (out !== "unmapped") {
    field.value = out;
    return undefined;
  }
  if (map.unmapped === "fail") {
    const key = fieldKey(f);
    return err(ENGINE_OPTION_UNMAPPED, { mapping: mapping.name, field: key, value: String(field.value) }, key);
  }
  if (map.unmapped === "keep") return { ok: true, value: null, omit: true };
  field.value = null;
  return undefined;
};

const lookupStep: ConversionStep = (field) => {
  if (!field.f.lookup) return undefined;
  const out = resolveLookup(field.mapping, field.f, field.pass, field.value, field.lookups, field.source);
  if (!out.ok) return out;
  field.value = out.value;
  if (out.unresolved) field.unresolved = true;
  return undefined;
};

const TO_DATAVERSE_STEPS: readonly ConversionStep[] = [transformStep, optionStep, lookupStep];
const FROM_DATAVERSE_STEPS: readonly ConversionStep[] = [lookupStep, optionStep, transformStep];

function err<P extends Record<string, unknown>>(def: ErrorDefinition<P>, params: P, field: string): Converted {
  return { ok: false, error: planError(def, params, field) };
}

/** BC enum/code ↔ Dataverse option value. */
export function convertOption(map: OptionMap, value: unknown, pass: PassDirection): unknown {
  if (isBlank(value)) return null;
  if (pass === "toDataverse") {
    const text = String(value);
    const hit = map.entries.find((e) =>
      map.caseSensitive ? e.bc === text : e.bc.toLowerCase() === text.toLowerCase(),
    );
    return hit ? hit.dataverse : "unmapped";
  }
  // Dataverse option: by value first, then by label (BC looks labels up first for names, values for numbers).
  const n = typeof value === "number" ? value : Number(value);
  const byValue = Number.isInteger(n) ? map.entries.find((e) => e.dataverse === n) : undefined;
  if (byValue) return byValue.bc;
  const byLabel = map.entries.find((e) => e.label !== undefined && e.label === String(value));
  return byLabel ? byLabel.bc : "unmapped";
}

function resolveLookup(
  mapping: TableMapping,
  f: FieldMapping,
  pass: PassDirection,
  value: unknown,
  lookups: LookupTable,
  source: SideRecord,
): Converted {
  const ref = f.lookup!;
  const key = fieldKey(f);
  const table = lookups[lookupTableKey(ref)];
  if (isBlank(value)) {
    // BC → DV, bc-reference §2.3 rule 4: a blank currency code is the LCY, whose Sales currency is the one coupled
    // by value. Written as null, Sales defaulted a new row to its base currency (not the LCY when they differ, as in
    // CRONUS Canada) and an update cleared the row's currency.
    if (pass === "toDataverse" && table?.localCurrency !== undefined && blankMeansLocalCurrency(mapping, f, value)) {
      return { ok: true, value: table.localCurrency };
    }
    return { ok: true, value: blankFor(f, pass) };
  }
  const text = String(value);
  const found =
    pass === "toDataverse"
      ? table?.toDataverse.get(lookupKey(ref.bcMatchField, text))
      : table?.fromDataverse.get(text.toLowerCase());
  if (found !== undefined) {
    // The local currency (coupled by its code, which has no Currencies row) is a blank code in BC's tables: v2.0
    // pages show and take the LCY code, but a companion page holds the field as stored (docs/companion-api.md),
    // where the code would name a currency that does not exist (bc-reference §2.3 rule 4: the LCY maps back to blank).
    if (pass === "fromDataverse" && table?.byValueOnly?.has(text.toLowerCase()) && onCompanionPage(mapping, f)) {
      return { ok: true, value: "" };
    }
    return { ok: true, value: ref.option && pass === "toDataverse" ? Number(found) : found };
  }
  if (f.clearOnFail) return { ok: true, value: blankFor(f, pass), unresolved: true };
  return err(
    ENGINE_LOOKUP_NOT_COUPLED,
    { mapping: mapping.name, record: recordName(source), field: key, value: text, lookup: ref.mapping },
    key,
  );
}

/** Whether a field's BC value is read and written through a companion API page (a secondary page, or the main). */
function onCompanionPage(mapping: TableMapping, f: FieldMapping): boolean {
  const secondary = mapping.bc.secondary;
  if (secondary && f.bcField !== undefined && secondary.fields.includes(f.bcField))
    return secondary.api === "companion";
  return mapping.bc.api === "companion";
}

/**
 * Whether a BC value read for a field is the blank code Business Central stores for the local currency: an empty
 * code of a code lookup read from a companion page, which holds the field as stored (docs/companion-api.md). Only
 * an empty string: a value the page did not give (undefined) says nothing about the record. A v2.0 page never reads
 * blank for the LCY: it shows the LCY code, which resolves through the LCY's by-value coupling like any other code,
 * so a blank there is left as it was (null). Which lookups go to the currency mapping the loader decides: it loads
 * `localCurrency` for those only.
 */
export function blankMeansLocalCurrency(mapping: TableMapping, f: FieldMapping, value: unknown): boolean {
  const ref = f.lookup;
  if (value !== "" || !ref?.bcMatchField || ref.option || ref.bcRelated) return false;
  return onCompanionPage(mapping, f);
}

function blankFor(f: FieldMapping, pass: PassDirection): unknown {
  if (pass === "toDataverse") return null;
  // BC id fields hold the empty GUID; code fields an empty string.
  return f.lookup?.bcMatchField ? "" : EMPTY_GUID;
}

/** The key a lookup table uses for a BC value: ids lower-case; codes upper-case (BC Code fields). */
export function lookupKey(bcMatchField: string | undefined, value: string): string {
  return bcMatchField ? value.toUpperCase() : value.toLowerCase();
}

/**
 * What a page needs resolved through one referenced mapping: the values to look up (ids or match-field values
 * BC → DV, referenced row ids DV → BC), and whether a record reads a blank that stands for the local currency
 * (blankMeansLocalCurrency; BC → DV only).
 */
export interface LookupNeed {
  ref: LookupRef;
  values: Set<string>;
  localCurrency: boolean;
}

/** The values a page needs resolved, per referenced mapping: the runner loads exactly these couplings. */
export function lookupKeysNeeded(
  mapping: TableMapping,
  pass: PassDirection,
  records: SideRecord[],
): Map<string, LookupNeed> {
  const out = new Map<string, LookupNeed>();
  for (const f of passFields(mapping, pass)) {
    if (!f.lookup) continue;
    const prop = pass === "toDataverse" ? f.bcField : dataverseReadProperty(f);
    if (prop === undefined) continue;
    const tableKey = lookupTableKey(f.lookup);
    let entry = out.get(tableKey);
    if (!entry) {
      entry = { ref: f.lookup, values: new Set(), localCurrency: false };
      out.set(tableKey, entry);
    }
    for (const r of records) {
      const v = r.values[prop];
      if (!isBlank(v)) entry.values.add(String(v));
      else if (pass === "toDataverse" && blankMeansLocalCurrency(mapping, f, v)) entry.localCurrency = true;
    }
  }
  return out;
}
