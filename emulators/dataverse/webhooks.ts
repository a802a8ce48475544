// Webhooks as Dataverse runs them ("Use webhooks to create external handlers for server events"): an enabled,
// asynchronous SDK message processing step for Create/Update/Delete of a table, whose event handler is a service
// endpoint with contract Webhook, makes the asynchronous service POST the RemoteExecutionContext JSON to the
// endpoint's URL after the change commits, authenticated as the endpoint says (WebhookKey: query string `code`;
// HttpHeader / HttpQueryString: the key/value pairs of the `<settings>` authvalue). A failed post is retried after
// waits, as the asynchronous service retries a failed system job; after the last wait the job fails (dropped).

import { randomUUID } from "node:crypto";
import type { RecordChange, Records, Row } from "./records.ts";
import type { TableDef } from "./schema.ts";
import { seedId } from "./seed/ids.ts";
import { SYSTEM_USER_ID } from "./seed/seed.ts";
import {
  AUTH_HTTP_HEADER,
  AUTH_HTTP_QUERY_STRING,
  AUTH_WEBHOOK_KEY,
  CONTRACT_WEBHOOK,
} from "./tables/plugin-registration.ts";

export interface DataverseWebhookOptions {
  /** Wait between the committed change and the post (the asynchronous service picks jobs up within seconds). */
  delayMs: number;
  /** Waits before each retry of a failed post; after the last the system job fails. */
  retryDelaysMs: readonly number[];
  requestTimeoutMs: number;
}

export const DEFAULT_DATAVERSE_WEBHOOK_OPTIONS: DataverseWebhookOptions = {
  delayMs: 1000,
  retryDelaysMs: [5_000, 30_000, 120_000, 600_000],
  requestTimeoutMs: 60_000,
};

const MESSAGES = ["Create", "Update", "Delete"] as const;
const REGISTRATION_TABLES = new Set([
  "sdkmessage",
  "sdkmessagefilter",
  "plugintype",
  "serviceendpoint",
  "sdkmessageprocessingstep",
]);

export const sdkMessageId = (name: string): string => seedId(`sdkmessage:${name}`);
export const sdkMessageFilterId = (message: string, table: string): string =>
  seedId(`sdkmessagefilter:${message}:${table}`);

interface Job {
  url: string;
  headers: Record<string, string>;
  body: string;
  change: RecordChange;
  /** Posts tried so far. */
  attempt: number;
}

const XRM = "http://schemas.microsoft.com/xrm/2011/Contracts";
const wcfDate = (d: Date) => `/Date(${d.getTime()})/`;

export class DataverseWebhooks {
  private readonly queued = new Set<Job>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;
  /** Posts that reached the endpoint with a 2xx (tests and diagnostics). */
  delivered = 0;

  constructor(
    private readonly records: Records,
    readonly options: DataverseWebhookOptions,
    private readonly organization: { id: string; name: string },
  ) {
    records.onChange((change) => this.changed(change));
  }

  /** The SDK messages and one message filter per table and message, as the platform has them (idempotent). */
  ensurePlatformRows(tables: readonly TableDef[]): void {
    const caller = { userId: SYSTEM_USER_ID, callingUserId: SYSTEM_USER_ID };
    const ctx = { caller, now: new Date(), serviceRoot: new URL("http://127.0.0.1/") };
    const model = this.records.model;
    this.records.transaction(() => {
      for (const name of MESSAGES) {
        const id = sdkMessageId(name);
        if (!this.records.get(model.table("sdkmessage"), id))
          this.records.create(model.table("sdkmessage"), { sdkmessageid: id, name }, ctx);
        for (const t of tables) {
          if (REGISTRATION_TABLES.has(t.logicalName)) continue;
          const fid = sdkMessageFilterId(name, t.logicalName);
          if (this.records.get(model.table("sdkmessagefilter"), fid)) continue;
          this.records.create(
            model.table("sdkmessagefilter"),
            {
              sdkmessagefilterid: fid,
              "sdkmessageid@odata.bind": `/sdkmessages(${id})`,
              primaryobjecttypecode: t.logicalName,
              iscustomprocessingstepallowed: true,
            },
            ctx,
          );
        }
      }
    });
  }

  private changed(change: RecordChange): void {
    if (this.closed || REGISTRATION_TABLES.has(change.table)) return;
    const model = this.records.model;
    const steps = this.records.rows(model.table("sdkmessageprocessingstep")).values();
    for (const step of steps) {
      if (step.statecode !== 0 || step.mode !== 1) continue;
      if (step._sdkmessageid_value !== sdkMessageId(change.message)) continue;
      const filter = this.records.get(model.table("sdkmessagefilter"), String(step._sdkmessagefilterid_value ?? ""));
      if (filter?.primaryobjecttypecode !== change.table) continue;
      if (change.message === "Update" && typeof step.filteringattributes === "string" && step.filteringattributes) {
        const wanted = step.filteringattributes.split(",").map((a) => a.trim().toLowerCase());
        if (!change.changedColumns.some((c) => wanted.includes(c.replace(/@odata\.bind$/, "").toLowerCase()))) continue;
      }
      const endpoint = this.records.get(model.table("serviceendpoint"), String(step._eventhandler_value ?? ""));
      if (!endpoint || endpoint.contract !== CONTRACT_WEBHOOK || typeof endpoint.url !== "string") continue;
      this.schedule(this.job(change, step, endpoint), this.options.delayMs);
    }
  }

  private job(change: RecordChange, step: Row, endpoint: Row): Job {
    const url = new URL(String(endpoint.url));
    const headers: Record<string, string> = { "content-type": "application/json" };
    const auth = typeof endpoint.authvalue === "string" ? endpoint.authvalue : "";
    if (endpoint.authtype === AUTH_WEBHOOK_KEY) url.searchParams.set("code", auth);
    else if (endpoint.authtype === AUTH_HTTP_HEADER || endpoint.authtype === AUTH_HTTP_QUERY_STRING) {
      for (const [, name, value] of auth.matchAll(/<setting\s+name="([^"]*)"\s+value="([^"]*)"\s*\/>/g)) {
        if (endpoint.authtype === AUTH_HTTP_HEADER) headers[name.toLowerCase()] = value;
        else url.searchParams.set(name, value);
      }
    }
    const correlationId = randomUUID();
    const operationId = randomUUID();
    headers["x-request-id"] = operationId;
    headers["x-ms-correlation-request-id"] = correlationId;
    headers["x-ms-dynamics-organization"] = this.organization.name;
    headers["x-ms-dynamics-entity-name"] = change.table;
    headers["x-ms-dynamics-request-name"] = change.message;
    const target =
      change.message === "Delete"
        ? {
            __type: `EntityReference:${XRM}`,
            Id: change.id,
            KeyAttributes: [],
            LogicalName: change.table,
            Name: null,
            RowVersion: null,
          }
        : {
            __type: `Entity:${XRM}`,
            Attributes: attributesOf(change),
            EntityState: null,
            FormattedValues: [],
            Id: change.id,
            KeyAttributes: [],
            LogicalName: change.table,
            RelatedEntities: [],
            RowVersion: String(change.row.versionnumber ?? ""),
          };
    const context = {
      BusinessUnitId: null,
      CorrelationId: correlationId,
      Depth: 1,
      InitiatingUserAzureActiveDirectoryObjectId: null,
      InitiatingUserId: change.caller.callingUserId,
      InputParameters: [{ key: "Target", value: target }],
      IsExecutingOffline: false,
      IsInTransaction: false,
      IsOfflinePlayback: false,
      IsolationMode: 1,
      MessageName: change.message,
      Mode: 1,
      OperationCreatedOn: wcfDate(change.at),
      OperationId: operationId,
      OrganizationId: this.organization.id,
      OrganizationName: this.organization.name,
      OutputParameters: change.message === "Create" ? [{ key: "id", value: change.id }] : [],
      OwningExtension: {
        Id: step.sdkmessageprocessingstepid,
        KeyAttributes: [],
        LogicalName: "sdkmessageprocessingstep",
        Name: step.name ?? null,
        RowVersion: null,
      },
      ParentContext: null,
      PostEntityImages: [],
      PreEntityImages: [],
      PrimaryEntityId: change.id,
      PrimaryEntityName: change.table,
      RequestId: null,
      SecondaryEntityName: "none",
      SharedVariables: [],
      Stage: 40,
      UserAzureActiveDirectoryObjectId: null,
      UserId: change.caller.userId,
    };
    return { url: url.href, headers, body: JSON.stringify(context), change, attempt: 0 };
  }

  private schedule(job: Job, waitMs: number): void {
    if (this.closed) return;
    this.queued.add(job);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.queued.delete(job)) return;
      void this.track(this.post(job));
    }, waitMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** A job whose write was rolled back (the row is gone or older) is not posted, as a job is queued on commit. */
  private committed(change: RecordChange): boolean {
    const table = this.records.model.table(change.table);
    const now = this.records.get(table, change.id);
    if (change.message === "Delete") return now === undefined;
    return now !== undefined && Number(now.versionnumber ?? 0) >= Number(change.row.versionnumber ?? 0);
  }

  private async post(job: Job): Promise<void> {
    if (this.closed) return;
    if (job.attempt === 0 && !this.committed(job.change)) return;
    job.attempt++;
    let status = 0;
    try {
      const response = await fetch(job.url, {
        method: "POST",
        headers: job.headers,
        body: job.body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    if (status >= 200 && status < 300) {
      this.delivered++;
      return;
    }
    const wait = this.options.retryDelaysMs[job.attempt - 1];
    if (wait !== undefined) this.schedule(job, wait);
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }

  /** Posts every queued job now (first attempts and waiting retries) and waits for the posts. */
  async flush(): Promise<void> {
    while (this.queued.size > 0 || this.inflight.size > 0) {
      const jobs = [...this.queued];
      this.queued.clear();
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      // Each flush tries every queued job once; a retry it schedules waits for the next flush.
      await Promise.all([...jobs.map((j) => this.track(this.post(j))), ...this.inflight]);
      if (jobs.length === 0) break;
      if ([...this.queued].every((j) => jobs.includes(j))) break;
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queued.clear();
  }
}

function attributesOf(change: RecordChange): { key: string; value: unknown }[] {
  const out: { key: string; value: unknown }[] = [];
  for (const key of change.changedColumns) {
    if (key.startsWith("@") || key.includes("@")) continue;
    if (key in change.row) out.push({ key, value: change.row[key] ?? null });
  }
  return out;
}
