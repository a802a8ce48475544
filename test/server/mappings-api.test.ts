// Issue 11's API list, "mappings and field mappings (read, edit, export/import, reset)": each route with inject() and
// an API token against the emulators. An edit takes effect in the running service at once: a field switched off
// stops flowing in the next run; a bad edit changes nothing; reset restores the defaults only when confirmed.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coupleDemoSalespeople } from "../../src/integration/demo.ts";
import { syncMappings } from "../../src/integration/sync.ts";
import { createApiToken, ensureAdminAccount } from "../../src/server/auth/accounts.ts";
import { type Harness, startIntegration } from "../integration/helpers.ts";
import { buildTestServer } from "./helpers.ts";

let h: Harness;
let app: FastifyInstance;
let token: string;
/** The CUSTOMER mapping's Dataverse filter as setup left it (defaults plus the company filter). */
let defaultCustomerFilter: string | undefined;

beforeAll(async () => {
  h = await startIntegration();
  await coupleDemoSalespeople(h.ctx);
  await syncMappings(h.ctx, { names: [], full: true });
  const admin = await ensureAdminAccount(h.ctx.store);
  if (!admin) throw new Error("no admin made");
  token = await createApiToken(h.ctx.store, admin.username, "mappings-api test");
  app = await buildTestServer(h.ctx);
  defaultCustomerFilter = customerMapping()?.dataverse.filter;
}, 180_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

async function api(method: "GET" | "POST" | "PATCH", url: string, payload?: unknown) {
  const r = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: r.statusCode, text: r.body, json: () => r.json() };
}

const customerMapping = () => h.ctx.mappings.find((m) => m.name === "CUSTOMER");
const websiteField = () => customerMapping()?.fields.find((f) => f.bcField === "website");

async function coupledCustomer(): Promise<{ bcId: string; accountId: string }> {
  for await (const c of h.ctx.store.couplings.iterate("CUSTOMER")) return { bcId: c.bcId, accountId: c.dataverseId };
  throw new Error("no coupled customer");
}

describe("table mappings through the REST API", () => {
  it("exports every mapping as YAML or JSON, in the file format `bcsync mappings import` reads", async () => {
    const yaml = await api("GET", "/mappings/export");
    expect(yaml.status).toBe(200);
    expect(yaml.text).toContain("name: CUSTOMER");
    const json = await api("GET", "/mappings/export?format=json");
    const names = (JSON.parse(json.text).mappings ?? JSON.parse(json.text)).map((m: { name: string }) => m.name);
    expect(names).toContain("CUSTOMER");
    expect(names.length).toBe(h.ctx.mappings.length);
  });

  it("a field switched off stops flowing in the next run, without a restart", async () => {
    const r = await api("PATCH", "/mappings/CUSTOMER", { fields: [{ field: "website|websiteurl", enabled: false }] });
    expect(r.status, r.text).toBe(200);
    expect(websiteField()?.enabled).toBe(false);
    const customer = await coupledCustomer();
    const scope = h.ctx.businessCentral.company(h.ctx.companyId);
    const changed = await scope.update(
      "customers",
      customer.bcId,
      { website: "https://off.example", phoneNumber: "555-0777" },
      "*",
    );
    if (!changed.ok) throw changed.error;
    await syncMappings(h.ctx, { names: ["CUSTOMER"] });
    const account = await h.ctx.dataverse.retrieve("accounts", customer.accountId, {
      select: ["websiteurl", "telephone1"],
    });
    if (!account.ok) throw account.error;
    expect(account.value?.telephone1).toBe("555-0777"); // the rest of the mapping still flows
    expect(account.value?.websiteurl).not.toBe("https://off.example");
  });

  it("edits filters and directions; an invalid edit is refused with a catalogued error and changes nothing", async () => {
    const ok = await api("PATCH", "/mappings/CUSTOMER", {
      dataverseFilter: "statecode eq 0 and customertypecode eq 3 and address1_city ne null",
      fields: [{ field: "phoneNumber|telephone1", direction: "toDataverse" }],
    });
    expect(ok.status, ok.text).toBe(200);
    expect(customerMapping()?.dataverse.filter).toContain("address1_city ne null");
    // The company condition stays, typed or not: other companies' accounts remain out of reach.
    const company = defaultCustomerFilter?.match(
      /\(_bcbi_companyid_value eq [0-9a-f-]+ or _bcbi_companyid_value eq null\)/,
    )?.[0];
    expect(company).toBeTruthy();
    expect(customerMapping()?.dataverse.filter).toContain(String(company));
    expect(customerMapping()?.fields.find((f) => f.bcField === "phoneNumber")?.direction).toBe("toDataverse");

    const before = JSON.stringify(customerMapping());
    const unknownField = await api("PATCH", "/mappings/CUSTOMER", { fields: [{ field: "nope|nope", enabled: false }] });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json().error.code).toBe("BCSYNC_E_SERVER_MAPPING_EDIT_INVALID");
    // A one-way mapping cannot hold a field flowing the other way.
    const wrongWay = await api("PATCH", "/mappings/CURRENCY", {
      fields: [{ field: firstFieldKey("CURRENCY"), direction: "fromDataverse" }],
    });
    expect(wrongWay.status).toBe(400);
    expect(wrongWay.json().error.message).toMatch(/not allowed in a toDataverse mapping/);
    expect(JSON.stringify(customerMapping())).toBe(before);
    const missing = await api("PATCH", "/mappings/NO-SUCH-MAPPING", { direction: "toDataverse" });
    expect(missing.status).toBe(404);
  });

  it("imports a mapping file's text; a broken one is refused and nothing is stored", async () => {
    const exported = (await api("GET", "/mappings/export")).text;
    const bad = await api("POST", "/mappings/import", { text: "mappings: [ { name: X } ]" });
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe("BCSYNC_E_INTEGRATION_MAPPING_FILE_INVALID");
    const good = await api("POST", "/mappings/import", { text: exported });
    expect(good.status, good.text).toBe(200);
    expect(good.json().imported).toContain("CUSTOMER");
  });

  it("an imported file that drops a company-scoped table's company condition gets it back (issue 10.19)", async () => {
    const scoped = customerMapping()?.dataverse;
    const company = scoped?.filter?.match(
      /\(_bcbi_companyid_value eq [0-9a-f-]+ or _bcbi_companyid_value eq null\)/,
    )?.[0];
    const bind = scoped?.createValues?.["bcbi_companyid@odata.bind"];
    expect(company && bind).toBeTruthy();
    const file = JSON.parse((await api("GET", "/mappings/export?format=json")).text);
    const list: { name: string; dataverse: { filter?: string; createValues?: Record<string, unknown> } }[] =
      file.mappings ?? file;
    const customer = list.find((m) => m.name === "CUSTOMER")!;
    customer.dataverse.filter = "statecode eq 0"; // hand-edited: the company condition is gone
    delete customer.dataverse.createValues;
    const imported = await api("POST", "/mappings/import", { text: JSON.stringify(file), format: "json" });
    expect(imported.status, imported.text).toBe(200);
    // Without it, this company's runs would couple and rewrite the accounts of every other company.
    expect(customerMapping()?.dataverse.filter).toBe(`(statecode eq 0) and ${company}`);
    expect(customerMapping()?.dataverse.createValues?.["bcbi_companyid@odata.bind"]).toBe(bind);
    const stored = (await h.ctx.store.mappings.list()).find((m) => m.name === "CUSTOMER");
    expect(JSON.stringify(stored)).toContain(String(company));
  });

  it("reset restores the defaults only when confirmed, exporting the edited ones first", async () => {
    const refused = await api("POST", "/mappings/reset", {});
    expect(refused.status).toBe(409);
    expect(refused.json().error.code).toBe("BCSYNC_E_INTEGRATION_RESET_NOT_CONFIRMED");
    expect(websiteField()?.enabled).toBe(false);
    const reset = await api("POST", "/mappings/reset", { confirm: true });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.json().exportedTo).toBeTruthy();
    expect(websiteField()?.enabled).toBe(true);
    expect(customerMapping()?.dataverse.filter).toBe(defaultCustomerFilter);
  });
});

/** The key of a mapping's first field (`name` or `bcField|dataverseField`), as the API names fields. */
function firstFieldKey(mapping: string): string {
  const f = h.ctx.mappings.find((m) => m.name === mapping)?.fields[0];
  return f?.name ?? `${f?.bcField ?? ""}|${f?.dataverseField ?? ""}`;
}
