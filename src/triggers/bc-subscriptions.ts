// Business Central webhook subscriptions for every mapped entity set of the connected company: created at start,
// renewed before their 3-day expiry (and whenever the clientState changed, e.g. a new secret), recreated when
// Business Central dropped them (it deletes a subscription whose notifications the receiver refuses). Pages that do
// not support webhooks (the companion API's) are reported as unsupported: the poller watches those instead.

import type { BusinessCentralClient, Subscription } from "../connectors/index.ts";
import { passesOf, type TableMapping } from "../engine/model.ts";

export interface SubscriptionCheck {
  created: string[];
  renewed: string[];
  kept: string[];
  /** Resources Business Central refused to subscribe (no webhooks on that page): polled instead. */
  unsupported: string[];
  /** Resources whose subscription could not be made or renewed this time (retried at the next check). */
  failed: { resource: string; message: string }[];
}

export interface BcSubscriptionOptions {
  businessCentral: BusinessCentralClient;
  companyId: string;
  mappings: readonly TableMapping[];
  notificationUrl: string;
  clientState: string;
  /** Renew when fewer than this many ms are left (default one day of the three). */
  renewBeforeMs?: number;
  now?: () => number;
}

/** `api/v2.0/companies(<id>)/<entitySet>` for every v2.0 entity set a mapping reads from Business Central. */
export function subscriptionResources(companyId: string, mappings: readonly TableMapping[]): string[] {
  const sets = new Set<string>();
  for (const m of mappings) {
    if (m.kind !== "table" || m.bc.api !== "v2.0") continue;
    if (!passesOf(m.direction).includes("toDataverse")) continue;
    sets.add(m.bc.entitySet);
  }
  return [...sets].map((set) => `api/v2.0/companies(${companyId})/${set}`);
}

/** Business Central answers 400 "does not support webhooks" for pages without them (a handshake failure differs). */
function refusedResource(params: Record<string, unknown>): boolean {
  return params.httpStatus === 400 && /support(s)? webhooks|not supported/i.test(String(params.serviceMessage ?? ""));
}

const normalized = (resource: string) => resource.replace(/^\//, "").toLowerCase();

export class BcSubscriptions {
  readonly resources: string[];
  /** Resources known not to support webhooks (after the first check). */
  readonly unsupported = new Set<string>();

  constructor(private readonly options: BcSubscriptionOptions) {
    this.resources = subscriptionResources(options.companyId, options.mappings);
  }

  /** One pass: subscribe what is missing, renew what expires soon or carries an old clientState. */
  async check(): Promise<SubscriptionCheck> {
    const { businessCentral: bc, notificationUrl, clientState } = this.options;
    const report: SubscriptionCheck = { created: [], renewed: [], kept: [], unsupported: [], failed: [] };
    const listed = await bc.listSubscriptions();
    if (!listed.ok) {
      for (const resource of this.resources) report.failed.push({ resource, message: listed.error.message });
      return report;
    }
    const ours = new Map<string, Subscription>();
    for (const s of listed.value) if (s.notificationUrl === notificationUrl) ours.set(normalized(s.resource), s);
    const now = (this.options.now ?? Date.now)();
    const renewBefore = this.options.renewBeforeMs ?? 24 * 3600 * 1000;
    for (const resource of this.resources) {
      if (this.unsupported.has(resource)) {
        report.unsupported.push(resource);
        continue;
      }
      const existing = ours.get(normalized(resource));
      if (!existing) {
        const created = await bc.createSubscription({ notificationUrl, resource, clientState });
        if (created.ok) report.created.push(resource);
        else if (refusedResource(created.error.params)) {
          this.unsupported.add(resource);
          report.unsupported.push(resource);
        } else report.failed.push({ resource, message: created.error.message });
        continue;
      }
      const expires = Date.parse(String(existing.expirationDateTime ?? ""));
      const stale = existing.clientState !== clientState;
      if (!stale && Number.isFinite(expires) && expires - now > renewBefore) {
        report.kept.push(resource);
        continue;
      }
      const renewed = await bc.renewSubscription(existing.subscriptionId, existing["@odata.etag"] ?? "*", {
        clientState,
      });
      if (renewed.ok) report.renewed.push(resource);
      else report.failed.push({ resource, message: renewed.error.message });
    }
    return report;
  }
}
