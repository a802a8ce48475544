import { describe, expect, it } from "vitest";
import { integrationDefaults } from "./defaults/index.ts";
import { defaultJobQueueEntries } from "./jobs.ts";
import { businessCentralRecordUrl, dataverseRecordUrl } from "./links.ts";
import { defaultOptionsOf, jobSwitchesOf, parseIntegrationSettings, salesOrderIntegrationEnabled } from "./settings.ts";

describe("integration settings (S5, S7)", () => {
  it("defaults: connection on, solution installed, unit groups on, no sales order mode", () => {
    const r = parseIntegrationSettings({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      enabled: true,
      installSolution: true,
      itemAvailability: false,
      legacySalesOrders: false,
      bidirectionalSalesOrders: false,
      unitGroupsEnabled: true,
      ownershipModel: "person",
    });
  });

  it("refuses legacy and bidirectional sales orders together with a catalogued error (S5)", () => {
    const r = parseIntegrationSettings({ legacySalesOrders: true, bidirectionalSalesOrders: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("BCSYNC_E_INTEGRATION_SALES_ORDER_MODES_EXCLUSIVE");
    expect(r.error.fix).toContain("--bidirectional-sales-orders");
  });

  it("automatically creating sales orders needs the legacy mode (S7, S9)", () => {
    const bad = parseIntegrationSettings({ sales: { autoCreateSalesOrders: true } });
    expect(!bad.ok && bad.error.code).toBe("BCSYNC_E_INTEGRATION_AUTO_CREATE_NEEDS_LEGACY");
    const good = parseIntegrationSettings({ legacySalesOrders: true, sales: { autoCreateSalesOrders: true } });
    expect(good.ok).toBe(true);
    if (good.ok) expect(salesOrderIntegrationEnabled(good.value)).toBe(true);
  });

  it("names the broken key of an invalid value", () => {
    const r = parseIntegrationSettings({ salesUrl: "not a url" });
    expect(!r.ok && r.error.code).toBe("BCSYNC_E_INTEGRATION_SETTINGS_INVALID");
    expect(!r.ok && r.error.message).toContain("salesUrl");
  });

  it("item availability switches on its 30-minute job; bidirectional orders their archive job (S8, S19)", () => {
    const r = parseIntegrationSettings({ itemAvailability: true, bidirectionalSalesOrders: true });
    if (!r.ok) throw r.error;
    const options = defaultOptionsOf(r.value);
    const kinds = defaultJobQueueEntries(integrationDefaults(options), options, jobSwitchesOf(r.value)).map(
      (e) => e.kind,
    );
    expect(kinds).toContain("item-availability");
    expect(kinds).toContain("archived-sales-orders");
    expect(kinds).not.toContain("sales-order-status");
  });
});

describe("deep links to coupled records (S6)", () => {
  it("opens a Dataverse row in Sales", () => {
    expect(
      dataverseRecordUrl("https://contoso.crm4.dynamics.com/", "account", "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"),
    ).toBe(
      "https://contoso.crm4.dynamics.com/main.aspx?etn=account&id=3f2504e0-4f89-11d3-9a0c-0305e82c3301&pagetype=entityrecord",
    );
  });

  it("opens a BC record in the web client, filtered to its key", () => {
    const url = businessCentralRecordUrl(
      "https://businesscentral.dynamics.com/tenant/production",
      "CRONUS Danmark A/S",
      "customers",
      { number: "10000" },
    );
    const parsed = new URL(url!);
    expect(parsed.searchParams.get("company")).toBe("CRONUS Danmark A/S");
    expect(parsed.searchParams.get("page")).toBe("21");
    expect(parsed.searchParams.get("filter")).toBe("'No.' IS '10000'");
    expect(businessCentralRecordUrl("https://x", "c", "unknownSet", { number: "1" })).toBeUndefined();
  });
});

describe("legacy connection string (S20)", () => {
  it("takes the Dataverse URL, the app id and the user; the password only for the user's secret file", async () => {
    const { optionsFromConnectionString } = await import("../cli/commands/setup.ts");
    const o = optionsFromConnectionString({
      config: "c.json",
      data: ".bcsync",
      connectionString:
        "AuthType=OAuth;Username=jsmith@contoso.onmicrosoft.com;Password=secret!;Url=https://contosotest.crm.dynamics.com;AppId=3f6c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a0f9;RedirectUri=app://3f6c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a0f9;TokenCacheStorePath=;LoginPrompt=Auto",
    });
    expect(o.dataverseUrl).toBe("https://contosotest.crm.dynamics.com");
    expect(o.clientId).toBe("3f6c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a0f9");
    expect(o.dataverseUser).toEqual({
      username: "jsmith@contoso.onmicrosoft.com",
      password: "secret!",
      appId: "3f6c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a0f9",
    });
    expect(JSON.stringify({ ...o, connectionString: undefined, dataverseUser: undefined })).not.toContain("secret!");
  });
});
