// The Dataverse emulator driven by an independent generic OData v4 client from the npm registry, `odata` (o.js),
// through a realistic scenario: create, filtered query with $expand, update with an ETag (and a stale one
// refused), a $batch with a change set, delete. Whatever it needs beyond what dynamics-web-api does is the
// emulator's to serve as the service does.
import { o } from "odata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  root = world.dataverse.serviceRoot;
});
afterAll(async () => {
  await world.close();
});

const headers = (extra: Record<string, string> = {}) => ({
  Authorization: `Bearer ${world.token()}`,
  Accept: "application/json",
  "Content-Type": "application/json",
  "OData-MaxVersion": "4.0",
  "OData-Version": "4.0",
  ...extra,
});
const client = (extra: Record<string, string> = {}) => o(root, { headers: headers(extra) });
const idOf = (res: Response) => /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;

describe("odata (o.js) against the Dataverse emulator", () => {
  let accountId: string;

  it("creates an account and a contact bound to it", async () => {
    const created = (await client().post("accounts", { name: "o.js account", revenue: 1200 }).query()) as Response;
    expect(created.status).toBe(204);
    accountId = idOf(created);
    expect(accountId).toMatch(/^[0-9a-f-]{36}$/);
    const contact = (await client()
      .post("contacts", {
        firstname: "Olga",
        lastname: "Js",
        "parentcustomerid_account@odata.bind": `/accounts(${accountId})`,
      })
      .query()) as Response;
    expect(contact.status).toBe(204);
  });

  it("queries with $filter, $select and $expand", async () => {
    const rows = (await client().get("accounts").query({
      $select: "name,revenue",
      $filter: "startswith(name,'o.js') and revenue gt 1000",
      $expand: "contact_customer_accounts($select=fullname)",
    })) as Json[];
    expect(rows).toHaveLength(1);
    expect(rows[0].name).toBe("o.js account");
    expect(rows[0].contact_customer_accounts.map((c: Json) => c.fullname)).toEqual(["Olga Js"]);
  });

  it("updates with If-Match: the current ETag succeeds, a stale one is refused with 412", async () => {
    const before = (await client().get(`accounts(${accountId})`).query({ $select: "name" })) as Json;
    const etag = before["@odata.etag"] as string;
    expect(etag).toMatch(/^W\/"\d+"$/);
    const updated = (await client({ "If-Match": etag })
      .patch(`accounts(${accountId})`, { name: "o.js account (updated)" })
      .query()) as Response;
    expect(updated.status).toBe(204);
    const stale = await client({ "If-Match": etag })
      .patch(`accounts(${accountId})`, { name: "lost update" })
      .query()
      .then(
        () => undefined,
        (res: Response) => res,
      );
    expect(stale?.status).toBe(412);
    const after = (await client().get(`accounts(${accountId})`).query({ $select: "name" })) as Json;
    expect(after.name).toBe("o.js account (updated)");
  });

  // o.js writes a change set and the GETs after it without a boundary between them (the GETs land in the
  // change set part's epilogue), so change sets and reads go in separate batches, as its README shows.
  it("sends a $batch with a change set of two creates, then a $batch of two GETs", async () => {
    const batch = (useChangset: boolean) =>
      o(root, {
        // o.js sets the batch Content-Type on a Headers object.
        headers: new Headers(headers()),
        batch: {
          endpoint: "$batch",
          useChangset,
          useRelativeURLs: false,
          boundaryPrefix: "batch_",
          changsetBoundaryPrefix: "changeset_",
        },
      });
    const bind = { "parentcustomerid_account@odata.bind": `/accounts(${accountId})` };
    const created = (await batch(true)
      .post("contacts", { firstname: "Bea", lastname: "Batch", ...bind })
      .post("contacts", { firstname: "Cy", lastname: "Batch", ...bind })
      .batch()) as Json[];
    expect(created.map((r) => [r.contentId, r.status])).toEqual([
      [1, 204],
      [2, 204],
    ]);
    const read = (await batch(false)
      .get(`accounts(${accountId})/contact_customer_accounts`)
      .get("contacts")
      .batch({ $select: "fullname", $orderby: "fullname", $filter: "lastname ne 'Js'" })) as Json[];
    expect(read.map((r) => r.status)).toEqual([200, 200]);
    expect(read[0].body.map((c: Json) => c.fullname)).toEqual(["Bea Batch", "Cy Batch"]);
    expect(read[1].body.map((c: Json) => c.fullname)).toEqual(["Bea Batch", "Cy Batch"]);
  });

  it("deletes the account; reading it again is a 404", async () => {
    const deleted = (await client().delete(`accounts(${accountId})`).query()) as Response;
    expect(deleted.status).toBe(204);
    const gone = await client()
      .get(`accounts(${accountId})`)
      .query()
      .then(
        () => undefined,
        (res: Response) => res,
      );
    expect(gone?.status).toBe(404);
  });
});
