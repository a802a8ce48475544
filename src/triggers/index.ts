// Triggers that beat polling (issue 11): what turns a change in Business Central or Dataverse into a run of the
// mappings that read the changed table within seconds (seed S17: a change re-arms the entry on hold for its table).
//
// - Business Central: webhook subscriptions for every mapped v2.0 entity set (bc-subscriptions.ts), checked at
//   start and every few minutes: renewed before the 3-day expiry, recreated when Business Central dropped them.
// - Dataverse: one service endpoint (contract Webhook, WebhookKey) and asynchronous Create/Update/Delete steps per
//   mapped table, registered idempotently at start; where Dataverse cannot reach bcsync (`dataverseWebhooks:
//   false`) or registration failed, each mapped table is polled every few seconds instead (one cheap request).
// - Sides without webhooks (the companion API's pages) are polled the same way; every side is also swept by a slow
//   safety-net poll, so a lost notification delays a change, never loses it.
//
// Every trigger calls `wake(mapping)`, which the service's ChangeWaker debounces and deduplicates.

import { randomBytes } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { registerDataverseWebhook, type WebhookRegistrationReport } from "../connectors/dataverse/webhooks.ts";
import { type PassDirection, passesOf, type TableMapping } from "../engine/model.ts";
import type { IntegrationContext } from "../integration/context.ts";
import { BcSubscriptions, type SubscriptionCheck } from "./bc-subscriptions.ts";
import { ChangePoller } from "./change-poller.ts";
import { BC_WEBHOOK_PATH, DATAVERSE_WEBHOOK_PATH, type TriggerEvent, triggerRoutes } from "./routes.ts";

export { BcSubscriptions, type SubscriptionCheck } from "./bc-subscriptions.ts";
export { ChangePoller } from "./change-poller.ts";
export { BC_WEBHOOK_PATH, DATAVERSE_WEBHOOK_PATH, type TriggerEvent, triggerRoutes } from "./routes.ts";

export const DATAVERSE_SERVICE_ENDPOINT_NAME = "bcsync";

export interface TriggerOptions {
  context: IntegrationContext;
  /** Debounced by the caller (the service's ChangeWaker). */
  wake(mappingName: string): void;
  /** The clientState / webhook key; default a random one per process (subscriptions are renewed with it). */
  secret?: string;
  /** Subscribe to Business Central webhooks (default true). */
  businessCentralWebhooks?: boolean;
  /** Register Dataverse webhooks (default true); false when Dataverse cannot reach bcsync: its tables are polled. */
  dataverseWebhooks?: boolean;
  /**
   * The name of the Dataverse service endpoint (default `bcsync`). Registration is idempotent by name, so each
   * company a service connects to the same environment needs its own, or the last one would take the others' over.
   */
  dataverseEndpointName?: string;
  /** Poll interval of sides without webhooks (default 5 s). */
  pollIntervalMs?: number;
  /**
   * Poll Business Central's mapped entity sets at `pollIntervalMs` even where a webhook covers them (default true):
   * Business Central online sends a notification only after a 30-second quiet window, so webhooks alone cannot bring
   * a change within seconds. One cheap request per entity set and interval.
   */
  businessCentralFastPoll?: boolean;
  /** Safety-net poll of every side (default 60 s). */
  safetyNetIntervalMs?: number;
  /** How often subscriptions are checked for renewal or loss (default 15 min). */
  subscriptionCheckIntervalMs?: number;
  renewBeforeMs?: number;
  onNotification?(event: TriggerEvent): void;
  /** Non-fatal problems (a registration refused, a poll that failed), in words. */
  onProblem?(message: string): void;
}

export interface TriggerStartReport {
  businessCentral?: SubscriptionCheck;
  dataverse?: WebhookRegistrationReport;
  /** Mapping sides watched by fast polling, as `MAPPING (pass)`. */
  polled: string[];
}

export interface Triggers {
  /** The webhook endpoints; register with the server before it listens (publicPlugins). */
  plugin: FastifyPluginAsync;
  /**
   * Subscribes and registers with `publicUrl` (bcsync's address as the services see it), starts the pollers.
   * Resolves with what was set up; returns the stop function through `stop`.
   */
  start(publicUrl: string): Promise<TriggerStartReport>;
  /** One subscription check now (renewal, lost subscriptions); also runs on its interval. */
  checkSubscriptions(): Promise<SubscriptionCheck | undefined>;
  /** The fast poller (sides without webhooks) and the safety net (every side). */
  readonly poller: ChangePoller;
  readonly safetyNet: ChangePoller;
  stop(): Promise<void>;
}

const isTable = (m: TableMapping) => m.kind === "table";

export function createTriggers(options: TriggerOptions): Triggers {
  const ctx = options.context;
  const secret = options.secret ?? randomBytes(32).toString("base64url");
  const problem = (message: string) => options.onProblem?.(message);
  let subscriptions: BcSubscriptions | undefined;
  let dataverseRegistered = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const reads = (m: TableMapping, pass: PassDirection) => isTable(m) && passesOf(m.direction).includes(pass);
  const plugin = triggerRoutes({
    secret,
    bcMappings: (companyId, entitySet) =>
      companyId === ctx.companyId.toLowerCase()
        ? ctx.mappings
            .filter((m) => reads(m, "toDataverse") && m.bc.api === "v2.0" && m.bc.entitySet === entitySet)
            .map((m) => m.name)
        : [],
    dataverseMappings: (table) =>
      ctx.mappings.filter((m) => reads(m, "fromDataverse") && m.dataverse.table === table).map((m) => m.name),
    ...(ctx.engine.integrationUsers?.dataverse
      ? { dataverseIntegrationUsers: ctx.engine.integrationUsers.dataverse }
      : {}),
    wake: (name) => options.wake(name),
    ...(options.onNotification ? { onNotification: options.onNotification } : {}),
  });

  /** A side is left to fast polling when no webhook covers it. */
  const polled = (m: TableMapping, pass: PassDirection): boolean => {
    if (pass === "fromDataverse") return !dataverseRegistered;
    if (options.businessCentralFastPoll !== false) return true;
    if (!subscriptions || m.bc.api !== "v2.0") return true;
    return subscriptions.unsupported.has(`api/v2.0/companies(${ctx.companyId})/${m.bc.entitySet}`);
  };
  const onPollError = (mapping: string, error: Error) => problem(`${mapping}: change poll failed: ${error.message}`);
  const poller = new ChangePoller({
    ctx,
    wake: options.wake,
    intervalMs: options.pollIntervalMs ?? 5000,
    include: polled,
    onError: onPollError,
  });
  const safetyNet = new ChangePoller({
    ctx,
    wake: options.wake,
    intervalMs: options.safetyNetIntervalMs ?? 60_000,
    onError: onPollError,
  });

  const checkSubscriptions = async (): Promise<SubscriptionCheck | undefined> => {
    if (!subscriptions) return undefined;
    const report = await subscriptions.check();
    for (const f of report.failed) problem(`Business Central subscription for ${f.resource}: ${f.message}`);
    return report;
  };

  return {
    plugin,
    poller,
    safetyNet,
    checkSubscriptions,
    async start(publicUrl: string): Promise<TriggerStartReport> {
      const base = publicUrl.replace(/\/+$/, "");
      const report: TriggerStartReport = { polled: [] };
      if (options.businessCentralWebhooks !== false) {
        subscriptions = new BcSubscriptions({
          businessCentral: ctx.businessCentral,
          companyId: ctx.companyId,
          mappings: ctx.mappings,
          notificationUrl: `${base}${BC_WEBHOOK_PATH}`,
          clientState: secret,
          ...(options.renewBeforeMs !== undefined ? { renewBeforeMs: options.renewBeforeMs } : {}),
        });
        report.businessCentral = await checkSubscriptions();
        const every = options.subscriptionCheckIntervalMs ?? 15 * 60 * 1000;
        const loop = () => {
          timer = setTimeout(async () => {
            await checkSubscriptions().catch((e: Error) => problem(`subscription check failed: ${e.message}`));
            if (!stopped) loop();
          }, every);
          timer.unref?.();
        };
        loop();
      }
      if (options.dataverseWebhooks !== false) {
        const tables = [
          ...new Set(ctx.mappings.filter((m) => reads(m, "fromDataverse")).map((m) => m.dataverse.table)),
        ];
        const registered = await registerDataverseWebhook(ctx.dataverse, {
          name: options.dataverseEndpointName ?? DATAVERSE_SERVICE_ENDPOINT_NAME,
          url: `${base}${DATAVERSE_WEBHOOK_PATH}`,
          key: secret,
          tables,
        });
        if (registered.ok) {
          dataverseRegistered = true;
          report.dataverse = registered.value;
        } else problem(`Dataverse webhooks not registered (tables are polled instead): ${registered.error.message}`);
      }
      for (const m of ctx.mappings)
        for (const pass of passesOf(m.direction))
          if (isTable(m) && polled(m, pass)) report.polled.push(`${m.name} (${pass})`);
      poller.start();
      safetyNet.start();
      return report;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.all([poller.stop(), safetyNet.stop()]);
    },
  };
}
