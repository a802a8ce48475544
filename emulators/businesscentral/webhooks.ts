// Webhook subscriptions (dynamics-subscriptions.md): `subscriptions` at the API root with a string key, a
// validationToken handshake on create and on renewal, 3-day expiry, notifications debounced (30 s online), one
// `collection` notification when more than 1,000 records changed in the window, one POST per notification URL
// carrying every subscription's entries, retries only on 408/429/5xx (else the subscription is deleted).

import { randomBytes, randomUUID } from "node:crypto";
import { etagMatches } from "../odata/index.ts";
import { bcEtag } from "./entities/encoding.ts";
import { APIS } from "./entities/registry.ts";
import type { EntityDef, Row } from "./entities/types.ts";
import { bcErrors } from "./errors.ts";
import { maxIso } from "./rules/statistics.ts";
import type { BcDatabase, ChangeEvent } from "./store/database.ts";

export interface WebhookOptions {
  /** Debounce window after the first change (BC online: 30 s). */
  notificationDelayMs: number;
  /** Above this many changed records in one window a single `collection` notification is sent. */
  collectionThreshold: number;
  /** Waits between delivery attempts on 408/429/5xx; after the last, the notification is dropped. */
  retryDelaysMs: readonly number[];
  /** Subscription lifetime (3 days). */
  lifetimeMs: number;
  maxSubscriptions: number;
  /** Timeout of the handshake and of each delivery. */
  requestTimeoutMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  notificationDelayMs: 30_000,
  collectionThreshold: 1000,
  retryDelaysMs: [60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 43_200_000],
  lifetimeMs: 3 * 24 * 3600 * 1000,
  maxSubscriptions: 200,
  requestTimeoutMs: 10_000,
};

interface Pending {
  environment: string;
  subscriptionId: string;
  firstChangeAt: string;
  /** resource id → latest change. */
  changes: Map<string, { changeType: string; at: string; companyId: string; set: string; route: string }>;
}

/** Line tables notify their document (changes to document lines notify the header entity). */
const LINE_PARENTS: Record<string, string> = {
  salesOrderLine: "salesOrder",
  salesQuoteLine: "salesQuote",
  salesInvoiceLine: "salesInvoice",
};

interface WebhookPage {
  route: string;
  page: EntityDef;
}

/** Pages that support webhooks (v2.0 and custom APIs alike), by storage table (pages can share a table). */
const WEBHOOK_PAGES_BY_TABLE = new Map<string, WebhookPage[]>();
for (const api of APIS) {
  for (const page of api.pages.values()) {
    if (!page.webhooks) continue;
    WEBHOOK_PAGES_BY_TABLE.set(page.table, [
      ...(WEBHOOK_PAGES_BY_TABLE.get(page.table) ?? []),
      { route: api.route, page },
    ]);
  }
}

const SUBSCRIPTION_FIELDS = [
  "subscriptionId",
  "notificationUrl",
  "resource",
  "timestamp",
  "userId",
  "lastModifiedDateTime",
  "clientState",
  "expirationDateTime",
  "systemCreatedAt",
  "systemCreatedBy",
  "systemModifiedAt",
  "systemModifiedBy",
];

export function serializeSubscription(row: Row): Row {
  const out: Row = { "@odata.etag": bcEtag(String(row.subscriptionId), row.$v) };
  for (const f of SUBSCRIPTION_FIELDS) out[f] = row[f] ?? null;
  return out;
}

/**
 * `/api/v2.0/companies({cid})/customers` or `/api/bcsync/integration/v1.0/companies({cid})/salesOrders` → API
 * route, company and entity set; undefined when the page does not support webhooks.
 */
export function parseResource(resource: string): { route: string; companyId: string; set: string } | undefined {
  const m = /(?:^|\/)api\/(.+)\/companies\(([0-9a-fA-F-]{36})\)\/([A-Za-z]+)\/?$/.exec(resource.trim());
  if (!m) return undefined;
  const api = APIS.find((a) => a.route === m[1]);
  if (!api?.pages.get(m[3])?.webhooks) return undefined;
  return { route: api.route, companyId: m[2].toLowerCase(), set: m[3] };
}

/**
 * `GET …/api/microsoft/runtime/beta/companies({id})/webhookSupportedResources` (dynamics-subscriptions.md,
 * "Supported entities"): `{ resource: "<api route>/<entity set>" }` for every page that accepts subscriptions, in
 * name order. The documented `$filter=resource eq 'v2.0*'` is a pattern: `*` matches any text (case-insensitive).
 */
export function webhookSupportedResources(filter: string | undefined): { resource: string }[] {
  const all = APIS.flatMap((api) =>
    [...api.pages.values()].filter((p) => p.webhooks).map((p) => `${api.route}/${p.set}`),
  ).sort((a, b) => a.localeCompare(b));
  if (filter === undefined || filter.trim() === "") return all.map((resource) => ({ resource }));
  const m = /^\s*resource\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
  if (!m) throw bcErrors.querySyntax(`The filter '${filter}' is not supported on webhookSupportedResources.`);
  const escaped = m[1]
    .replace(/''/g, "'")
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*");
  const pattern = new RegExp(`^${escaped}$`, "i");
  return all.filter((r) => pattern.test(r)).map((resource) => ({ resource }));
}

export class Webhooks {
  private readonly db: BcDatabase;
  readonly options: WebhookOptions;
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(db: BcDatabase, options: WebhookOptions) {
    this.db = db;
    this.options = options;
    db.onChange((event) => this.record(event));
  }

  private subscriptions(environment: string): Row[] {
    return this.db.subscriptions(environment).values();
  }

  private record(event: ChangeEvent): void {
    let table = event.table;
    let id = event.id;
    let changeType: string = event.changeType;
    const parentTable = LINE_PARENTS[table];
    if (parentTable) {
      table = parentTable;
      id = String(event.row.documentId ?? "");
      changeType = "updated";
      if (!id) return;
    }
    const sets = WEBHOOK_PAGES_BY_TABLE.get(table);
    if (!sets) return;
    // A computed record (companyInformation) always exists: storing its first change is an update.
    if (sets.every((p) => p.page.computed)) changeType = "updated";
    const now = Date.now();
    for (const sub of this.subscriptions(event.environment)) {
      if (Date.parse(String(sub.expirationDateTime)) < now) continue;
      const target = parseResource(String(sub.resource));
      if (!target || target.companyId !== event.companyId) continue;
      const page = sets.find((p) => p.route === target.route && p.page.set === target.set)?.page;
      if (!page || (page.scope && !page.scope(event.row))) continue;
      const key = `${event.environment}\u0000${String(sub.subscriptionId)}`;
      let p = this.pending.get(key);
      if (!p) {
        p = {
          environment: event.environment,
          subscriptionId: String(sub.subscriptionId),
          firstChangeAt: event.at,
          changes: new Map(),
        };
        this.pending.set(key, p);
      }
      const previous = p.changes.get(id);
      const type = previous?.changeType === "created" && changeType === "updated" ? "created" : changeType;
      p.changes.set(id, {
        changeType: type,
        at: event.at,
        companyId: event.companyId,
        set: page.set,
        route: target.route,
      });
    }
    if (this.pending.size > 0 && !this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.notificationDelayMs);
      this.timer.unref?.();
    }
  }

  /** Sends every pending notification now (tests call it instead of waiting for the debounce window). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batches = new Map<string, { environment: string; entries: Row[]; subscriptionIds: Set<string> }>();
    for (const p of this.pending.values()) {
      const sub = this.db.subscriptions(p.environment).get(p.subscriptionId);
      if (!sub) continue;
      const url = String(sub.notificationUrl);
      let batch = batches.get(url);
      if (!batch) {
        batch = { environment: p.environment, entries: [], subscriptionIds: new Set() };
        batches.set(url, batch);
      }
      batch.subscriptionIds.add(p.subscriptionId);
      const common = {
        subscriptionId: sub.subscriptionId,
        clientState: sub.clientState,
        expirationDateTime: sub.expirationDateTime,
      };
      if (p.changes.size > this.options.collectionThreshold) {
        const first = [...p.changes.values()][0];
        batch.entries.push({
          ...common,
          resource: `api/${first.route}/companies(${first.companyId})/${first.set}?$filter=lastModifiedDateTime%20gt%20${new Date(Date.parse(p.firstChangeAt) - 1).toISOString()}`,
          changeType: "collection",
          lastModifiedDateTime: maxIso(p.firstChangeAt, ...[...p.changes.values()].map((c) => c.at)),
        });
      } else {
        for (const [id, c] of p.changes)
          batch.entries.push({
            ...common,
            resource: `api/${c.route}/companies(${c.companyId})/${c.set}(${id})`,
            changeType: c.changeType,
            lastModifiedDateTime: c.at,
          });
      }
    }
    this.pending.clear();
    const sends = [...batches].map(([url, b]) =>
      this.track(this.deliver(url, b.environment, b.entries, b.subscriptionIds, 0)),
    );
    await Promise.all(sends);
  }

  /** Resolves when every delivery under way (not waiting retries) has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }

  private async deliver(
    url: string,
    environment: string,
    entries: Row[],
    subscriptionIds: Set<string>,
    attempt: number,
  ): Promise<void> {
    if (this.closed) return;
    let status = 0;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: entries }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0; // unreachable: treated like a 5xx, as the service retries network failures
    }
    if (status >= 200 && status < 300) return;
    const retryable = status === 0 || status === 408 || status === 429 || status >= 500;
    if (!retryable) {
      const table = this.db.subscriptions(environment);
      this.db.transaction(() => {
        for (const id of subscriptionIds) table.delete(id);
      });
      return;
    }
    const wait = this.options.retryDelaysMs[attempt];
    if (wait === undefined || this.closed) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.track(this.deliver(url, environment, entries, subscriptionIds, attempt + 1));
    }, wait);
    timer.unref?.();
    this.retryTimers.add(timer);
  }

  private async handshake(notificationUrl: string): Promise<void> {
    const token = randomBytes(16).toString("hex");
    const separator = notificationUrl.includes("?") ? "&" : "?";
    let ok = false;
    try {
      const response = await fetch(`${notificationUrl}${separator}validationToken=${encodeURIComponent(token)}`, {
        method: "POST",
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await response.text();
      ok = response.status === 200 && text.trim().replace(/^"|"$/g, "") === token;
    } catch {
      ok = false;
    }
    if (!ok)
      throw bcErrors.badRequest(
        `The subscription could not be created: the notification URL '${notificationUrl}' did not answer the validation request with the validation token.`,
      );
  }

  /** `route`: the API the subscription was created under; its resource must be a page of that API. */
  async create(environment: string, route: string, body: Row, userId: string): Promise<Row> {
    const notificationUrl = body.notificationUrl;
    const resource = body.resource;
    // The documented create example posts the whole record back: server-assigned fields are ignored.
    for (const key of Object.keys(body))
      if (!["notificationUrl", "resource", "clientState"].includes(key) && !key.startsWith("@"))
        if (!SUBSCRIPTION_FIELDS.includes(key)) throw bcErrors.invalidProperty(key, "subscription");
    if (typeof notificationUrl !== "string" || !/^https?:\/\//.test(notificationUrl))
      throw bcErrors.dialog("The notificationUrl must be an absolute http(s) URL.");
    if (typeof resource !== "string" || parseResource(resource)?.route !== route)
      throw bcErrors.dialog(`The resource '${String(resource)}' does not support webhooks.`);
    const clientState = typeof body.clientState === "string" ? body.clientState : "";
    if (clientState.length > 2048) throw bcErrors.stringTooLong(clientState.length, 2048);
    const target = parseResource(resource);
    if (target && !this.db.company(environment, target.companyId)) throw bcErrors.companyNotFound(target.companyId);
    if (this.subscriptions(environment).length >= this.options.maxSubscriptions)
      throw bcErrors.dialog(
        `You cannot create more than ${this.options.maxSubscriptions} webhook subscriptions in an environment.`,
      );
    await this.handshake(notificationUrl);
    const now = new Date();
    const id = randomUUID().replace(/-/g, "");
    const row: Row = {
      subscriptionId: id,
      notificationUrl,
      resource,
      timestamp: now.getTime(),
      userId,
      lastModifiedDateTime: now.toISOString(),
      clientState,
      expirationDateTime: new Date(now.getTime() + this.options.lifetimeMs).toISOString(),
      systemCreatedAt: now.toISOString(),
      systemCreatedBy: userId,
      systemModifiedAt: now.toISOString(),
      systemModifiedBy: userId,
      $v: 1,
    };
    this.db.transaction(() => this.db.subscriptions(environment).put(id, row));
    return row;
  }

  get(environment: string, id: string): Row {
    const row = this.db.subscriptions(environment).get(id);
    if (!row) throw bcErrors.recordNotFound("API Webhook Subscription", { "Subscription Id": id });
    return row;
  }

  /** Subscriptions of one API (v2.0 and each custom API list their own). */
  list(environment: string, route: string): Row[] {
    return this.subscriptions(environment).filter((s) => parseResource(String(s.resource))?.route === route);
  }

  /** Renewal: If-Match, handshake again, expiry reset to three days from now. */
  async renew(environment: string, id: string, body: Row, ifMatch: string | undefined, userId: string): Promise<Row> {
    const current = this.get(environment, id);
    if (!ifMatch) throw bcErrors.invalidToken();
    if (!etagMatches(ifMatch, bcEtag(id, current.$v))) throw bcErrors.entityChanged();
    const next: Row = { ...current };
    for (const [key, value] of Object.entries(body)) {
      if (key.startsWith("@")) continue;
      if (key === "notificationUrl" || key === "clientState") next[key] = value;
      else if (key === "resource" && value !== current.resource) throw bcErrors.readOnly("resource");
      else if (!SUBSCRIPTION_FIELDS.includes(key)) throw bcErrors.invalidProperty(key, "subscription");
    }
    await this.handshake(String(next.notificationUrl));
    const now = new Date();
    Object.assign(next, {
      expirationDateTime: new Date(now.getTime() + this.options.lifetimeMs).toISOString(),
      lastModifiedDateTime: now.toISOString(),
      systemModifiedAt: now.toISOString(),
      systemModifiedBy: userId,
      timestamp: now.getTime(),
      $v: Number(current.$v ?? 1) + 1,
    });
    this.db.transaction(() => this.db.subscriptions(environment).put(id, next));
    return next;
  }

  remove(environment: string, id: string, ifMatch: string | undefined): void {
    const current = this.get(environment, id);
    if (!ifMatch) throw bcErrors.invalidToken();
    if (!etagMatches(ifMatch, bcEtag(id, current.$v))) throw bcErrors.entityChanged();
    this.db.transaction(() => this.db.subscriptions(environment).delete(id));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }
}
