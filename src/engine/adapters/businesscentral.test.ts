// The Business Central port against a scripted client: what it asks for, and when (no timers, no HTTP).
import { describe, expect, it } from "vitest";
import type { BusinessCentralClient, Row } from "../../connectors/index.ts";
import { defineTableMapping } from "../model.ts";
import { BusinessCentralPort } from "./businesscentral.ts";

/** A promise resolved by hand. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const mapping = defineTableMapping({
  name: "ITEM",
  bc: { entitySet: "items", secondary: { api: "companion", entitySet: "items", fields: ["vendorNumber"] } },
  dataverse: { table: "product", entitySet: "products", keyField: "productid" },
  direction: "toDataverse",
  fields: [
    { bcField: "displayName", dataverseField: "name" },
    { bcField: "vendorNumber", dataverseField: "vendorid" },
  ],
});

const item = (id: string): Row => ({
  id,
  displayName: `Item ${id.slice(-1)}`,
  lastModifiedDateTime: "2026-12-01T10:00:00Z",
  "@odata.etag": `W/"${id.slice(-1)}"`,
});

describe("BusinessCentralPort.readChanges with a secondary page", () => {
  it("asks for the next page while this page's secondary rows are read, and merges them", async () => {
    const pages = [
      [item("00000000-0000-0000-0000-000000000001"), item("00000000-0000-0000-0000-000000000002")],
      [item("00000000-0000-0000-0000-000000000003")],
    ];
    let mainRequests = 0;
    const secondaryAnswered = gate();
    const client = {
      pathOf: (url: string) => url,
      company: (_companyId: string, route: unknown) => ({
        root: new URL(`https://bc.example/api/${route === "v2.0" ? "v2.0" : "companion"}/companies(1)/`),
        pages: async function* (_set: string, options: { filter?: string }) {
          if (route === "v2.0") {
            for (const [i, rows] of pages.entries()) {
              mainRequests++;
              yield { ok: true, value: { rows, ...(i < pages.length - 1 ? { nextLink: `page${i + 2}` } : {}) } };
            }
            return;
          }
          // The secondary page answers only when the test says so.
          await secondaryAnswered.promise;
          const ids = [...(options.filter ?? "").matchAll(/id eq ([0-9a-f-]+)/g)].map((m) => m[1]);
          yield { ok: true, value: { rows: ids.map((id) => ({ id, vendorNumber: `V-${id.slice(-1)}` })) } };
        },
      }),
    } as unknown as BusinessCentralClient;
    const port = new BusinessCentralPort(client, "company", mapping);

    const read = port.readChanges({
      select: ["id", "displayName", "vendorNumber", "lastModifiedDateTime"],
      pageSize: 2,
    });
    const iterator = read[Symbol.asyncIterator]();
    const first = iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    // The first page's secondary rows are not in yet, and the second page is already asked for.
    expect(mainRequests).toBe(2);
    secondaryAnswered.open();
    const page1 = await first;
    expect(page1.done).toBe(false);
    const value = page1.value as { ok: true; value: { changes: { record: { values: Row } }[] } };
    expect(value.value.changes.map((c) => c.record.values.vendorNumber)).toEqual(["V-1", "V-2"]);
    const page2 = (await iterator.next()).value as { ok: true; value: { changes: unknown[] } };
    expect(page2.value.changes).toHaveLength(1);
    expect((await iterator.next()).done).toBe(true);
  });
});
