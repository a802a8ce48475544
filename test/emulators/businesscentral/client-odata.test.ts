// The Business Central emulator driven by an independent generic OData v4 client from the npm registry, `odata`
// (o.js): create (with a deep insert), filtered query with nested $expand, update with an ETag (a stale one
// refused), a multipart $batch with a change set, then a read batch, delete.
import { o } from "odata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { companyUrl, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
beforeAll(async () => {
  bc = await startBc();
  company = `${companyUrl(bc)}/`;
});
afterAll(async () => {
  await bc.close();
});

const headers = (extra: Record<string, string> = {}) => ({
  Accept: "application/json",
  "Content-Type": "application/json",
  ...extra,
});
const client = (extra: Record<string, string> = {}) => o(company, { headers: headers(extra) });
const failure = (promise: Promise<unknown>): Promise<Response> =>
  promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (res: Response) => res,
  );

describe("odata (o.js) against the Business Central emulator", () => {
  let customer: Json;
  let order: Json;

  it("creates a customer and a sales order with its lines (deep insert)", async () => {
    customer = (await client()
      .post("customers", { displayName: "o.js customer", email: "ojs@example.com" })
      .query()) as Json;
    expect(customer.number).toMatch(/\S/);
    expect(customer["@odata.etag"]).toMatch(/^W\//);
    order = (await client()
      .post("salesOrders", {
        customerId: customer.id,
        salesOrderLines: [{ lineType: "Item", lineObjectNumber: "1896-S", quantity: 2 }],
      })
      .query()) as Json;
    expect(order.customerNumber).toBe(customer.number);
  });

  it("queries with $filter, $select and a nested $expand", async () => {
    const rows = (await client()
      .get("salesOrders")
      .query({
        $filter: `customerNumber eq '${customer.number}'`,
        $select: "number,customerName",
        $expand:
          "customer($select=displayName),salesOrderLines($select=lineObjectNumber,quantity;$expand=item($select=number))",
      })) as Json[];
    expect(rows).toHaveLength(1);
    expect(rows[0].customer.displayName).toBe("o.js customer");
    expect(rows[0].salesOrderLines).toHaveLength(1);
    expect(rows[0].salesOrderLines[0].item.number).toBe("1896-S");
  });

  it("updates with If-Match: the current ETag succeeds, a stale one is refused with 409 Request_EntityChanged", async () => {
    const etag = customer["@odata.etag"] as string;
    const updated = (await client({ "If-Match": etag })
      .patch(`customers(${customer.id})`, { phoneNumber: "555-0100" })
      .query()) as Json;
    expect(updated.phoneNumber).toBe("555-0100");
    expect(updated["@odata.etag"]).not.toBe(etag);
    const stale = await failure(
      client({ "If-Match": etag }).patch(`customers(${customer.id})`, { phoneNumber: "555-0199" }).query(),
    );
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as Json).error.code).toBe("Request_EntityChanged");
  });

  it("sends a multipart $batch with a change set, then a read batch", async () => {
    const batch = (useChangset: boolean) =>
      o(company, {
        headers: new Headers(headers()),
        batch: {
          endpoint: `${bc.apiUrl()}/$batch`,
          useChangset,
          useRelativeURLs: false,
          boundaryPrefix: "batch_",
          changsetBoundaryPrefix: "changeset_",
        },
      });
    const created = (await batch(true)
      .post("customers", { displayName: "o.js batch 1" })
      .post("customers", { displayName: "o.js batch 2" })
      .batch()) as Json[];
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    expect(created.map((r) => r.body.displayName)).toEqual(["o.js batch 1", "o.js batch 2"]);
    const read = (await batch(false).get("customers").get("customers").batch({
      $filter: "startswith(displayName,'o.js batch')",
      $select: "displayName",
      $orderby: "displayName",
    })) as Json[];
    expect(read.map((r) => r.status)).toEqual([200, 200]);
    expect(read[0].body.map((c: Json) => c.displayName)).toEqual(["o.js batch 1", "o.js batch 2"]);
  });

  it("deletes the order with its ETag (a delete without If-Match is refused); reading it again is a 404", async () => {
    const bare = await failure(client().delete(`salesOrders(${order.id})`).query());
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as Json).error.code).toBe("BadRequest_InvalidToken");
    const current = (await client().get(`salesOrders(${order.id})`).query()) as Json;
    const deleted = (await client({ "If-Match": current["@odata.etag"] })
      .delete(`salesOrders(${order.id})`)
      .query()) as Response;
    expect(deleted.status).toBe(204);
    const gone = await failure(client().get(`salesOrders(${order.id})`).query());
    expect(gone.status).toBe(404);
  });
});
