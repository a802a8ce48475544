// Seeds: every environment has the platform rows (organization, root business unit, default team, base
// currency USD, roles, the demo application users); `demo` adds a believable Sales org; `scale:N` adds N
// accounts and N contacts, generated deterministically in one transaction.
import type { SeedSpec } from "../../contracts.ts";
import { DEMO_ADMIN_APP, DEMO_APPS, DEMO_SALES_USER_ID, DEMO_USER_ACCOUNTS } from "../../identity/demo-apps.ts";
import { seededRandom } from "../../runtime/faults.ts";
import type { Model } from "../model.ts";
import { type Caller, LOOKUP_TYPE, type Records, type WriteContext } from "../records.ts";
import { DEPTH_MASK, grant, seedPrivileges } from "../security.ts";
import {
  DEFAULT_PRICE_LIST_ID,
  DEFAULT_TEAM_ID,
  DEFAULT_UNIT_GROUP_ID,
  EUR_CURRENCY_ID,
  INTEGRATION_ROLE_ID,
  ORGANIZATION_ID,
  ROOT_BUSINESS_UNIT_ID,
  SALESPERSON_ROLE_ID,
  SYSTEM_ADMINISTRATOR_ROLE_ID,
  seedId,
  USD_CURRENCY_ID,
} from "./ids.ts";

/** The SYSTEM user that owns platform rows. */
export const SYSTEM_USER_ID = seedId("systemuser:SYSTEM");

export const DEMO_SALESPEOPLE = [
  { id: seedId("systemuser:alicia"), firstname: "Alicia", lastname: "Thomber", email: "alicia@contoso.example" },
  { id: seedId("systemuser:nestor"), firstname: "Nestor", lastname: "Wilke", email: "nestor@contoso.example" },
  { id: seedId("systemuser:patti"), firstname: "Patti", lastname: "Fernandez", email: "patti@contoso.example" },
] as const;

export function seedStore(records: Records, model: Model, spec: SeedSpec, serviceRoot: URL, randomSeed = 1): void {
  const meta = records.store.table("__meta");
  if (meta.get("seeded")) return;
  const system: Caller = { userId: SYSTEM_USER_ID, callingUserId: SYSTEM_USER_ID };
  const ctx: WriteContext = { caller: system, now: new Date(), serviceRoot };
  const t = (name: string) => model.table(name);
  records.transaction(() => {
    const put = (table: string, row: Record<string, unknown>) => records.create(t(table), row, ctx);
    // The organization and root business unit reference each other; write raw rows first, then stamp.
    records.store.table("organization").put(ORGANIZATION_ID, {
      organizationid: ORGANIZATION_ID,
      name: "Contoso (emulated)",
      expirechangetrackingindays: 7,
      versionnumber: 0,
    });
    put("businessunit", { businessunitid: ROOT_BUSINESS_UNIT_ID, name: "contoso" });
    put("systemuser", {
      systemuserid: SYSTEM_USER_ID,
      firstname: "",
      lastname: "SYSTEM",
      accessmode: 3,
      "businessunitid@odata.bind": `/businessunits(${ROOT_BUSINESS_UNIT_ID})`,
    });
    put("transactioncurrency", {
      transactioncurrencyid: USD_CURRENCY_ID,
      currencyname: "US Dollar",
      isocurrencycode: "USD",
      currencysymbol: "$",
      currencyprecision: 2,
      exchangerate: 1,
    });
    const org = records.store.table("organization").get(ORGANIZATION_ID) ?? {};
    records.store.table("organization").put(ORGANIZATION_ID, {
      ...org,
      _basecurrencyid_value: USD_CURRENCY_ID,
      [`_basecurrencyid_value${LOOKUP_TYPE}`]: "transactioncurrency",
    });
    put("team", {
      teamid: DEFAULT_TEAM_ID,
      name: "contoso",
      teamtype: 0,
      "businessunitid@odata.bind": `/businessunits(${ROOT_BUSINESS_UNIT_ID})`,
    });
    const bu = `/businessunits(${ROOT_BUSINESS_UNIT_ID})`;
    put("role", {
      roleid: SYSTEM_ADMINISTRATOR_ROLE_ID,
      name: "System Administrator",
      "businessunitid@odata.bind": bu,
    });
    put("role", { roleid: SALESPERSON_ROLE_ID, name: "Salesperson", "businessunitid@odata.bind": bu });
    put("role", { roleid: INTEGRATION_ROLE_ID, name: "bcsync Integration", "businessunitid@odata.bind": bu });
    // Privileges of the served tables; System Administrator holds them all at organization (Global) depth.
    const privileges = seedPrivileges(records, model, ctx);
    grant(
      records,
      SYSTEM_ADMINISTRATOR_ROLE_ID,
      [...privileges.values()].map((id) => [id, DEPTH_MASK.Global]),
    );
    for (const app of DEMO_APPS) {
      if (!app.dataverseUserId) continue;
      put("systemuser", {
        systemuserid: app.dataverseUserId,
        firstname: "#",
        lastname: app.displayName,
        applicationid: app.clientId,
        accessmode: 4,
        internalemailaddress: `${app.clientId}@contoso.example`,
        "businessunitid@odata.bind": bu,
      });
      // Application users hold no license and are integration users (non-interactive, accessmode 4).
      setPlatformColumns(records, model, app.dataverseUserId, { islicensed: false, isintegrationuser: true });
      const role = app.clientId === DEMO_ADMIN_APP.clientId ? SYSTEM_ADMINISTRATOR_ROLE_ID : INTEGRATION_ROLE_ID;
      records.associate(
        t("systemuser"),
        app.dataverseUserId,
        "systemuserroles_association",
        { table: t("role"), id: role },
        ctx,
      );
    }
    for (const account of DEMO_USER_ACCOUNTS) {
      // A user account the legacy connection string signs in with (S20): a non-interactive user (accessmode 4)
      // holding the integration role, found by its Entra object id.
      put("systemuser", {
        systemuserid: account.dataverseUserId,
        firstname: "bcsync",
        lastname: "integration (user account)",
        domainname: account.userPrincipalName,
        internalemailaddress: account.userPrincipalName,
        azureactivedirectoryobjectid: account.objectId,
        accessmode: 4,
        "businessunitid@odata.bind": bu,
      });
      setPlatformColumns(records, model, account.dataverseUserId, { islicensed: false, isintegrationuser: true });
      records.associate(
        t("systemuser"),
        account.dataverseUserId,
        "systemuserroles_association",
        { table: t("role"), id: INTEGRATION_ROLE_ID },
        ctx,
      );
    }
    setPlatformColumns(records, model, SYSTEM_USER_ID, { islicensed: false, isintegrationuser: false });
    if (spec === "demo") seedDemo(records, model, ctx);
    const scale = /^scale:(\d+)$/.exec(spec);
    if (scale) seedScale(records, model, ctx, Number(scale[1]), randomSeed);
    meta.put("seeded", { spec });
  });
}

function seedDemo(records: Records, model: Model, ctx: WriteContext): void {
  const put = (table: string, row: Record<string, unknown>) => records.create(model.table(table), row, ctx);
  const bu = `/businessunits(${ROOT_BUSINESS_UNIT_ID})`;
  put("transactioncurrency", {
    transactioncurrencyid: EUR_CURRENCY_ID,
    currencyname: "Euro",
    isocurrencycode: "EUR",
    currencysymbol: "€",
    currencyprecision: 2,
    exchangerate: 0.92,
  });
  put("systemuser", {
    systemuserid: DEMO_SALES_USER_ID,
    firstname: "Dana",
    lastname: "Birkby",
    internalemailaddress: "dana@contoso.example",
    domainname: "dana@contoso.example",
    azureactivedirectoryobjectid: seedId("aad:dana"),
    title: "Sales Manager",
    islicensed: true,
    "businessunitid@odata.bind": bu,
  });
  setPlatformColumns(records, model, DEMO_SALES_USER_ID, { isintegrationuser: false });
  records.associate(
    model.table("systemuser"),
    DEMO_SALES_USER_ID,
    "systemuserroles_association",
    { table: model.table("role"), id: SALESPERSON_ROLE_ID },
    ctx,
  );
  for (const p of DEMO_SALESPEOPLE) {
    put("systemuser", {
      systemuserid: p.id,
      firstname: p.firstname,
      lastname: p.lastname,
      internalemailaddress: p.email,
      domainname: p.email,
      azureactivedirectoryobjectid: seedId(`aad:${p.id}`),
      title: "Account Manager",
      islicensed: true,
      "businessunitid@odata.bind": bu,
    });
    setPlatformColumns(records, model, p.id, { isintegrationuser: false });
    records.associate(
      model.table("systemuser"),
      p.id,
      "systemuserroles_association",
      { table: model.table("role"), id: SALESPERSON_ROLE_ID },
      ctx,
    );
  }
  put("uomschedule", { uomscheduleid: DEFAULT_UNIT_GROUP_ID, name: "Default Unit", baseuomname: "Primary Unit" });
  put("pricelevel", {
    pricelevelid: DEFAULT_PRICE_LIST_ID,
    name: "Default Price List",
    "transactioncurrencyid@odata.bind": `/transactioncurrencies(${USD_CURRENCY_ID})`,
  });
  const owner = (i: number) => `/systemusers(${[DEMO_SALES_USER_ID, ...DEMO_SALESPEOPLE.map((p) => p.id)][i % 4]})`;
  const accounts = [
    ["Adatum Corporation", "Seattle", "US"],
    ["Fabrikam, Inc.", "Redmond", "US"],
    ["Trey Research", "London", "GB"],
    ["Alpine Ski House", "Innsbruck", "AT"],
    ["Coho Winery", "Napa", "US"],
  ];
  accounts.forEach(([name, city, country], i) => {
    put("account", {
      accountid: seedId(`account:${i}`),
      name,
      address1_city: city,
      address1_country: country,
      telephone1: `+1 555 010${i}`,
      customertypecode: 3,
      "ownerid@odata.bind": owner(i),
    });
  });
  const people = [
    ["Yvonne", "McKay"],
    ["Susanna", "Stubberod"],
    ["Nancy", "Anderson"],
    ["Maria", "Campbell"],
    ["Sidney", "Higa"],
    ["Scott", "Konersmann"],
    ["Robert", "Lyon"],
    ["Paul", "Cannon"],
  ];
  people.forEach(([firstname, lastname], i) => {
    put("contact", {
      contactid: seedId(`contact:${i}`),
      firstname,
      lastname,
      emailaddress1: `${firstname.toLowerCase()}@example.com`,
      "parentcustomerid_account@odata.bind": `/accounts(${seedId(`account:${i % accounts.length}`)})`,
      "ownerid@odata.bind": owner(i),
    });
  });
  ["Interested in 20 bikes", "Needs a quote for ski gear", "Wine distribution", "Office furniture refresh"].forEach(
    (subject, i) => {
      put("lead", {
        leadid: seedId(`lead:${i}`),
        subject,
        firstname: ["Jim", "Kim", "Lee", "Max"][i],
        lastname: ["Glynn", "Abercrombie", "Oliver", "Stevens"][i],
        companyname: ["Wide World Importers", "Litware, Inc.", "Northwind Traders", "Proseware, Inc."][i],
        "ownerid@odata.bind": owner(i),
      });
    },
  );
  ["10 mountain bikes", "Ski rental fleet", "Cellar expansion"].forEach((name, i) => {
    put("opportunity", {
      opportunityid: seedId(`opportunity:${i}`),
      name,
      estimatedvalue: [12000, 45000, 8000][i],
      "customerid_account@odata.bind": `/accounts(${seedId(`account:${i}`)})`,
      "pricelevelid@odata.bind": `/pricelevels(${DEFAULT_PRICE_LIST_ID})`,
      "ownerid@odata.bind": owner(i),
    });
  });
}

const FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lena"];
const LAST = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen"];
const CITIES = ["Seattle", "Austin", "Boston", "Denver", "Chicago", "Miami", "Portland", "Atlanta"];

function seedScale(records: Records, model: Model, ctx: WriteContext, n: number, randomSeed: number): void {
  const random = seededRandom(randomSeed);
  const account = model.table("account");
  const contact = model.table("contact");
  for (let i = 0; i < n; i++) {
    const accountId = seedId(`scale:account:${i}`);
    records.create(
      account,
      {
        accountid: accountId,
        name: `Scale Account ${String(i).padStart(6, "0")}`,
        accountnumber: `SA-${String(i).padStart(6, "0")}`,
        address1_city: CITIES[Math.floor(random() * CITIES.length)],
        creditlimit: Math.round(random() * 100_000),
      },
      ctx,
    );
    records.create(
      contact,
      {
        contactid: seedId(`scale:contact:${i}`),
        firstname: FIRST[Math.floor(random() * FIRST.length)],
        lastname: LAST[Math.floor(random() * LAST.length)],
        emailaddress1: `contact${i}@scale.example`,
        "parentcustomerid_account@odata.bind": `/accounts(${accountId})`,
      },
      ctx,
    );
  }
}

/** Writes platform-set (read-only) columns of a seeded row directly, keeping its version. */
function setPlatformColumns(records: Records, model: Model, id: string, values: Record<string, unknown>): void {
  const users = model.table("systemuser");
  const row = records.get(users, id);
  if (row) records.rows(users).put(id, { ...row, ...values });
}
