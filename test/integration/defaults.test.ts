// The shipped defaults held against the seed's two tables, line by line (seed S11, S12, S16, S17): the default
// table mappings with their directions and filters, and the default job queue entries with their frequencies and
// inactivity timeouts. The rows below are copied from the seed (Danish names kept) with the mapping each row is.

import { describe, expect, it } from "vitest";
import { parseMappings, serializeMappings } from "../../src/engine/model.ts";
import {
  type DefaultOptions,
  defaultMappings,
  integrationDefaults,
  UNIT_GROUP_MAPPINGS,
} from "../../src/integration/defaults/index.ts";
import { defaultJobQueueEntries } from "../../src/integration/jobs.ts";

type SeedDirection = "BC -> Sales" | "BC -> Sales og Sales -> BC";

interface SeedMappingRow {
  bc: string;
  sales: string;
  direction: SeedDirection;
  filter: string;
  mapping: string;
  /** Only present with (true) or without (false) multiple units of measure (S12); undefined = always. */
  unitGroups?: boolean;
  /** The filter as bcsync expresses it, on the side the seed names. */
  bcFilter?: string;
  salesFilter?: string;
}

// "Standardenhedstilknytning i Sales til synkronisering" — the seed's default table mapping table.
const SEED_TABLE_MAPPINGS: SeedMappingRow[] = [
  {
    bc: "Måleenhed",
    sales: "Enhedsgruppe",
    direction: "BC -> Sales",
    filter: "",
    mapping: "UNIT OF MEASURE",
    unitGroups: false,
  },
  {
    bc: "Vare",
    sales: "Produkt",
    direction: "BC -> Sales og Sales -> BC",
    filter: "Sales-kontaktfilter: Produkttype er Salg lager",
    mapping: "ITEM-PRODUCT",
    salesFilter: "producttypecode eq 1",
  },
  {
    bc: "Ressource",
    sales: "Produkt",
    direction: "BC -> Sales og Sales -> BC",
    filter: "Sales-kontaktfilter: Produkttype er Tjenester",
    mapping: "RESOURCE-PRODUCT",
    salesFilter: "producttypecode eq 3",
  },
  { bc: "Vareenhed", sales: "CRM-ENHED", direction: "BC -> Sales", filter: "", mapping: "ITEM UOM", unitGroups: true },
  {
    bc: "Ressourceenhed",
    sales: "CRM-ENHED",
    direction: "BC -> Sales",
    filter: "",
    mapping: "RESOURCE UOM",
    unitGroups: true,
  },
  {
    bc: "Enhedsgruppe",
    sales: "CRM-enhedsplan",
    direction: "BC -> Sales",
    filter: "",
    mapping: "UNIT GROUP",
    unitGroups: true,
  },
  { bc: "Debitorprisgruppe", sales: "Prisliste", direction: "BC -> Sales", filter: "", mapping: "CUSTPRCGRP-PRICE" },
  {
    bc: "Salgspris",
    sales: "Produktprisliste",
    direction: "BC -> Sales",
    filter: "BC-kontaktfilter: Salgskode er ikke tom, Salgstype er Debitorprisgruppe",
    mapping: "SALESPRC-PRODPRICE",
    bcFilter: "salesCode ne '' and salesType eq 'Customer_x0020_Price_x0020_Group'",
  },
  {
    bc: "Lead",
    sales: "Lead",
    direction: "BC -> Sales og Sales -> BC",
    filter: "",
    mapping: "LEAD",
    // BC has no lead table: bcsync's design makes a lead a contact without business relation (a prospect), so
    // this filter defines the BC side rather than narrowing it (docs/integration.md, "Leads").
    bcFilter: "type eq 'Person' and contactBusinessRelation eq 'None'",
  },
  { bc: "Salgsfakturahoved", sales: "Faktura", direction: "BC -> Sales", filter: "", mapping: "POSTEDSALESINV-INV" },
  {
    bc: "Salgsfakturalinje",
    sales: "Fakturaprodukt",
    direction: "BC -> Sales",
    filter: "",
    mapping: "POSTEDSALESLINE-INV",
  },
  {
    bc: "Salgsordrehovedet",
    sales: "Salgsordre",
    // Both ways only with "Tovejs synkronisering af salgsordrer"; checked separately below.
    direction: "BC -> Sales og Sales -> BC",
    filter: "Filter for salgshoved: Dokumenttype er Ordre, Status er Frigivet",
    mapping: "SALESORDER-ORDER",
    bcFilter: "status eq 'Released'",
  },
  {
    bc: "Bemærkninger til salgsordre",
    sales: "Bemærkninger til salgsordre",
    direction: "BC -> Sales og Sales -> BC",
    filter: "",
    mapping: "SALESORDER-NOTES",
  },
];

interface SeedJobRow {
  entry: string;
  direction: "Fra BC til Sales" | "" | "Ikke tilgængelig";
  tableMapping: string;
  frequency: number;
  inactivityTimeout: number | null;
  mapping: string | null;
  kind?: string;
}

// "Poster i standardsynkroniseringsjobkø" — the seed's default job queue entry table, in the seed's order, which
// is also the run order of "Synkroniseringsjob for en Sales-integration" (S16).
const SEED_JOB_QUEUE: SeedJobRow[] = [
  {
    entry: "MÅLEENHED",
    direction: "Fra BC til Sales",
    tableMapping: "MÅLEENHED",
    frequency: 30,
    inactivityTimeout: 720,
    mapping: "UNIT OF MEASURE",
  },
  {
    entry: "RESSOURCE-PRODUKT",
    direction: "Fra BC til Sales",
    tableMapping: "RESSOURCE-PRODUKT",
    frequency: 30,
    inactivityTimeout: 720,
    mapping: "RESOURCE-PRODUCT",
  },
  {
    entry: "VARE - PRODUKT",
    direction: "Fra BC til Sales",
    tableMapping: "VARE-PRODUKT",
    frequency: 30,
    inactivityTimeout: 1440,
    mapping: "ITEM-PRODUCT",
  },
  {
    entry: "KUNDEPRISGRUPPE -PRIS",
    direction: "",
    tableMapping: "DEBITORPRISGRUPPER-SALGSPRISLISTER",
    frequency: 30,
    inactivityTimeout: 1440,
    mapping: "CUSTPRCGRP-PRICE",
  },
  {
    entry: "SALGSPRIS- PRODUKTPRIS",
    direction: "",
    tableMapping: "PRODUKTPRIS-SALGSPRIS",
    frequency: 30,
    inactivityTimeout: 1440,
    mapping: "SALESPRC-PRODPRICE",
  },
  {
    entry: "BOGFØRTE SALGSFAKTURAER-FAKTURAER",
    direction: "Fra BC til Sales",
    tableMapping: "FAKTURAER-BOGFØRTE SALGSFAKTURAER",
    frequency: 30,
    inactivityTimeout: 1440,
    mapping: "POSTEDSALESINV-INV",
  },
  {
    entry: "Debitorstatistik",
    direction: "Ikke tilgængelig",
    tableMapping: "Ikke tilgængelig",
    frequency: 30,
    inactivityTimeout: null,
    mapping: null,
    kind: "customer-statistics",
  },
];

const WITHOUT_UNIT_GROUPS: Partial<DefaultOptions> = { unitGroupsEnabled: false };
const WITH_UNIT_GROUPS: Partial<DefaultOptions> = { unitGroupsEnabled: true };

/** The seed's table lists the order mappings, which exist only with a sales order mode on (issue 10 point 15). */
const WITH_ORDERS: Partial<DefaultOptions> = { legacySalesOrders: true };

function mappingsFor(row: SeedMappingRow) {
  return defaultMappings({ ...(row.unitGroups === false ? WITHOUT_UNIT_GROUPS : WITH_UNIT_GROUPS), ...WITH_ORDERS });
}

const expectedDirection = (d: SeedDirection) => (d === "BC -> Sales" ? "toDataverse" : "bidirectional");

describe("default table mappings against the seed's table (S11)", () => {
  it.each(SEED_TABLE_MAPPINGS.filter((r) => r.mapping !== "SALESORDER-ORDER"))(
    "$bc → $sales is $mapping, $direction",
    (row) => {
      const mapping = mappingsFor(row).find((m) => m.name === row.mapping);
      expect(mapping, `${row.mapping} shipped`).toBeDefined();
      expect(mapping?.direction).toBe(expectedDirection(row.direction));
      if (row.bcFilter) expect(mapping?.bc.filter).toBe(row.bcFilter);
      if (row.salesFilter) expect(mapping?.dataverse.filter).toContain(row.salesFilter);
      if (row.filter === "" && row.bcFilter === undefined) {
        // No seed filter: bcsync adds none on the BC side either (Sales-side state filters aside).
        expect(mapping?.bc.filter ?? "").toBe("");
      }
    },
  );

  it("Salgsordrehovedet → Salgsordre: BC → Sales, both ways only with bidirectional sales order sync (S8, S11)", () => {
    const row = SEED_TABLE_MAPPINGS.find((r) => r.mapping === "SALESORDER-ORDER")!;
    const oneWay = defaultMappings({ legacySalesOrders: true }).find((m) => m.name === row.mapping)!;
    const twoWay = defaultMappings({ bidirectionalSalesOrders: true }).find((m) => m.name === row.mapping)!;
    expect(oneWay.direction).toBe("toDataverse");
    expect(twoWay.direction).toBe(expectedDirection(row.direction));
    expect(oneWay.bc.filter).toBe(row.bcFilter);
    expect(twoWay.bc.filter).toBe(row.bcFilter);
    // The companion page holds sales headers of document type Order only.
    expect(twoWay.bc).toMatchObject({ api: "companion", entitySet: "salesOrders" });
    // Only submitted Sales orders come back to BC.
    expect(twoWay.dataverse.filter).toBe("statecode eq 1");
  });

  it("the unit, resource unit and unit group mappings exist only with multiple units of measure (S12)", () => {
    const on = defaultMappings(WITH_UNIT_GROUPS).map((m) => m.name);
    const off = defaultMappings(WITHOUT_UNIT_GROUPS).map((m) => m.name);
    for (const name of UNIT_GROUP_MAPPINGS) {
      expect(on).toContain(name);
      expect(off).not.toContain(name);
    }
    expect(off).toContain("UNIT OF MEASURE");
    expect(on).not.toContain("UNIT OF MEASURE");
  });

  it("ships every row of the seed's table and the base Dataverse mappings (S1)", () => {
    const union = new Set(
      [
        ...defaultMappings({ ...WITH_UNIT_GROUPS, ...WITH_ORDERS }),
        ...defaultMappings({ ...WITHOUT_UNIT_GROUPS, ...WITH_ORDERS }),
      ].map((m) => m.name),
    );
    for (const row of SEED_TABLE_MAPPINGS) expect(union).toContain(row.mapping);
    for (const base of [
      "SALESPEOPLE",
      "CUSTOMER",
      "VENDOR",
      "CONTACT",
      "CURRENCY",
      "PAYMENT TERMS",
      "SHIPMENT METHOD",
      "SHIPPING AGENT",
      "OPPORTUNITY",
    ]) {
      expect(union).toContain(base);
    }
  });

  it("invoice lines are children of the invoice, order lines of the order", () => {
    const all = defaultMappings({ bidirectionalSalesOrders: true });
    expect(all.find((m) => m.name === "POSTEDSALESLINE-INV")?.parent?.mapping).toBe("POSTEDSALESINV-INV");
    expect(all.find((m) => m.name === "SOLINE-ORDERDETAIL")?.parent?.mapping).toBe("SALESORDER-ORDER");
    expect(all.find((m) => m.name === "SOLINE-ORDERDETAIL")?.direction).toBe("bidirectional");
  });

  it("Team ownership drops SALESPEOPLE and every owner field", () => {
    const team = defaultMappings({ ownershipModel: "team" });
    expect(team.map((m) => m.name)).not.toContain("SALESPEOPLE");
    for (const m of team) expect(m.fields.some((f) => f.dataverseField === "ownerid")).toBe(false);
    for (const m of team) expect(m.dependsOn).not.toContain("SALESPEOPLE");
  });

  it("every dependency names a mapping of the same set", () => {
    for (const options of [WITH_UNIT_GROUPS, WITHOUT_UNIT_GROUPS, { bidirectionalSalesOrders: true }]) {
      const set = defaultMappings(options);
      const names = new Set(set.map((m) => m.name));
      for (const m of set) for (const dep of m.dependsOn) expect(names, `${m.name} depends on ${dep}`).toContain(dep);
      for (const m of set) {
        for (const f of m.fields)
          if (f.lookup)
            expect(names, `${m.name}.${f.bcField} looks up ${f.lookup.mapping}`).toContain(f.lookup.mapping);
      }
    }
  });

  it("round-trips through the engine's mapping file format", () => {
    const set = defaultMappings({ bidirectionalSalesOrders: true });
    const parsed = parseMappings(serializeMappings(set));
    expect(parsed.ok && parsed.value).toEqual(set);
  });
});

describe("default job queue entries against the seed's table (S16, S17)", () => {
  const options = { ...integrationDefaultsOptions(), unitGroupsEnabled: false };
  const entries = defaultJobQueueEntries(integrationDefaults(options), options, {
    itemAvailability: false,
    autoCreateSalesOrders: false,
    autoProcessSalesQuotes: false,
  });

  it.each(SEED_JOB_QUEUE)("$entry: every $frequency min, inactivity timeout $inactivityTimeout", (row) => {
    const entry = entries.find((e) => (row.mapping ? e.mappingName === row.mapping : e.kind === row.kind));
    expect(entry, row.entry).toBeDefined();
    expect(entry?.intervalMinutes).toBe(row.frequency);
    expect(entry?.inactivityTimeoutMinutes).toBe(row.inactivityTimeout);
    if (row.mapping && row.direction === "Fra BC til Sales") {
      const mapping = integrationDefaults(options).find((d) => d.mapping.name === row.mapping)!.mapping;
      // The seed names the job's direction BC → Sales; RESOURCE-/ITEM-PRODUCT mappings are ⇄ but their jobs push.
      expect(["toDataverse", "bidirectional"]).toContain(mapping.direction);
    }
  });

  it("the seed's six jobs run in the seed's order (S16)", () => {
    const order = entries.filter((e) => e.mappingName !== null).map((e) => e.mappingName);
    const seedOrder = SEED_JOB_QUEUE.flatMap((r) => (r.mapping ? [r.mapping] : []));
    const positions = seedOrder.map((name) => order.indexOf(name));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("with multiple units of measure the unit group jobs take the unit of measure job's place (720 min)", () => {
    const on = { ...integrationDefaultsOptions(), unitGroupsEnabled: true };
    const withGroups = defaultJobQueueEntries(integrationDefaults(on), on, {
      itemAvailability: false,
      autoCreateSalesOrders: false,
      autoProcessSalesQuotes: false,
    });
    for (const name of UNIT_GROUP_MAPPINGS) {
      expect(withGroups.find((e) => e.mappingName === name)).toMatchObject({
        intervalMinutes: 30,
        inactivityTimeoutMinutes: 720,
      });
    }
    const names = withGroups.map((e) => e.mappingName);
    expect(names.indexOf("UNIT GROUP")).toBeLessThan(names.indexOf("RESOURCE-PRODUCT"));
  });

  it("item availability runs every 30 minutes when switched on (S5, S19)", () => {
    const o = integrationDefaultsOptions();
    const withAvailability = defaultJobQueueEntries(integrationDefaults(o), o, {
      itemAvailability: true,
      autoCreateSalesOrders: false,
      autoProcessSalesQuotes: false,
    });
    expect(withAvailability.find((e) => e.kind === "item-availability")?.intervalMinutes).toBe(30);
    expect(entries.find((e) => e.kind === "item-availability")).toBeUndefined();
  });

  it("lines and opportunities get no job queue entry of their own", () => {
    for (const name of ["POSTEDSALESLINE-INV", "SOLINE-ORDERDETAIL", "OPPORTUNITY"]) {
      expect(entries.find((e) => e.mappingName === name)).toBeUndefined();
    }
  });
});

function integrationDefaultsOptions(): DefaultOptions {
  return {
    unitGroupsEnabled: true,
    bidirectionalSalesOrders: false,
    legacySalesOrders: false,
    ownershipModel: "person",
  };
}
