import { describe, expect, it } from "vitest";
import { defineTableMapping, type TableMappingInput } from "./model.ts";
import { syncOrder } from "./order.ts";

const m = (name: string, over: Partial<TableMappingInput> = {}) =>
  defineTableMapping({
    name,
    bc: { entitySet: "x" },
    dataverse: { table: "y", entitySet: "ys", keyField: "yid" },
    direction: "toDataverse",
    fields: [{ bcField: "a", dataverseField: "b" }],
    ...over,
  });

describe("sync order", () => {
  it.each<[string, ReturnType<typeof m>[], string[]]>([
    [
      "run order, then name",
      [m("B", { runOrder: 2 }), m("A", { runOrder: 2 }), m("C", { runOrder: 1 })],
      ["C", "A", "B"],
    ],
    [
      "dependencies first, whatever their run order",
      [
        m("CUSTOMER", { runOrder: 1, dependsOn: ["SALESPEOPLE", "CURRENCY"] }),
        m("SALESPEOPLE", { runOrder: 5 }),
        m("CURRENCY", { runOrder: 9 }),
      ],
      ["SALESPEOPLE", "CURRENCY", "CUSTOMER"],
    ],
    [
      "child lines after their header",
      [
        m("LINES", {
          runOrder: 0,
          parent: { mapping: "HEADER", bcParentField: "documentId", dataverseParentField: "invoiceid" },
        }),
        m("HEADER", { runOrder: 3 }),
      ],
      ["HEADER", "LINES"],
    ],
    ["unknown dependencies are ignored", [m("A", { dependsOn: ["NOT-HERE"] })], ["A"]],
  ])("%s", (_n, mappings, expected) => {
    expect(syncOrder(mappings)).toEqual({ ok: true, order: expected });
  });

  it("reports a cycle", () => {
    const result = syncOrder([m("A", { dependsOn: ["B"] }), m("B", { dependsOn: ["A"] })]);
    expect(result).toEqual({ ok: false, cycle: ["A", "B", "A"] });
  });
});
