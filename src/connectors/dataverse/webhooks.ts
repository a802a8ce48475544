// Webhook registration in Dataverse ("Use webhooks to create external handlers for server events"): one service
// endpoint (contract Webhook, authentication WebhookKey: the key travels as the `code` query parameter) and one
// asynchronous post-operation SDK message processing step per table and message (Create, Update, Delete), found
// through the table's SDK message filter. Idempotent: a second registration updates the endpoint's URL and key and
// creates only the steps that are missing; steps of tables no longer mapped are removed.

import { ok, type Result } from "../result.ts";
import type { DataverseClient } from "./client.ts";

export const WEBHOOK_MESSAGES = ["Create", "Update", "Delete"] as const;
const CONTRACT_WEBHOOK = 8;
const AUTH_WEBHOOK_KEY = 5;
const MESSAGE_FORMAT_JSON = 2;
const MODE_ASYNCHRONOUS = 1;
const STAGE_POST_OPERATION = 40;

export interface WebhookRegistration {
  /** The service endpoint's name (one per bcsync installation). */
  name: string;
  url: string;
  /** Sent by Dataverse as `?code=` on every post; bcsync refuses posts without it. */
  key: string;
  /** Logical names of the tables whose changes are posted. */
  tables: readonly string[];
}

export interface WebhookRegistrationReport {
  serviceEndpointId: string;
  stepsCreated: number;
  stepsKept: number;
  stepsRemoved: number;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const stepName = (endpoint: string, message: string, table: string) => `${endpoint}: ${message} of ${table}`;

async function firstRow(
  dv: DataverseClient,
  entitySet: string,
  filter: string,
  select: string[],
): Promise<Result<Record<string, unknown> | undefined>> {
  for await (const page of dv.pages(entitySet, { filter, select, top: 1 })) {
    if (!page.ok) return page;
    return ok(page.value.rows[0]);
  }
  return ok(undefined);
}

export async function registerDataverseWebhook(
  dv: DataverseClient,
  registration: WebhookRegistration,
): Promise<Result<WebhookRegistrationReport>> {
  const endpointFields = {
    url: registration.url,
    authtype: AUTH_WEBHOOK_KEY,
    authvalue: registration.key,
    messageformat: MESSAGE_FORMAT_JSON,
  };
  const found = await firstRow(dv, "serviceendpoints", `name eq ${quote(registration.name)}`, ["serviceendpointid"]);
  if (!found.ok) return found;
  let endpointId = found.value?.serviceendpointid as string | undefined;
  if (endpointId) {
    const updated = await dv.update("serviceendpoints", endpointId, endpointFields);
    if (!updated.ok) return updated;
  } else {
    const created = await dv.create("serviceendpoints", {
      name: registration.name,
      description: "bcsync: changes to mapped tables wake their synchronization",
      contract: CONTRACT_WEBHOOK,
      ...endpointFields,
    });
    if (!created.ok) return created;
    endpointId = created.value.id as string;
  }

  const existing = new Map<string, string>();
  for await (const page of dv.pages("sdkmessageprocessingsteps", {
    filter: `_eventhandler_value eq ${endpointId}`,
    select: ["sdkmessageprocessingstepid", "name"],
  })) {
    if (!page.ok) return page;
    for (const row of page.value.rows) existing.set(String(row.name), String(row.sdkmessageprocessingstepid));
  }

  const wanted = new Set<string>();
  let stepsCreated = 0;
  let stepsKept = 0;
  for (const message of WEBHOOK_MESSAGES) {
    const sdkMessage = await firstRow(dv, "sdkmessages", `name eq ${quote(message)}`, ["sdkmessageid"]);
    if (!sdkMessage.ok) return sdkMessage;
    const messageId = sdkMessage.value?.sdkmessageid as string | undefined;
    if (!messageId) continue;
    for (const table of registration.tables) {
      const name = stepName(registration.name, message, table);
      wanted.add(name);
      if (existing.has(name)) {
        stepsKept++;
        continue;
      }
      const filter = await firstRow(
        dv,
        "sdkmessagefilters",
        `primaryobjecttypecode eq ${quote(table)} and _sdkmessageid_value eq ${messageId}`,
        ["sdkmessagefilterid"],
      );
      if (!filter.ok) return filter;
      const filterId = filter.value?.sdkmessagefilterid as string | undefined;
      if (!filterId) continue; // the table has no filter for this message: it cannot be watched this way
      const created = await dv.create("sdkmessageprocessingsteps", {
        name,
        mode: MODE_ASYNCHRONOUS,
        stage: STAGE_POST_OPERATION,
        rank: 1,
        asyncautodelete: true,
        supporteddeployment: 0,
        "sdkmessageid@odata.bind": `/sdkmessages(${messageId})`,
        "sdkmessagefilterid@odata.bind": `/sdkmessagefilters(${filterId})`,
        "eventhandler_serviceendpoint@odata.bind": `/serviceendpoints(${endpointId})`,
      });
      if (!created.ok) return created;
      stepsCreated++;
    }
  }
  let stepsRemoved = 0;
  for (const [name, id] of existing) {
    if (wanted.has(name)) continue;
    const removed = await dv.delete("sdkmessageprocessingsteps", id);
    if (!removed.ok) return removed;
    stepsRemoved++;
  }
  return ok({ serviceEndpointId: endpointId, stepsCreated, stepsKept, stepsRemoved });
}
