// The InsertOptionValue action (Dataverse Web API, metadata messages): adds an option to a local choice column.
// The new option shows in the EntityDefinitions option-set metadata, is accepted on writes and gets a formatted
// value; it is kept in the emulator's store, so it survives a restart with the same data directory.
import type { Store } from "../runtime/storage.ts";
import { dv, fail } from "./errors.ts";
import type { Model } from "./model.ts";

/** Where inserted options are kept (one row per option). */
const TABLE = "__optionvalues";
/** Values the platform generates start at the default publisher's option value prefix (10000) × 10,000. */
const FIRST_GENERATED = 100_000_000;

interface StoredOption {
  [key: string]: unknown;
  entity: string;
  attribute: string;
  value: number;
  label: string;
}

/** Applies the options inserted earlier (a restarted emulator over the same store). */
export function loadInsertedOptions(model: Model, store: Store): void {
  const rows = store.table<StoredOption>(TABLE).values();
  for (const o of rows) if (model.tables.has(o.entity)) model.addOption(o.entity, o.attribute, o.value, o.label);
}

/** Runs InsertOptionValue; returns the `NewOptionValue`. */
export function insertOptionValue(model: Model, store: Store, body: Record<string, unknown>): number {
  const entity = typeof body.EntityLogicalName === "string" ? body.EntityLogicalName : undefined;
  const attribute = typeof body.AttributeLogicalName === "string" ? body.AttributeLogicalName : undefined;
  if (body.OptionSetName !== undefined) {
    fail(dv.make("invalidArgument", "Global option sets are not supported by this emulator; give the column."));
  }
  if (!entity || !attribute) {
    fail(dv.make("invalidArgument", "EntityLogicalName and AttributeLogicalName are required for a local option set."));
  }
  const table = model.tables.get(entity);
  if (!table) fail(dv.make("metadataNotFound", `LogicalName='${entity}'`));
  const column = table.columns.get(attribute);
  if (!column) fail(dv.make("metadataNotFound", `LogicalName='${attribute}'`));
  if (column.type !== "picklist") {
    fail(dv.make("invalidArgument", `Attribute ${attribute} is not a picklist attribute; options cannot be inserted.`));
  }
  const labels = (body.Label as { LocalizedLabels?: { Label?: unknown }[] } | undefined)?.LocalizedLabels ?? [];
  const text = labels.find((l) => typeof l.Label === "string" && l.Label.trim() !== "")?.Label as string | undefined;
  if (!text) fail(dv.make("invalidArgument", "Label is required: at least one localized label."));
  const existing = column.options ?? [];
  let value: number;
  if (body.Value === undefined || body.Value === null) {
    value = Math.max(FIRST_GENERATED - 1, ...existing) + 1;
  } else {
    if (typeof body.Value !== "number" || !Number.isInteger(body.Value)) {
      fail(dv.make("invalidArgument", "Value must be an integer."));
    }
    value = body.Value;
    if (existing.includes(value)) {
      fail(dv.make("invalidArgument", `The value ${value} is already used by an option of ${entity}.${attribute}.`));
    }
  }
  store.table<StoredOption>(TABLE).put(`${entity}.${attribute}=${value}`, { entity, attribute, value, label: text });
  model.addOption(entity, attribute, value, text);
  return value;
}
