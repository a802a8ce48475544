// Plug-in registration tables the integration solution writes to register webhooks (Dataverse "Use webhooks to
// create external handlers for server events"): a service endpoint (contract Webhook) and SDK message processing
// steps that run it asynchronously after Create/Update/Delete of a table, chosen through an SDK message filter.
import { bool, defineTable, int, lookup, pick, str } from "../schema.ts";

/** serviceendpoint.contract: 8 = Webhook (1 OneWay … 7 EventGrid). */
export const CONTRACT_WEBHOOK = 8;
/** serviceendpoint.authtype: 4 HttpHeader, 5 WebhookKey (query string `code`), 6 HttpQueryString. */
export const AUTH_HTTP_HEADER = 4;
export const AUTH_WEBHOOK_KEY = 5;
export const AUTH_HTTP_QUERY_STRING = 6;

export const sdkmessage = defineTable({
  logicalName: "sdkmessage",
  entitySet: "sdkmessages",
  primaryName: "name",
  columns: [str("name", 256, { required: true })],
  ownership: "organization",
});

export const sdkmessagefilter = defineTable({
  logicalName: "sdkmessagefilter",
  entitySet: "sdkmessagefilters",
  columns: [
    lookup("sdkmessageid", "sdkmessage", { required: true, createOnly: true }),
    str("primaryobjecttypecode", 64, { required: true }),
    str("secondaryobjecttypecode", 64),
    bool("iscustomprocessingstepallowed"),
  ],
  ownership: "organization",
});

export const plugintype = defineTable({
  logicalName: "plugintype",
  entitySet: "plugintypes",
  primaryName: "name",
  columns: [str("name", 256), str("typename", 256)],
  ownership: "organization",
});

export const serviceendpoint = defineTable({
  logicalName: "serviceendpoint",
  entitySet: "serviceendpoints",
  primaryName: "name",
  columns: [
    str("name", 256, { required: true }),
    str("description", 2000),
    str("url", 2000),
    pick("contract", [1, 2, 3, 4, 5, 6, 7, 8], { required: true }),
    pick("authtype", [0, 1, 2, 3, 4, 5, 6, 7]),
    str("authvalue", 4000),
    pick("messageformat", [1, 2, 3]),
    pick("userclaim", [1, 2]),
    str("namespaceaddress", 256),
    str("path", 160),
  ],
  ownership: "organization",
});

export const sdkmessageprocessingstep = defineTable({
  logicalName: "sdkmessageprocessingstep",
  entitySet: "sdkmessageprocessingsteps",
  primaryName: "name",
  columns: [
    str("name", 256, { required: true }),
    str("description", 256),
    lookup("sdkmessageid", "sdkmessage", { required: true }),
    lookup("sdkmessagefilterid", "sdkmessagefilter"),
    lookup("eventhandler", ["plugintype", "serviceendpoint"], { required: true }),
    /** 0 synchronous, 1 asynchronous. */
    pick("mode", [0, 1]),
    /** 10 pre-validation, 20 pre-operation, 40 post-operation. */
    pick("stage", [10, 20, 40], { required: true }),
    int("rank"),
    bool("asyncautodelete"),
    pick("supporteddeployment", [0, 1, 2]),
    str("filteringattributes", 100000),
    str("configuration", 100000),
  ],
  state: {
    enumName: "sdkmessageprocessingstep_statecode",
    states: { 0: [1], 1: [2] },
    stateNames: { 0: "Enabled", 1: "Disabled" },
    statusNames: { 1: "Enabled", 2: "Disabled" },
  },
  ownership: "organization",
});
