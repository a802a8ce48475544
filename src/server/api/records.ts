// The emulator record editor (demo mode only: registered when the service runs against the local emulators). A
// person lists and edits customers and items in Business Central and accounts and products in Sales, then watches
// the change arrive on the other side. An edit must look like a person's change, never like the integration's own
// write (the planner ignores those): in Dataverse it is made as the demo Sales user (impersonation, so `modifiedby`
// is that user); in Business Central the integration recognizes its own writes by the ETag it wrote, so any edit
// here is a new version it syncs. After an edit the mappings reading that table are woken, so it arrives now
// instead of at the next interval.

import type { FastifyPluginAsync } from "fastify";
import { bcsyncError, SERVER_BAD_REQUEST, SERVER_NOT_FOUND } from "../../errors/catalogue.ts";
import type { ApiPluginOptions } from "./deps.ts";

export type EditorSide = "bc" | "dataverse";

export interface EditableField {
  name: string;
  label: string;
  type: "string" | "number";
}

export interface EditableTable {
  side: EditorSide;
  entitySet: string;
  label: string;
  keyField: string;
  /** Shown as the record's number; not editable (it is the record's key for people). */
  numberField: string;
  fields: EditableField[];
}

/** Set by the demo: who the Dataverse edits are made as. */
export interface RecordEditorDeps {
  /** systemuserid of a human Sales user (not the integration's application user). */
  dataverseUserId: string;
}

const text = (name: string, label: string): EditableField => ({ name, label, type: "string" });
const amount = (name: string, label: string): EditableField => ({ name, label, type: "number" });

/** The tables the editor offers, with fields the default mappings synchronize. */
export const EDITABLE_TABLES: EditableTable[] = [
  {
    side: "bc",
    entitySet: "customers",
    label: "Business Central customers",
    keyField: "id",
    numberField: "number",
    fields: [
      text("displayName", "Name"),
      text("phoneNumber", "Phone"),
      text("email", "Email"),
      text("website", "Website"),
      text("city", "City"),
    ],
  },
  {
    side: "bc",
    entitySet: "items",
    label: "Business Central items",
    keyField: "id",
    numberField: "number",
    fields: [text("displayName", "Description"), amount("unitPrice", "Unit price")],
  },
  {
    side: "dataverse",
    entitySet: "accounts",
    label: "Sales accounts",
    keyField: "accountid",
    numberField: "accountnumber",
    fields: [
      text("name", "Name"),
      text("telephone1", "Phone"),
      text("emailaddress1", "Email"),
      text("websiteurl", "Website"),
      text("address1_city", "City"),
    ],
  },
  {
    side: "dataverse",
    entitySet: "products",
    label: "Sales products",
    keyField: "productid",
    numberField: "productnumber",
    fields: [text("name", "Name"), text("description", "Description")],
  },
];

const tableParams = {
  type: "object",
  required: ["side", "entitySet"],
  properties: { side: { type: "string", enum: ["bc", "dataverse"] }, entitySet: { type: "string", minLength: 1 } },
} as const;

const recordRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const editor = deps.recordEditor;
  if (!editor) return;
  const { ctx } = deps;
  const bc = () => ctx.businessCentral.company(ctx.companyId);
  const asSalesUser = { impersonate: { callerId: editor.dataverseUserId } };

  const tableOf = (side: string, entitySet: string): EditableTable => {
    const table = EDITABLE_TABLES.find((t) => t.side === side && t.entitySet === entitySet);
    if (!table) throw bcsyncError(SERVER_NOT_FOUND, { what: `Editable table ${side}/${entitySet}` });
    return table;
  };
  const select = (table: EditableTable) => [table.keyField, table.numberField, ...table.fields.map((f) => f.name)];

  app.get(
    "/emulator/tables",
    { schema: { tags: ["emulator"], summary: "Demo mode: the emulator tables the record editor lists and edits" } },
    async () => EDITABLE_TABLES,
  );

  app.get<{ Params: { side: EditorSide; entitySet: string }; Querystring: { limit?: number } }>(
    "/emulator/:side/:entitySet",
    {
      schema: {
        tags: ["emulator"],
        summary: "Demo mode: records of an emulator table, by number",
        params: tableParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
        },
      },
    },
    async (request) => {
      const table = tableOf(request.params.side, request.params.entitySet);
      const query = { select: select(table), orderby: table.numberField, top: request.query.limit ?? 50 };
      const pages =
        table.side === "bc" ? bc().pages(table.entitySet, query) : ctx.dataverse.pages(table.entitySet, query);
      const rows: Record<string, unknown>[] = [];
      for await (const page of pages) {
        if (!page.ok) throw page.error;
        rows.push(...page.value.rows);
        if (rows.length >= query.top) break;
      }
      return rows.slice(0, query.top).map((row) => ({
        id: String(row[table.keyField]),
        number: row[table.numberField] ?? null,
        values: Object.fromEntries(table.fields.map((f) => [f.name, row[f.name] ?? null])),
      }));
    },
  );

  app.patch<{ Params: { side: EditorSide; entitySet: string; id: string }; Body: Record<string, unknown> }>(
    "/emulator/:side/:entitySet/:id",
    {
      schema: {
        tags: ["emulator"],
        summary:
          "Demo mode: change a record as a person would (in Sales as the demo Sales user); the mappings reading the table run now",
        params: {
          type: "object",
          required: ["side", "entitySet", "id"],
          properties: { ...tableParams.properties, id: { type: "string", minLength: 1 } },
        },
        body: {
          type: "object",
          minProperties: 1,
          additionalProperties: { anyOf: [{ type: "string" }, { type: "number" }, { type: "null" }] },
        },
      },
    },
    async (request) => {
      const table = tableOf(request.params.side, request.params.entitySet);
      const changes: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(request.body)) {
        const field = table.fields.find((f) => f.name === name);
        if (!field)
          throw bcsyncError(SERVER_BAD_REQUEST, {
            reason: `the record editor does not change ${name} of ${table.entitySet}; it changes ${table.fields.map((f) => f.name).join(", ")}`,
          });
        if (field.type === "number" && value !== null && value !== "") {
          const number = Number(value);
          if (!Number.isFinite(number))
            throw bcsyncError(SERVER_BAD_REQUEST, { reason: `${field.label} must be a number, not ${String(value)}` });
          changes[name] = number;
        } else changes[name] = value;
      }
      const written =
        table.side === "bc"
          ? await bc().update(table.entitySet, request.params.id, changes, "*")
          : await ctx.dataverse.update(table.entitySet, request.params.id, changes, asSalesUser);
      if (!written.ok) throw written.error;
      const woken = ctx.mappings
        .filter((m) => m.kind === "table")
        .filter((m) => (table.side === "bc" ? m.bc.entitySet : m.dataverse.entitySet) === table.entitySet)
        .map((m) => m.name);
      for (const name of woken) deps.wake(name);
      return { id: request.params.id, changed: Object.keys(changes), woken };
    },
  );
};

export default recordRoutes;
