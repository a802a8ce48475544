// The Dataverse side of a table mapping over the Dataverse connector: reads by modifiedon (oldest first) or
// change tracking, creates with client-chosen primary keys through CreateMultiple (crash-safe: the key is the
// write intent), updates with If-Match in $batch, deletes in $batch. `skipValidation` is a no-op here: Dataverse
// has no per-field validation to skip.

import type { DataverseClient, Row } from "../../connectors/index.ts";
import type { MatchCondition } from "../matching.ts";
import type { TableMapping } from "../model.ts";
import type { WriteBudget } from "../pipeline/write.ts";
import {
  type ChangePage,
  type ColumnRules,
  type CreateItem,
  type EntityPort,
  NO_COLUMN_RULES,
  type OptionValue,
  type PortResult,
  type ReadChangesOptions,
  type RefusedRow,
  type UpdateItem,
  type WriteOutcome,
} from "../ports.ts";
import { newRecordId } from "../record-id.ts";
import type { SideRecord } from "../records.ts";
import {
  andConditions,
  andFilters,
  isGuid,
  isNotFound,
  literal,
  orEquals,
  portError,
  settleRepeatedCreates,
  writeBudgetOf,
} from "./common.ts";
import { checkRow, type RowFault, rowError } from "./row-check.ts";

export class DataversePort implements EntityPort {
  readonly side = "dataverse" as const;
  readonly supportsDelta = true;
  readonly updatesByStoredVersion = true;
  private readonly set: string;
  private readonly key: string;
  private readonly modified: string;

  constructor(
    private readonly client: DataverseClient,
    private readonly mapping: TableMapping,
  ) {
    this.set = mapping.dataverse.entitySet;
    this.key = mapping.dataverse.keyField;
    this.modified = mapping.dataverse.modifiedField;
  }

  private tracking: Promise<boolean> | undefined;
  private limits: Promise<Map<string, number>> | undefined;

  /** The table's ChangeTrackingEnabled (metadata), read once per port; unreadable counts as off. */
  changeTracking(): Promise<boolean> {
    this.tracking ??= this.client
      .retrieve(
        "EntityDefinitions",
        { LogicalName: this.mapping.dataverse.table },
        { select: ["ChangeTrackingEnabled"] },
      )
      .then((r) => r.ok && r.value?.ChangeTrackingEnabled === true);
    return this.tracking;
  }

  /** Text columns' MaxLength, read once per port (a metadata read that fails checks nothing: the service still does). */
  columnLimits(): Promise<Map<string, number>> {
    this.limits ??= this.client
      .textColumnLimits(this.mapping.dataverse.table)
      .then((r) => (r.ok ? r.value : new Map<string, number>()));
    return this.limits;
  }

  private rules: Promise<ColumnRules> | undefined;

  /** Required, e-mail and choice columns, read once per port (unreadable metadata checks nothing: the service still does). */
  columnRules(): Promise<ColumnRules> {
    this.rules ??= this.client
      .columnRules(this.mapping.dataverse.table)
      .then((r) => (r.ok ? r.value : NO_COLUMN_RULES));
    return this.rules;
  }

  /** The rows the engine can use, and the others refused with what was wrong (row-check.ts). */
  private checked(rows: readonly Row[], select: readonly string[], requireVersion: boolean) {
    const rules = {
      key: this.key,
      modified: this.modified,
      values: select,
      texts: [this.mapping.dataverse.modifiedByField],
      requireVersion,
    };
    const out: Row[] = [];
    const refused: RefusedRow[] = [];
    for (const [i, row] of rows.entries()) {
      const fault = checkRow(row, rules, i);
      if (!fault) out.push(row);
      else refused.push(this.refusal(fault));
    }
    return { rows: out, refused };
  }

  private refusal(fault: RowFault): RefusedRow {
    return { ...(fault.id ? { id: fault.id } : {}), error: rowError("Dataverse", this.client.pathOf(this.set), fault) };
  }

  toRecord(row: Row): SideRecord {
    const by = row[this.mapping.dataverse.modifiedByField];
    return {
      id: String(row[this.key]).toLowerCase(),
      modifiedAt: String(row[this.modified] ?? ""),
      ...(row["@odata.etag"] !== undefined ? { version: String(row["@odata.etag"]) } : {}),
      ...(by ? { modifiedBy: String(by).toLowerCase() } : {}),
      values: row,
    };
  }

  private selectWithMeta(select: readonly string[]): string[] {
    return [...new Set([...select, this.key, this.modified, this.mapping.dataverse.modifiedByField])];
  }

  async *readChanges(options: ReadChangesOptions): AsyncIterable<PortResult<ChangePage>> {
    const select = this.selectWithMeta(options.select);
    // Change tracking takes no $filter: the runner passes none and applies the mapping filter to the rows itself.
    if (options.useDelta && !options.filter) {
      for await (const page of this.client.changes(this.set, {
        select,
        pageSize: options.pageSize,
        ...(options.deltaLink ? { deltaLink: options.deltaLink } : {}),
      })) {
        if (!page.ok) {
          yield { ok: false, error: portError(page.error) };
          return;
        }
        // A malformed row is refused alone; the rest of the page goes on (issue 14).
        const checked = this.checked(page.value.changed, select, true);
        const deleted = page.value.deleted.filter(isGuid);
        const refused = [
          ...checked.refused,
          ...page.value.deleted
            .filter((id) => !isGuid(id))
            .map((id, i) =>
              this.refusal({
                record: `deletion #${i + 1} of the page`,
                field: "id",
                reason: `the id ${id} is not a GUID`,
              }),
            ),
        ];
        yield {
          ok: true,
          value: {
            changes: [
              ...checked.rows.map((row) => ({ kind: "upsert" as const, record: this.toRecord(row) })),
              ...deleted.map((id) => ({ kind: "deleted" as const, id: id.toLowerCase() })),
            ],
            ...(page.value.deltaLink ? { deltaLink: page.value.deltaLink } : {}),
            ...(refused.length > 0 ? { refused } : {}),
          },
        };
      }
      return;
    }
    const since = options.modifiedSince ? `${this.modified} ge ${options.modifiedSince}` : undefined;
    const notBy = options.notModifiedBy?.length
      ? options.notModifiedBy
          .map((user) => `${this.mapping.dataverse.modifiedByField} ne ${literal(user)}`)
          .join(" and ")
      : undefined;
    for await (const page of this.client.pages(this.set, {
      select,
      filter: andFilters(options.filter, since, notBy),
      orderby: `${this.modified} asc,${this.key} asc`,
      pageSize: options.pageSize,
    })) {
      if (!page.ok) {
        yield { ok: false, error: portError(page.error) };
        return;
      }
      const checked = this.checked(page.value.rows, select, true);
      yield {
        ok: true,
        value: {
          changes: checked.rows.map((row) => ({ kind: "upsert", record: this.toRecord(row) })),
          ...(checked.refused.length > 0 ? { refused: checked.refused } : {}),
        },
      };
    }
  }

  async getByIds(ids: readonly string[], select: readonly string[]): Promise<PortResult<SideRecord[]>> {
    if (ids.length === 0) return { ok: true, value: [] };
    return this.query(orEquals(this.key, ids), select, ids.length);
  }

  async query(filter: string, select: readonly string[], top: number): Promise<PortResult<SideRecord[]>> {
    const out: SideRecord[] = [];
    for await (const page of this.client.pages(this.set, {
      select: this.selectWithMeta(select),
      filter,
      pageSize: Math.min(Math.max(top, 1), 5000),
    })) {
      if (!page.ok) return { ok: false, error: portError(page.error) };
      // An answer by id or by filter decides what exists: a row left out would look absent (deleted, or free to
      // create again), so one malformed row fails the whole answer.
      const checked = this.checked(page.value.rows, this.selectWithMeta(select), true);
      if (checked.refused.length > 0) return { ok: false, error: checked.refused[0].error };
      for (const row of checked.rows) out.push(this.toRecord(row));
      if (out.length >= top) break;
    }
    return { ok: true, value: out };
  }

  newKey(): string {
    return newRecordId();
  }

  /** CreateMultiple/UpdateMultiple take up to 1,000 records a request (the client splits larger ones). */
  writeBudget(): WriteBudget {
    return writeBudgetOf(this.client.throttleStates(), 1000);
  }

  async create(items: readonly CreateItem[]): Promise<PortResult<WriteOutcome[]>> {
    if (items.length === 0) return { ok: true, value: [] };
    const stamp = this.mapping.dataverse.createValues ?? {};
    // Object.assign, not `{ ...stamp, ...item.values, … }`: spreading a record's values into a literal that already
    // has properties took V8's slow path, ~50 µs a record with a create stamp (1 s of a 20,000-record sync).
    const rows = items.map((item) => {
      const row: Row = Object.assign({}, stamp, item.values);
      if (item.key) row[this.key] = item.key;
      return row;
    });
    const res = await this.client.createMultiple(this.set, this.mapping.dataverse.table, rows);
    if (!res.ok) return { ok: false, error: portError(res.error) };
    const outcomes = res.value.outcomes.map(
      (o, i): WriteOutcome =>
        o.ok
          ? // An id in the answer that is not a GUID is not taken: the key sent is the record's.
            { ok: true as const, id: String((isGuid(o.id) ? o.id : undefined) ?? items[i].key).toLowerCase() }
          : { ok: false as const, error: portError(o.error) },
    );
    return { ok: true, value: await settleRepeatedCreates((ids) => this.getByIds(ids, []), items, outcomes) };
  }

  async update(items: readonly UpdateItem[]): Promise<PortResult<WriteOutcome[]>> {
    if (items.length === 0) return { ok: true, value: [] };
    const res = await this.client.batchOperations(
      items.map((item) => ({
        method: "PATCH" as const,
        url: `${this.set}(${item.id})`,
        headers: { "if-match": item.ifMatch ?? "*", prefer: "return=representation" },
        body: item.values,
      })),
      { continueOnError: true, idempotent: true },
    );
    if (!res.ok) return { ok: false, error: portError(res.error) };
    return {
      ok: true,
      value: res.value.map((r, i) => {
        if (r.error) return { ok: false as const, error: portError(r.error), notFound: isNotFound(r.error) };
        // A malformed answer is not taken as the record: its version is then unknown and the next update reads first.
        const answer = r.body && typeof r.body === "object" ? this.checked([r.body as Row], [], false).rows : [];
        return {
          ok: true as const,
          id: items[i].id,
          ...(answer.length === 1 ? { record: this.toRecord(answer[0]) } : {}),
        };
      }),
    };
  }

  async delete(ids: readonly string[]): Promise<PortResult<WriteOutcome[]>> {
    if (ids.length === 0) return { ok: true, value: [] };
    const res = await this.client.batchOperations(
      ids.map((id) => ({ method: "DELETE" as const, url: `${this.set}(${id})` })),
      { continueOnError: true, idempotent: true },
    );
    if (!res.ok) return { ok: false, error: portError(res.error) };
    return {
      ok: true,
      value: res.value.map((r, i) =>
        r.error && r.status !== 404
          ? { ok: false as const, error: portError(r.error), notFound: isNotFound(r.error) }
          : { ok: true as const, id: ids[i] },
      ),
    };
  }

  async *scan(select: readonly string[], filter?: string, pageSize = 5000): AsyncIterable<PortResult<SideRecord[]>> {
    for await (const page of this.client.pages(this.set, { select: this.selectWithMeta(select), filter, pageSize })) {
      if (!page.ok) {
        yield { ok: false, error: portError(page.error) };
        return;
      }
      // A scan finds deletions by absence: a row left out would look deleted, so a malformed one fails the scan.
      const checked = this.checked(page.value.rows, this.selectWithMeta(select), true);
      if (checked.refused.length > 0) {
        yield { ok: false, error: checked.refused[0].error };
        return;
      }
      yield { ok: true, value: checked.rows.map((row) => this.toRecord(row)) };
    }
  }

  matchFilter(conditions: readonly MatchCondition[]): string {
    return andConditions(conditions);
  }

  inFilter(property: string, values: readonly string[]): string {
    return orEquals(property, values);
  }
}

interface LabelJson {
  UserLocalizedLabel?: { Label?: string } | null;
  LocalizedLabels?: { Label?: string }[];
}

/**
 * The options of a picklist attribute through the metadata API: the table's picklist attributes (cast) with their
 * option sets expanded, then the one asked for. Labels are the user's language, else the first localized one.
 */
export async function readOptionSet(
  client: DataverseClient,
  table: string,
  attribute: string,
): Promise<PortResult<OptionValue[] | undefined>> {
  const set = `EntityDefinitions(LogicalName='${table}')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`;
  for await (const page of client.pages(set, { select: ["LogicalName"], expand: "OptionSet($select=Options)" })) {
    if (!page.ok) return { ok: false, error: portError(page.error) };
    const found = page.value.rows.find((r) => r.LogicalName === attribute);
    if (!found) continue;
    const options = ((found.OptionSet as { Options?: { Value: number; Label?: LabelJson }[] } | null)?.Options ??
      []) as { Value: number; Label?: LabelJson }[];
    return {
      ok: true,
      value: options.map((o) => ({
        value: o.Value,
        label: o.Label?.UserLocalizedLabel?.Label ?? o.Label?.LocalizedLabels?.[0]?.Label ?? "",
      })),
    };
  }
  return { ok: true, value: undefined };
}
