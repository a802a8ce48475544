// The public webhook endpoints (outside the sign-in: Business Central and Dataverse cannot sign in; every call must
// carry the secret bcsync registered). They only translate a notification into wakes of the mappings that read
// the changed table; the debounced waker makes a burst one run, and the run itself reads the changes (a delta read
// from the mapping's watermark, which is also the answer to a `collection` notification).
//
// Business Central (dynamics-subscriptions): the handshake is a POST with `?validationToken=` answered 200 with the
//   token as text/plain; notifications are `{ value: [{ subscriptionId, clientState, resource, changeType, … }] }`.
// Dataverse: a RemoteExecutionContext JSON per change, the endpoint's WebhookKey as the `code` query parameter.

import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { isIntegrationUser } from "../engine/integration-users.ts";

export const BC_WEBHOOK_PATH = "/webhooks/businesscentral";
export const DATAVERSE_WEBHOOK_PATH = "/webhooks/dataverse";

export interface TriggerRoutesOptions {
  /** The clientState of Business Central subscriptions and the key of the Dataverse service endpoint. */
  secret: string;
  /** Mappings that read a Business Central entity set of a company (empty for other companies). */
  bcMappings(companyId: string, entitySet: string): string[];
  /** Mappings that read a Dataverse table (logical name). */
  dataverseMappings(table: string): string[];
  /** The integration users' systemuserids (one per app registration): their writes wake nothing (seed S15). */
  dataverseIntegrationUsers?: readonly string[];
  wake(mappingName: string): void;
  /** Told of every accepted notification (metrics, tests). */
  onNotification?(event: TriggerEvent): void;
}

export interface TriggerEvent {
  source: "businessCentral" | "dataverse";
  /** created/updated/deleted/collection (BC) or Create/Update/Delete (Dataverse). */
  changeTypes: string[];
  mappings: string[];
}

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

const BC_RESOURCE = /companies\(([0-9a-fA-F-]{36})\)\/([A-Za-z]+)/;

interface BcNotification {
  subscriptionId?: unknown;
  clientState?: unknown;
  resource?: unknown;
  changeType?: unknown;
}

const REFUSED = { error: "The notification does not carry the secret bcsync registered." };

export function triggerRoutes(options: TriggerRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    // Business Central's handshake has no body; its notifications are JSON.
    app.post(
      BC_WEBHOOK_PATH,
      {
        schema: { hide: true, querystring: { type: "object", properties: { validationToken: { type: "string" } } } },
      },
      async (request, reply) => {
        const token = (request.query as { validationToken?: string }).validationToken;
        if (token !== undefined) return reply.status(200).type("text/plain").send(token);
        const entries = (request.body as { value?: BcNotification[] } | undefined)?.value;
        if (!Array.isArray(entries) || entries.length === 0) return reply.status(400).send({ error: "No value." });
        // Every entry must carry our clientState: one forged entry refuses the whole call.
        if (!entries.every((e) => sameSecret(e.clientState, options.secret))) return reply.status(401).send(REFUSED);
        const mappings = new Set<string>();
        const changeTypes = new Set<string>();
        for (const entry of entries) {
          const m = BC_RESOURCE.exec(String(entry.resource ?? ""));
          if (!m) continue;
          changeTypes.add(String(entry.changeType ?? ""));
          for (const name of options.bcMappings(m[1].toLowerCase(), m[2])) mappings.add(name);
        }
        for (const name of mappings) options.wake(name);
        options.onNotification?.({
          source: "businessCentral",
          changeTypes: [...changeTypes],
          mappings: [...mappings],
        });
        return reply.status(202).send();
      },
    );

    app.post(
      DATAVERSE_WEBHOOK_PATH,
      { schema: { hide: true, querystring: { type: "object", properties: { code: { type: "string" } } } } },
      async (request, reply) => {
        if (!sameSecret((request.query as { code?: string }).code, options.secret))
          return reply.status(401).send(REFUSED);
        const context = request.body as
          | { MessageName?: unknown; PrimaryEntityName?: unknown; UserId?: unknown }
          | undefined;
        const table = typeof context?.PrimaryEntityName === "string" ? context.PrimaryEntityName : "";
        if (!table) return reply.status(400).send({ error: "No PrimaryEntityName." });
        // UserId is who the change is stamped as (modifiedby), as the engine's echo suppression reads it.
        const byUs =
          typeof context?.UserId === "string" && isIntegrationUser(options.dataverseIntegrationUsers, context.UserId);
        const mappings = byUs ? [] : options.dataverseMappings(table);
        for (const name of mappings) options.wake(name);
        options.onNotification?.({ source: "dataverse", changeTypes: [String(context?.MessageName ?? "")], mappings });
        return reply.status(200).send();
      },
    );
  };
}
