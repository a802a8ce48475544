// A blank BC currency code read from a companion page is the local currency (bc-reference §2.3 rule 4), resolved
// BC → DV to the Sales currency the currency mapping couples by value (`code=<LCY>`). Only that: a blank on a v2.0
// page, a value the page did not give, a lookup to another mapping, or no single LCY coupling stay null as before.
// The store is a stand-in holding couplings; a blank needs no BC read, so the port is never asked.
import { describe, expect, it } from "vitest";
import type { Store } from "../store/index.ts";
import { convertField, passFields } from "./convert.ts";
import { defineTableMapping, type TableMapping } from "./model.ts";
import type { PortFactory } from "./ports.ts";
import { LookupLoader } from "./prefetch.ts";
import type { SideRecord } from "./records.ts";

const LCY_ID = "00000000-0000-0000-0000-0000000000c1";
const EUR_ID = "00000000-0000-0000-0000-0000000000e1";

const currency = defineTableMapping({
  name: "CURRENCY",
  bc: { entitySet: "currencies" },
  dataverse: { table: "transactioncurrency", entitySet: "transactioncurrencies", keyField: "transactioncurrencyid" },
  direction: "toDataverse",
  fields: [{ bcField: "code", dataverseField: "isocurrencycode" }],
});

const salespeople = defineTableMapping({
  name: "SALESPEOPLE",
  bc: { entitySet: "salespeople" },
  dataverse: { table: "systemuser", entitySet: "systemusers", keyField: "systemuserid" },
  direction: "fromDataverse",
  fields: [{ bcField: "code", dataverseField: "fullname" }],
});

/** Contacts whose currency code is read from the companion page (`secondary`), or from v2.0 (`main`). */
function contacts(currencyPage: "secondary" | "main", lookupMapping = "CURRENCY"): TableMapping {
  return defineTableMapping({
    name: "CONTACT",
    bc: {
      api: "v2.0",
      entitySet: "contacts",
      ...(currencyPage === "secondary"
        ? { secondary: { api: "companion", entitySet: "contacts", fields: ["currencyCode"] } }
        : {}),
    },
    dataverse: { table: "contact", entitySet: "contacts", keyField: "contactid" },
    direction: "bidirectional",
    fields: [
      {
        bcField: "currencyCode",
        dataverseField: "transactioncurrencyid",
        lookup: { mapping: lookupMapping, bcMatchField: "code" },
      },
    ],
  });
}

function storeWith(couplings: Record<string, { bcId: string; dataverseId: string }[]>) {
  const iterated: string[] = [];
  const store = {
    couplings: {
      async *iteratePairs(mappingName: string) {
        iterated.push(mappingName);
        yield* couplings[mappingName] ?? [];
      },
      async findMany() {
        return new Map();
      },
    },
  } as unknown as Store;
  return { store, iterated };
}

const noPorts = {
  forMapping() {
    throw new Error("a blank code needs no BC read");
  },
} as unknown as PortFactory;

const contact = (values: Record<string, unknown>): SideRecord => ({
  id: "ct-1",
  modifiedAt: "2026-12-01T00:00:00Z",
  values,
});

/** The Dataverse value the contact's currency code converts to, BC → DV. */
async function toDataverse(
  mapping: TableMapping,
  record: SideRecord,
  couplings: Record<string, { bcId: string; dataverseId: string }[]>,
) {
  const { store, iterated } = storeWith(couplings);
  const byName = new Map([currency, salespeople, mapping].map((m) => [m.name, m]));
  const lookups = await new LookupLoader(store, noPorts, (n) => byName.get(n)).load(mapping, "toDataverse", [record]);
  const [field] = passFields(mapping, "toDataverse");
  const converted = convertField(mapping, field, "toDataverse", record, lookups);
  if (!converted.ok) throw new Error(converted.error.message);
  return { value: converted.value, iterated };
}

const lcyCoupled = { CURRENCY: [{ bcId: "code=usd", dataverseId: LCY_ID.toUpperCase() }] };

describe("a blank currency code to Dataverse", () => {
  it("on a companion page: the Sales currency coupled by value (the LCY)", async () => {
    const out = await toDataverse(contacts("secondary"), contact({ currencyCode: "" }), lcyCoupled);
    expect(out.value).toBe(LCY_ID);
  });

  it("on a v2.0 page: null, and the couplings are not read (v2.0 shows the LCY code, never blank for it)", async () => {
    const out = await toDataverse(contacts("main"), contact({ currencyCode: "" }), lcyCoupled);
    expect(out.value).toBeNull();
    expect(out.iterated).toEqual([]);
  });

  it("a value the page did not give: null", async () => {
    const out = await toDataverse(contacts("secondary"), contact({}), lcyCoupled);
    expect(out.value).toBeNull();
  });

  it("no coupling by value, or more than one: null", async () => {
    expect((await toDataverse(contacts("secondary"), contact({ currencyCode: "" }), {})).value).toBeNull();
    const two = {
      CURRENCY: [...lcyCoupled.CURRENCY, { bcId: "code=eur", dataverseId: EUR_ID }],
    };
    expect((await toDataverse(contacts("secondary"), contact({ currencyCode: "" }), two)).value).toBeNull();
  });

  it("a record coupling of the currency mapping is not the LCY", async () => {
    const records = { CURRENCY: [{ bcId: "5b1c9d9e-0000-0000-0000-000000000001", dataverseId: EUR_ID }] };
    expect((await toDataverse(contacts("secondary"), contact({ currencyCode: "" }), records)).value).toBeNull();
  });

  it("a lookup to another mapping than the currency mapping: null, its couplings not read", async () => {
    const out = await toDataverse(contacts("secondary", "SALESPEOPLE"), contact({ currencyCode: "" }), {
      SALESPEOPLE: [{ bcId: "code=ab", dataverseId: LCY_ID }],
    });
    expect(out.value).toBeNull();
    expect(out.iterated).toEqual([]);
  });
});
