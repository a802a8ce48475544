// The Business Central side of a table mapping over the BC connector (API v2.0 or the companion API): reads by
// lastModifiedDateTime (oldest first), creates with client-chosen ids (BC accepts the SystemId on insert, so the
// id is the write intent), and writes through JSON $batch (100 operations a request) with If-Match.

import { randomUUID } from "node:crypto";
import { type BusinessCentralClient, COMPANION_API, type CompanyScope, type Row } from "../../connectors/index.ts";
import type { MatchCondition } from "../matching.ts";
import type { TableMapping } from "../model.ts";
import type {
  ChangePage,
  CreateItem,
  EntityPort,
  PortResult,
  ReadChangesOptions,
  UpdateItem,
  WriteOutcome,
} from "../ports.ts";
import type { SideRecord } from "../records.ts";
import { andConditions, andFilters, isNotFound, orEquals, portError } from "./common.ts";

export class BusinessCentralPort implements EntityPort {
  readonly side = "bc" as const;
  readonly supportsDelta = false;
  private readonly scope: CompanyScope;
  private readonly set: string;
  private readonly key: string;
  private readonly modified: string;

  constructor(client: BusinessCentralClient, companyId: string, mapping: TableMapping) {
    this.scope = client.company(companyId, mapping.bc.api === "companion" ? COMPANION_API : "v2.0");
    this.set = mapping.bc.entitySet;
    this.key = mapping.bc.keyField;
    this.modified = mapping.bc.modifiedField;
  }

  toRecord(row: Row): SideRecord {
    return {
      id: String(row[this.key]).toLowerCase(),
      modifiedAt: String(row[this.modified] ?? ""),
      ...(row["@odata.etag"] !== undefined ? { version: String(row["@odata.etag"]) } : {}),
      values: row,
    };
  }

  private selectWithMeta(select: readonly string[]): string[] {
    return [...new Set([...select, this.key, this.modified])];
  }

  async *readChanges(options: ReadChangesOptions): AsyncIterable<PortResult<ChangePage>> {
    const since = options.modifiedSince ? `${this.modified} ge ${options.modifiedSince}` : undefined;
    for await (const page of this.scope.pages(this.set, {
      select: this.selectWithMeta(options.select),
      filter: andFilters(options.filter, since),
      orderby: `${this.modified} asc`,
      pageSize: options.pageSize,
    })) {
      if (!page.ok) {
        yield { ok: false, error: portError(page.error) };
        return;
      }
      yield {
        ok: true,
        value: { changes: page.value.rows.map((row) => ({ kind: "upsert", record: this.toRecord(row) })) },
      };
    }
  }

  async getByIds(ids: readonly string[], select: readonly string[]): Promise<PortResult<SideRecord[]>> {
    if (ids.length === 0) return { ok: true, value: [] };
    return this.query(orEquals(this.key, ids), select, ids.length);
  }

  async query(filter: string, select: readonly string[], top: number): Promise<PortResult<SideRecord[]>> {
    const out: SideRecord[] = [];
    for await (const page of this.scope.pages(this.set, {
      select: this.selectWithMeta(select),
      filter,
      pageSize: Math.min(Math.max(top, 1), 20_000),
    })) {
      if (!page.ok) return { ok: false, error: portError(page.error) };
      for (const row of page.value.rows) out.push(this.toRecord(row));
      if (out.length >= top) break;
    }
    return { ok: true, value: out };
  }

  newKey(): string {
    return randomUUID();
  }

  async create(items: readonly CreateItem[]): Promise<PortResult<WriteOutcome[]>> {
    return this.writeBatch(
      items.map((item) => ({
        method: "POST" as const,
        url: this.set,
        body: { ...item.values, ...(item.key ? { [this.key]: item.key } : {}) },
      })),
      items.map((item) => item.key ?? ""),
    );
  }

  async update(items: readonly UpdateItem[]): Promise<PortResult<WriteOutcome[]>> {
    return this.writeBatch(
      items.map((item) => ({
        method: "PATCH" as const,
        url: `${this.set}(${item.id})`,
        headers: { "If-Match": item.ifMatch ?? "*" },
        body: item.values,
      })),
      items.map((item) => item.id),
    );
  }

  async delete(ids: readonly string[]): Promise<PortResult<WriteOutcome[]>> {
    return this.writeBatch(
      ids.map((id) => ({ method: "DELETE" as const, url: `${this.set}(${id})`, headers: { "If-Match": "*" } })),
      [...ids],
    );
  }

  private async writeBatch(
    requests: { method: "POST" | "PATCH" | "DELETE"; url: string; headers?: Record<string, string>; body?: unknown }[],
    ids: string[],
  ): Promise<PortResult<WriteOutcome[]>> {
    if (requests.length === 0) return { ok: true, value: [] };
    const res = await this.scope.batch(requests, { continueOnError: true });
    if (!res.ok) return { ok: false, error: portError(res.error) };
    return {
      ok: true,
      value: res.value.map((r, i) => {
        if (r.error) return { ok: false as const, error: portError(r.error), notFound: isNotFound(r.error) };
        const body = r.body as Row | undefined;
        const record = body && typeof body === "object" && body[this.key] ? this.toRecord(body) : undefined;
        return { ok: true as const, id: record?.id ?? ids[i].toLowerCase(), ...(record ? { record } : {}) };
      }),
    };
  }

  async *scan(select: readonly string[], filter?: string, pageSize = 5000): AsyncIterable<PortResult<SideRecord[]>> {
    for await (const page of this.scope.pages(this.set, { select: this.selectWithMeta(select), filter, pageSize })) {
      if (!page.ok) {
        yield { ok: false, error: portError(page.error) };
        return;
      }
      yield { ok: true, value: page.value.rows.map((row) => this.toRecord(row)) };
    }
  }

  matchFilter(conditions: readonly MatchCondition[]): string {
    return andConditions(conditions);
  }

  inFilter(property: string, values: readonly string[]): string {
    return orEquals(property, values);
  }
}
