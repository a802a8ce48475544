// The product hooks' price list lines (ProductInsertRules): they go out only into Dataverse's free request slots,
// in requests sized to spread what waits over the slots, and all of them are written by `settled`.
import { describe, expect, it } from "vitest";
import type { Row } from "../connectors/index.ts";
import type { TableMapping } from "../engine/model.ts";
import type { CreateItem, EntityPort } from "../engine/ports.ts";
import type { EngineDeps } from "../engine/runner.ts";
import type { IntegrationContext } from "./context.ts";
import { DEFAULT_PRICE_LIST_NAME, ensureDefaultPriceList, ProductInsertRules } from "./price-list.ts";

const SCHEDULE = "5c7a1c2e-0000-4000-8000-000000000001";
const SLOTS = 4;

/** A Dataverse client whose busy slots the test sets, and whose line requests it settles one by one. */
function fakeDataverse() {
  const throttle = { busy: 0 };
  const lineRequests: { rows: number; settle: () => void }[] = [];
  const dataverse = {
    throttleStates: () => [{ effectiveConcurrency: SLOTS, active: throttle.busy, queued: 0 }],
    async *pages(set: string) {
      const rows: Row[] =
        set === "pricelevels"
          ? [{ pricelevelid: "9d0c0a50-0000-4000-8000-000000000001" }]
          : [
              {
                uomid: "1b1d0a50-0000-4000-8000-000000000001",
                name: "PCS",
                quantity: 1,
                _uomscheduleid_value: SCHEDULE,
              },
            ];
      yield { ok: true, value: { rows } };
    },
    createMultiple(_set: string, _table: string, rows: Row[]) {
      return new Promise((resolve) =>
        lineRequests.push({
          rows: rows.length,
          settle: () => resolve({ ok: true, value: { outcomes: rows.map(() => ({ ok: true, id: "x" })) } }),
        }),
      );
    },
  };
  return { dataverse, throttle, lineRequests };
}

let productNumber = 0;
/** The ITEM-PRODUCT Dataverse port as the rules wrap it; its creates succeed at once. */
function productPort(rules: ProductInsertRules) {
  const port = {
    async create(items: readonly CreateItem[]) {
      return { ok: true, value: items.map(() => ({ ok: true, id: crypto.randomUUID() })) };
    },
  } as unknown as EntityPort;
  const deps = { ports: { forMapping: () => port } } as unknown as EngineDeps;
  const wrapped = rules.engine(deps).ports.forMapping({ name: "ITEM-PRODUCT" } as TableMapping, "dataverse");
  return (count: number) =>
    wrapped.create(
      Array.from({ length: count }, () => ({
        values: {
          productnumber: `P${++productNumber}`,
          price: 10,
          "defaultuomscheduleid@odata.bind": `/uomschedules(${SCHEDULE})`,
        },
      })),
    );
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("product hooks: price list lines", () => {
  it("wait for a free Dataverse slot, then spread over the slots; settled writes the rest", async () => {
    const { dataverse, throttle, lineRequests } = fakeDataverse();
    const rules = new ProductInsertRules({ dataverse } as unknown as Pick<IntegrationContext, "dataverse">);
    const createProducts = productPort(rules);
    throttle.busy = SLOTS;

    // Nothing of the rules' own in flight: one request goes although every slot is taken, so lines never stall.
    await createProducts(60);
    expect(lineRequests.map((r) => r.rows)).toEqual([50]);
    // Every slot taken and a line request in flight: the next 100 lines wait here, gathering.
    await createProducts(100);
    await nextTurn();
    expect(lineRequests.map((r) => r.rows)).toEqual([50]);

    // The slots free up: as the line request settles, what waits (110) goes into the free slots, at least 50 a
    // request while the sync goes on; the 10 left wait for more.
    throttle.busy = 0;
    lineRequests[0].settle();
    await nextTurn();
    expect(lineRequests.map((r) => r.rows)).toEqual([50, 50, 50]);

    // The sync is over: settled sends the rest, however few, and waits for every request.
    let settled = false;
    const done = rules.settled().then(() => (settled = true));
    await nextTurn();
    expect(lineRequests.map((r) => r.rows)).toEqual([50, 50, 50, 10]);
    for (const r of lineRequests.slice(1)) r.settle();
    await done;
    expect(settled).toBe(true);
    expect(rules.linesCreated).toBe(160);
    expect(rules.complete.size).toBe(160);
  });
});

describe("product hooks: the last price list lines", () => {
  it("once the products are done, go in shares of the work left by the lines' learned times, finishing together", async () => {
    const { dataverse, throttle, lineRequests } = fakeDataverse();
    let clock = 0;
    const rules = new ProductInsertRules(
      { dataverse } as unknown as Pick<IntegrationContext, "dataverse">,
      () => clock,
    );
    const createProducts = productPort(rules);
    throttle.busy = SLOTS;
    await createProducts(60);
    await createProducts(300);
    await nextTurn();
    // One request of ours in flight (50 lines), 310 wait; the products are done.
    expect(lineRequests.map((r) => r.rows)).toEqual([50]);
    const done = rules.settled();
    await nextTurn();
    expect(lineRequests.map((r) => r.rows)).toEqual([50]);
    // The request took 100 ms: 2 ms a line. The slots free up: the 310 lines go in four shares that end together
    // (halving shares, 78, 58, 44, 33, would leave 97 lines for more requests behind them).
    clock = 100;
    throttle.busy = 0;
    lineRequests[0].settle();
    await nextTurn();
    expect(lineRequests.map((r) => r.rows)).toEqual([50, 78, 78, 77, 77]);
    for (const r of lineRequests.slice(1)) r.settle();
    await done;
    expect(rules.linesCreated).toBe(360);
  });
});

describe("product hooks: what the first products' create waits for", () => {
  it("a full sync reads the price list and every group's units as it starts, not in front of the first create", async () => {
    const { dataverse, lineRequests } = fakeDataverse();
    const asked: string[] = [];
    const pages = dataverse.pages;
    dataverse.pages = async function* (set: string) {
      asked.push(set);
      yield* pages(set);
    };
    const rules = new ProductInsertRules({ dataverse } as unknown as Pick<IntegrationContext, "dataverse">);
    const created: CreateItem[][] = [];
    const port = {
      columnLimits: async () => new Map<string, number>(),
      async create(items: readonly CreateItem[]) {
        created.push([...items]);
        return { ok: true, value: items.map(() => ({ ok: true, id: crypto.randomUUID() })) };
      },
    } as unknown as EntityPort;
    const deps = { ports: { forMapping: () => port } } as unknown as EngineDeps;
    const wrapped = rules.engine(deps).ports.forMapping({ name: "ITEM-PRODUCT" } as TableMapping, "dataverse");

    // The column limits (asked by any run about to write) bring the price list lookup, with the currencies beside
    // it (a missing list is created in the local currency: not a read after the lookup) ...
    await wrapped.columnLimits!();
    expect(asked.sort()).toEqual(["pricelevels", "transactioncurrencies"]);
    // ... a full sync's start the units too.
    wrapped.prepareFullSync!();
    await nextTurn();
    expect(asked.sort()).toEqual(["pricelevels", "transactioncurrencies", "uoms"]);
    await wrapped.create([
      { values: { productnumber: "P-first", "defaultuomscheduleid@odata.bind": `/uomschedules(${SCHEDULE})` } },
    ]);
    // No read of the group's units of its own: the preloaded ones gave the product its base unit.
    expect(asked.filter((set) => set === "uoms")).toHaveLength(1);
    expect(created[0][0].values["defaultuomid@odata.bind"]).toBe("/uoms(1b1d0a50-0000-4000-8000-000000000001)");
    const settled = rules.settled();
    await nextTurn();
    for (const r of lineRequests) r.settle();
    await settled;
    expect(rules.linesCreated).toBe(1);
  });
});

describe("the default price list, when it is missing", () => {
  it("for the product hooks: the currencies are read beside the list's lookup, the list created in the LCY", async () => {
    const LOCAL = "7c0e0a50-0000-4000-8000-000000000001";
    const waiting: { set: string; answer: () => void }[] = [];
    const created: { set: string; values: Row }[] = [];
    const dataverse = {
      async *pages(set: string) {
        // Each read answers only when the test says so: what was asked before any answer is what went side by side.
        await new Promise<void>((answer) => waiting.push({ set, answer }));
        const rows: Row[] =
          set === "transactioncurrencies"
            ? [
                { transactioncurrencyid: "7c0e0a50-0000-4000-8000-000000000002", exchangerate: 0.9 },
                { transactioncurrencyid: LOCAL, exchangerate: 1 },
              ]
            : [];
        yield { ok: true, value: { rows } };
      },
      async create(set: string, values: Row) {
        created.push({ set, values });
        return { ok: true, value: { id: "9d0c0a50-0000-4000-8000-000000000009" } };
      },
    };
    const listId = ensureDefaultPriceList({ dataverse } as unknown as Pick<IntegrationContext, "dataverse">, {
      currenciesBeside: true,
    });
    await nextTurn();
    expect(waiting.map((w) => w.set).sort()).toEqual(["pricelevels", "transactioncurrencies"]);
    for (const w of waiting) w.answer();
    expect(await listId).toBe("9d0c0a50-0000-4000-8000-000000000009");
    expect(created).toEqual([
      {
        set: "pricelevels",
        values: {
          name: DEFAULT_PRICE_LIST_NAME,
          "transactioncurrencyid@odata.bind": `/transactioncurrencies(${LOCAL})`,
        },
      },
    ]);
  });
});
