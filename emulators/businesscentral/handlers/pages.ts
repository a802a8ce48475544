// What an API page does with a row: serialize it (FlowFields, enum encoding, ETag), turn a request body into
// stored values (types, lengths, read-only fields), and run inserts, updates, deletes and bound actions through
// the table's rules, like the AL page runtime does.

import { bcEtag, encodeEnum, matchEnum } from "../entities/encoding.ts";
import { columnOf, tableDefaults } from "../entities/registry.ts";
import type { EntityDef, FieldDef, Row } from "../entities/types.ts";
import { bcErrors } from "../errors.ts";
import { DOCUMENT_RULES } from "../rules/documents.ts";
import { MASTER_DATA_RULES } from "../rules/masterdata.ts";
import { ACTIONS } from "../rules/posting.ts";
import type { RuleContext, TableRules } from "../rules/types.ts";
import { today } from "../rules/types.ts";
import type { CompanyStore } from "../store/database.ts";

const RULES: Record<string, TableRules> = { ...MASTER_DATA_RULES, ...DOCUMENT_RULES };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function ruleContext(store: CompanyStore, def: EntityDef): RuleContext {
  return { store, def, workDate: today() };
}

/** Rows visible through the page (scope applied; computed pages computed). */
export function pageRows(def: EntityDef, store: CompanyStore): Row[] {
  if (def.computed) {
    const { id, name, displayName, createdAt } = store.info;
    const company = { id, name, displayName, createdAt, lcyCode: store.lcyCode };
    return def.computed({ rows: (t) => store.rows(t), workDate: today(), company });
  }
  const rows = store.rows(def.table);
  return def.scope ? rows.filter(def.scope) : rows;
}

export function pageRow(def: EntityDef, store: CompanyStore, id: string): Row | undefined {
  if (def.computed) return pageRows(def, store).find((r) => r.id === id.toLowerCase());
  const row = store.get(def.table, id);
  if (!row || (def.scope && !def.scope(row))) return undefined;
  return row;
}

interface FieldPlan {
  name: string;
  column: string;
  isEnum: boolean;
  lcy: boolean;
  fallback: unknown;
}

const plans = new WeakMap<EntityDef, FieldPlan[]>();

/** The page's fields flattened once, so serializing thousands of rows does no per-field lookups. */
function planOf(def: EntityDef): FieldPlan[] {
  let plan = plans.get(def);
  if (!plan) {
    plan = Object.entries(def.fields).map(([name, field]) => ({
      name,
      column: columnOf(name, field),
      isEnum: field.type === "enum",
      lcy: field.lcy === true,
      fallback: field.default ?? null,
    }));
    plans.set(def, plan);
  }
  return plan;
}

/** ETags per stored row object (rows are immutable once stored: a new version is a new object). */
const etags = new WeakMap<Row, string>();

/**
 * Stored rows: from the row version only, as BC's ETag follows the record's timestamp (a FlowField such as
 * balanceDue changing does not change it). Computed pages: from their values.
 */
function etagFor(def: EntityDef, row: Row): string {
  if (def.computed) return bcEtag(String(row.id), JSON.stringify(row));
  let tag = etags.get(row);
  if (!tag) {
    tag = bcEtag(String(row.id ?? row.subscriptionId), row.$v);
    etags.set(row, tag);
  }
  return tag;
}

/**
 * Page fields whose stored value is exactly what the page shows (no enum encoding, no alias, no FlowField):
 * filters and sorts on them can run on stored rows, so only the returned page gets serialized.
 */
export function plainFields(def: EntityDef, store: CompanyStore | undefined, sample: Row | undefined): Set<string> {
  const decorate = store && !def.computed ? RULES[def.table]?.decorate : undefined;
  const decorated = new Set(decorate && store && sample ? Object.keys(decorate(store, sample)) : []);
  const plain = new Set<string>();
  for (const f of planOf(def))
    if (!f.isEnum && !f.lcy && f.column === f.name && !decorated.has(f.column)) plain.add(f.name);
  return plain;
}

/** The row as the page shows it: declared fields only, FlowFields computed, enums encoded, `@odata.etag`. */
export function serialize(def: EntityDef, row: Row, store: CompanyStore | undefined): Row {
  const decorate = store ? RULES[def.table]?.decorate : undefined;
  const decorations = decorate && store ? decorate(store, row) : undefined;
  const out: Row = { "@odata.etag": etagFor(def, row) };
  for (const f of planOf(def)) {
    let value = decorations && f.column in decorations ? decorations[f.column] : row[f.column];
    if (value === undefined || value === null) value = f.fallback;
    if (f.isEnum && typeof value === "string") value = encodeEnum(value);
    else if (f.lcy && value === "" && store && !store.db.localCurrencyAsBlank) value = store.lcyCode;
    out[f.name] = value;
  }
  return out;
}

export function etagOf(def: EntityDef, row: Row, store: CompanyStore | undefined): string {
  return serialize(def, row, store)["@odata.etag"] as string;
}

function convert(name: string, field: FieldDef, value: unknown): unknown {
  const bad = () => bcErrors.evaluate(String(value), name);
  if (value === null) {
    if (field.type === "string") return "";
    throw bcErrors.requiredParam(name);
  }
  switch (field.type) {
    case "string": {
      if (typeof value !== "string") throw bad();
      if (field.maxLength !== undefined && value.length > field.maxLength)
        throw bcErrors.stringTooLong(value.length, field.maxLength);
      return field.code ? value.toUpperCase() : value;
    }
    case "guid":
      if (typeof value !== "string" || !GUID.test(value)) throw bcErrors.invalidGuid();
      return value.toLowerCase();
    case "decimal":
    case "int":
    case "int64": {
      const n =
        typeof value === "number"
          ? value
          : typeof value === "string" && value.trim() !== ""
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n) || (field.type !== "decimal" && !Number.isInteger(n))) throw bad();
      return n;
    }
    case "bool":
      if (typeof value !== "boolean") throw bad();
      return value;
    case "date":
      if (typeof value !== "string" || !DATE.test(value) || Number.isNaN(Date.parse(value)))
        throw bcErrors.notADate("Date");
      return value;
    case "datetime":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw bcErrors.notADate("DateTime");
      return new Date(value).toISOString();
    case "enum": {
      const member = typeof value === "string" ? matchEnum(value, field.values ?? []) : undefined;
      if (member === undefined) throw bcErrors.notAnOption(String(value), field.values ?? []);
      return member;
    }
  }
}

/**
 * Request body → stored columns. Unknown properties are refused as the OData layer does; read-only ones only
 * when they differ from the current value (clients often send back what they read).
 */
/** The LCY code written to a currency field means blank (local currency). */
function translateLcy(def: EntityDef, store: CompanyStore, values: Row): Row {
  for (const f of planOf(def)) {
    if (f.lcy && typeof values[f.column] === "string" && values[f.column] === store.lcyCode.toUpperCase())
      values[f.column] = "";
  }
  return values;
}

export function fromBody(def: EntityDef, body: Row, current?: Row, readOnlySent?: Row): Row {
  const out: Row = {};
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith("@") || name.includes("@odata.")) continue;
    const field = def.fields[name];
    if (!field) {
      if (def.navigation?.[name]) continue; // deep insert payloads are handled by the caller
      throw bcErrors.invalidProperty(name, def.entity);
    }
    const column = columnOf(name, field);
    if (field.readOnly) {
      const same = current
        ? current[column] === value ||
          (field.type === "enum" && matchEnum(String(value), field.values ?? []) === current[column])
        : false;
      if (same || name === "id" || name === "lastModifiedDateTime") continue;
      if (readOnlySent) {
        readOnlySent[name] = value;
        continue;
      }
      throw bcErrors.readOnly(name);
    }
    out[column] = convert(name, field, value);
  }
  return out;
}

function checkUnique(def: EntityDef, store: CompanyStore, row: Row, selfId?: string): void {
  if (def.businessKey) {
    const column = columnOf(def.businessKey, def.fields[def.businessKey]);
    const value = row[column];
    if (value !== undefined && value !== "") {
      const clash = store.findEqual(def.table, { [column]: value }, (r) => r.id !== selfId);
      if (clash)
        throw bcErrors.alreadyExists(def.caption, { [def.businessKeyCaption ?? def.businessKey]: String(value) });
    }
  }
  if (def.uniqueKey) {
    const columns = Object.keys(def.uniqueKey);
    const values: Row = {};
    for (const c of columns) values[c] = row[c];
    const clash = store.findEqual(def.table, values, (r) => r.id !== selfId && (!def.scope || def.scope(r)));
    if (clash) {
      const keys: Record<string, string> = {};
      for (const [c, caption] of Object.entries(def.uniqueKey)) keys[caption] = String(row[c]);
      throw bcErrors.alreadyExists(def.caption, keys);
    }
  }
}

/** Inserts through a page; `parent` fixes the foreign key of a contained line. */
export function insertThrough(
  def: EntityDef,
  store: CompanyStore,
  body: Row,
  parent?: { column: string; id: string },
): Row {
  if (def.insert === false || def.computed) throw bcErrors.methodNotAllowed("POST", def.set);
  const readOnlySent: Row = {};
  const values = translateLcy(def, store, fromBody(def, body, undefined, readOnlySent));
  const row: Row = { ...tableDefaults(def.table), ...values, ...(def.fixed ?? {}) };
  if (parent) row[parent.column] = parent.id;
  if (body.id !== undefined && typeof body.id === "string" && GUID.test(body.id)) row.id = body.id.toLowerCase();
  if ("unitPrice" in values) row.$unitPriceSent = true;
  // Which columns the client sent, for rules that default the others (a document's customer fields).
  row.$sent = Object.keys(values);
  const ctx = ruleContext(store, def);
  const rules = RULES[def.table];
  rules?.beforeInsert?.(ctx, row);
  delete row.$unitPriceSent;
  delete row.$sent;
  checkUnique(def, store, row);
  if (row.id && store.get(def.table, String(row.id))) throw bcErrors.alreadyExists(def.caption, { Id: String(row.id) });
  const stored = store.insert(def.table, row);
  rules?.afterInsert?.(ctx, stored);
  const inserted = store.get(def.table, stored.id as string) ?? stored;
  checkReadOnlyEcho(def, store, inserted, readOnlySent);
  return inserted;
}

/**
 * Clients (and the documented examples) post back read-only fields they read. Like the page runtime, a value
 * that matches what the new record shows is harmless; a different one is refused ("Control … is read-only"),
 * and the caller's transaction rolls the insert back.
 */
function checkReadOnlyEcho(def: EntityDef, store: CompanyStore, row: Row, sent: Row): void {
  const names = Object.keys(sent);
  if (names.length === 0) return;
  const shown = serialize(def, row, store);
  for (const name of names) {
    const field = def.fields[name];
    const value = sent[name];
    const actual = shown[name];
    const same =
      value === actual ||
      (typeof value === "string" &&
        typeof actual === "string" &&
        (field.type === "enum"
          ? matchEnum(value, field.values ?? []) === matchEnum(actual, field.values ?? [])
          : field.type === "datetime" || field.type === "date"
            ? true
            : value.toLowerCase() === actual.toLowerCase()));
    if (!same) throw bcErrors.readOnly(name);
  }
}

export function modifyThrough(def: EntityDef, store: CompanyStore, current: Row, body: Row): Row {
  if (def.modify === false) throw bcErrors.methodNotAllowed("PATCH", def.set);
  if (def.computed) return modifyComputed(def, store, current, body);
  const changes = translateLcy(def, store, fromBody(def, body, current));
  const ctx = ruleContext(store, def);
  const rules = RULES[def.table];
  rules?.beforeModify?.(ctx, current, changes);
  if (def.businessKey || def.uniqueKey) checkUnique(def, store, { ...current, ...changes }, current.id as string);
  const updated = store.update(def.table, current.id as string, changes);
  rules?.afterModify?.(ctx, updated);
  return store.get(def.table, current.id as string) ?? updated;
}

/**
 * A computed record that can be changed (companyInformation): the changed values go to the page's table, under
 * the record's id, and the computed record shows them (its first write stores the row).
 */
function modifyComputed(def: EntityDef, store: CompanyStore, current: Row, body: Row): Row {
  const changes = fromBody(def, body, current);
  const id = String(current.id);
  if (store.get(def.table, id)) store.update(def.table, id, changes);
  else if (Object.entries(changes).some(([k, v]) => current[k] !== v)) store.insert(def.table, { id, ...changes });
  return pageRow(def, store, id) ?? current;
}

export function deleteThrough(def: EntityDef, store: CompanyStore, current: Row): void {
  if (def.delete === false || def.computed) throw bcErrors.methodNotAllowed("DELETE", def.set);
  const ctx = ruleContext(store, def);
  const rules = RULES[def.table];
  rules?.beforeDelete?.(ctx, current);
  store.delete(def.table, current.id as string);
  rules?.afterDelete?.(ctx, current);
}

export function runAction(def: EntityDef, store: CompanyStore, current: Row, action: string): void {
  const handler = def.actions?.includes(action) ? ACTIONS[`${def.table}.${action}`] : undefined;
  if (!handler) throw bcErrors.methodNotImplemented();
  handler(ruleContext(store, def), current);
}
