// `$apply` as the Web API supports it (query/aggregate-data): `filter(...)`, `groupby((props)[,aggregate(...)])`
// and `aggregate(...)` chained with `/`; aggregates sum, average, min, max, countdistinct and `$count`.
// Grouping by a lookup's column (`primarycontactid/fullname`) names the result `<table>_<column>`.
import { orderValues } from "../odata/evaluate.ts";
import { parseFilter } from "../odata/filter.ts";
import { filterRows, splitTopLevel } from "../odata/query.ts";
import { dv, fail } from "./errors.ts";
import { annotationWanted, type FormatLookups, formattedValue } from "./format.ts";
import type { Model, TableModel } from "./model.ts";
import type { Reader } from "./read.ts";
import type { Row } from "./records.ts";
import type { Column } from "./schema.ts";

interface Aggregate {
  alias: string;
  /** undefined for `$count`. */
  path?: string[];
  method: "sum" | "average" | "min" | "max" | "countdistinct" | "count";
}

interface GroupKey {
  path: string[];
  /** Output property name. */
  name: string;
  column?: Column;
  table: TableModel;
}

/** Runs `$apply` over a table's rows; the result rows are plain JSON objects (with formatted values if asked). */
export function runApply(
  reader: Reader,
  model: Model,
  table: TableModel,
  text: string,
  aliases: Record<string, string>,
  annotations: string | undefined,
  lookups: FormatLookups,
): Record<string, unknown>[] {
  const ctx = reader.evalContext(table);
  let rows: Row[] = reader.select(table, { aliases, present: [], custom: {} });
  const steps = splitTopLevel(text, "/").map((s) => s.trim());
  const formatted = annotationWanted(annotations, "OData.Community.Display.V1.FormattedValue");
  for (const [i, step] of steps.entries()) {
    const m = /^(filter|groupby|aggregate)\((.*)\)$/s.exec(step);
    if (!m) fail(dv.make("badQuery", `The transformation '${step}' is not supported in $apply.`));
    const [, kind, inner] = m;
    if (kind === "filter") {
      const parsed = parseFilter(inner, aliases);
      if (!parsed.ok) fail(dv.make("badQuery", parsed.message));
      rows = filterRows(rows, parsed.expr, ctx);
      continue;
    }
    if (i !== steps.length - 1) fail(dv.make("badQuery", "Only filter() may come before groupby() or aggregate()."));
    if (kind === "aggregate")
      return [aggregateRow(rows, parseAggregates(inner), table, model, formatted, lookups, ctx)];
    const parts = splitTopLevel(inner, ",").map((p) => p.trim());
    const keysText = /^\((.*)\)$/s.exec(parts[0] ?? "")?.[1];
    if (keysText === undefined) fail(dv.make("badQuery", `Syntax error in groupby '${inner}'.`));
    const keys = splitTopLevel(keysText, ",").map((k) => groupKey(model, table, k.trim()));
    const aggText = parts.slice(1).join(",");
    const aggregates = aggText ? parseAggregates(/^aggregate\((.*)\)$/s.exec(aggText)?.[1] ?? fail(bad(aggText))) : [];
    const groups = new Map<string, { values: unknown[]; rows: Row[] }>();
    for (const row of rows) {
      const values = keys.map((k) => ctx.resolve(row, k.path) ?? null);
      const id = JSON.stringify(values);
      const group = groups.get(id);
      if (group) group.rows.push(row);
      else groups.set(id, { values, rows: [row] });
    }
    const ordered = [...groups.values()].sort((a, b) => {
      for (let k = 0; k < keys.length; k++) {
        const d = orderValues(a.values[k], b.values[k], true);
        if (d !== 0) return d;
      }
      return 0;
    });
    return ordered.map((g) => {
      const out: Record<string, unknown> = {};
      const put = (k: GroupKey, idx: number) => {
        const value = g.values[idx];
        if (value === null) return;
        if (formatted && k.column) {
          const text = formattedValue(k.column, value, k.table.def.state, lookups, {});
          if (text !== undefined) out[`${k.name}@OData.Community.Display.V1.FormattedValue`] = text;
        }
        out[k.name] = value;
      };
      // aggregate-data ("Total account revenue by primary contact name"): the table's own keys, then the
      // aggregates, then keys from a related table (`contact_fullname`), as the service lists them.
      for (const [idx, k] of keys.entries()) if (k.path.length === 1) put(k, idx);
      Object.assign(out, aggregateRow(g.rows, aggregates, table, model, formatted, lookups, ctx));
      for (const [idx, k] of keys.entries()) if (k.path.length > 1) put(k, idx);
      return out;
    });
  }
  // Only filter(): the filtered rows themselves.
  return rows.map((r) => reader.format(table, r, undefined, undefined, annotations, { inList: true }));
}

function bad(text: string) {
  return dv.make("badQuery", `Syntax error in $apply near '${text}'.`);
}

function groupKey(model: Model, table: TableModel, text: string): GroupKey {
  const path = text.split("/");
  if (path.length === 1) {
    if (!table.attributes.has(text)) fail(dv.make("queryProperty", text, table.def.logicalName));
    return { path, name: text, column: table.attributes.get(text), table };
  }
  const nav = table.navigation.get(path[0]);
  const target = nav?.kind === "single" ? model.tables.get(nav.target ?? nav.column.targets?.[0] ?? "") : undefined;
  if (!target || path.length !== 2 || !target.attributes.has(path[1]))
    fail(dv.make("queryProperty", text, table.def.logicalName));
  return { path, name: `${target.def.logicalName}_${path[1]}`, column: target.attributes.get(path[1]), table: target };
}

function parseAggregates(text: string): Aggregate[] {
  return splitTopLevel(text, ",").map((raw) => {
    const item = raw.trim();
    const count = /^\$count\s+as\s+(\w+)$/.exec(item);
    if (count) return { alias: count[1], method: "count" as const };
    const m = /^([\w/]+)\s+with\s+(sum|average|min|max|countdistinct)\s+as\s+(\w+)$/.exec(item);
    if (!m) fail(bad(item));
    return { path: m[1].split("/"), method: m[2] as Aggregate["method"], alias: m[3] };
  });
}

function aggregateRow(
  rows: Row[],
  aggregates: Aggregate[],
  table: TableModel,
  _model: Model,
  formatted: boolean,
  lookups: FormatLookups,
  ctx: ReturnType<Reader["evalContext"]>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const agg of aggregates) {
    const column = agg.path && agg.path.length === 1 ? table.attributes.get(agg.path[0]) : undefined;
    if (agg.path && agg.path.length === 1 && !column)
      fail(dv.make("queryProperty", agg.path[0], table.def.logicalName));
    const values = agg.path
      ? rows.map((r) => ctx.resolve(r, agg.path as string[])).filter((v) => v !== null && v !== undefined)
      : [];
    let value: unknown;
    switch (agg.method) {
      case "count":
        value = rows.length;
        break;
      case "countdistinct":
        value = new Set(values.map((v) => (typeof v === "string" ? v.toLowerCase() : v))).size;
        break;
      case "sum":
        value = values.reduce((s: number, v) => s + Number(v), 0);
        break;
      case "average":
        value = values.length ? values.reduce((s: number, v) => s + Number(v), 0) / values.length : null;
        break;
      case "min":
      case "max": {
        const sorted = [...values].sort((a, b) => orderValues(a, b, true));
        value = sorted.length ? (agg.method === "min" ? sorted[0] : sorted[sorted.length - 1]) : null;
        break;
      }
    }
    if (formatted && value !== null) {
      const shownAs: Column | undefined =
        agg.method === "count" || agg.method === "countdistinct" ? { name: agg.alias, type: "integer" } : column;
      const text = shownAs ? formattedValue(shownAs, value, table.def.state, lookups, {}) : undefined;
      if (text !== undefined) out[`${agg.alias}@OData.Community.Display.V1.FormattedValue`] = text;
    }
    out[agg.alias] = value;
  }
  return out;
}
