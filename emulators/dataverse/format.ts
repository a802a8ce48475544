// How the service renders things that are not row values: the select list of `@odata.context` URLs, and the
// `@OData.Community.Display.V1.FormattedValue` strings (en-US, UTC: the emulated user's settings).
import type { ExpandOption } from "../odata/query.ts";
import type { Column, StateModel } from "./schema.ts";

/**
 * The parenthesised select list of a context URL, as the current docs show it: selected properties, then each
 * expanded navigation property with its own list (`primarycontactid(fullname)`, `nav()` when it selects
 * everything), a `$ref` expansion as `nav,nav/$ref()`. Empty string when nothing is selected or expanded.
 */
export function contextSelect(select: string[] | undefined, expand: ExpandOption[] | undefined): string {
  const items = selectItems(select, expand);
  return items.length ? `(${items.join(",")})` : "";
}

function selectItems(select: string[] | undefined, expand: ExpandOption[] | undefined): string[] {
  const items = [...(select ?? [])];
  for (const ex of expand ?? []) {
    if (ex.ref) items.push(ex.property, `${ex.property}/$ref()`);
    else items.push(`${ex.property}(${selectItems(ex.options.select, ex.options.expand).join(",")})`);
  }
  return items;
}

/** Lookups the formatter needs from the store. */
export interface FormatLookups {
  /** The primary name of the referenced row, if it exists. */
  primaryName(logicalName: string, id: string): string | undefined;
  /** The symbol of the row's currency (its transactioncurrencyid, else the base currency). */
  currencySymbol(currencyId: string | undefined): string;
}

/** The formatted value of a column, or undefined when the service would not return one. */
export function formattedValue(
  column: Column,
  value: unknown,
  state: StateModel | undefined,
  lookups: FormatLookups,
  context: { lookupType?: string; currencyId?: string },
): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (column.type) {
    case "lookup":
      return context.lookupType ? lookups.primaryName(context.lookupType, String(value)) : undefined;
    case "money":
      return `${lookups.currencySymbol(context.currencyId)}${Number(value).toLocaleString("en-US", {
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      })}`;
    case "integer":
      return Number(value).toLocaleString("en-US");
    case "boolean":
      return column.labels?.[value ? 1 : 0] ?? (value ? "Yes" : "No");
    case "datetime":
      return typeof value === "string" ? formatDateTime(value) : undefined;
    case "picklist":
      return column.labels?.[value as number];
    case "state":
      return state ? spaced(state.stateNames[value as number]) : undefined;
    case "status": {
      if (!state) return undefined;
      const named = state.statusNames?.[value as number];
      if (named) return named;
      const owner = Object.entries(state.states).find(([, statuses]) => statuses.includes(value as number));
      return owner && owner[1].length === 1 ? spaced(state.stateNames[Number(owner[0])]) : undefined;
    }
    default:
      return undefined;
  }
}

/** `2023-04-07T21:59:01Z` → `4/7/2023 9:59 PM` (en-US, UTC). */
export function formatDateTime(iso: string): string | undefined {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  const h = d.getUTCHours();
  const minutes = String(d.getUTCMinutes()).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${minutes} ${h < 12 ? "AM" : "PM"}`;
}

/** Enum member names (`UnderRevision`) → labels (`Under Revision`). */
function spaced(name: string | undefined): string | undefined {
  return name?.replace(/([a-z])([A-Z])/g, "$1 $2");
}

/** Whether an `odata.include-annotations` preference asks for the annotation `name`. */
export function annotationWanted(pref: string | undefined, name: string): boolean {
  if (!pref) return false;
  return pref.split(",").some((p) => {
    const want = p.trim();
    if (want === "*" || want === name) return true;
    return want.endsWith("*") && name.startsWith(want.slice(0, -1));
  });
}
