// Replays "Detect duplicate data using the Web API"
// (powerapps-docs: developer/data-platform/webapi/manage-duplicate-detection-create-update.md), on contacts and the
// default rule "same e-mail address" in place of the docs' leads (the emulator serves no lead table).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let existingId: string;
beforeAll(async () => {
  world = await startWorld({ seed: "empty" });
  const res = await world.call("POST", "contacts", {
    body: { firstname: "Monte", lastname: "Orton", emailaddress1: "monteorton@example.com" },
  });
  existingId = /\(([0-9a-f-]{36})\)$/.exec(res.headers.get("odata-entityid") ?? "")?.[1] as string;
});
afterAll(async () => {
  await world.close();
});

const detect = { "If-None-Match": "null", "MSCRM.SuppressDuplicateDetection": "false" };
const duplicateError = {
  code: "0x80040333",
  message: "A record was not created or updated because a duplicate of the current record already exists.",
};

async function count(email: string): Promise<number> {
  const res = await world.call("GET", `contacts?$select=contactid&$filter=emailaddress1 eq '${email}'`);
  return (((await res.json()) as Json).value as unknown[]).length;
}

describe("manage-duplicate-detection-create-update", () => {
  it("Detect duplicates during Create: 500 with 0x80040333, and no row is created", async () => {
    const res = await world.call("POST", "contacts", {
      headers: detect,
      body: { firstname: "Monte", lastname: "Orton", emailaddress1: "monteorton@example.com" },
    });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
    expect(res.headers.get("odata-version")).toBe("4.0");
    expect(((await res.json()) as Json).error).toMatchObject(duplicateError);
    expect(await count("monteorton@example.com")).toBe(1);
  });

  it("The rule matches regardless of case; a different value is not a duplicate", async () => {
    const same = await world.call("POST", "contacts", {
      headers: detect,
      body: { lastname: "Orton", emailaddress1: "MonteOrton@Example.com" },
    });
    expect(same.status).toBe(500);
    const other = await world.call("POST", "contacts", {
      headers: detect,
      body: { lastname: "Orton", emailaddress1: "monte.orton@example.com" },
    });
    expect(other.status).toBe(204);
  });

  it("MSCRM.SuppressDuplicateDetection: true, or no header, creates the duplicate", async () => {
    const suppressed = await world.call("POST", "contacts", {
      headers: { "MSCRM.SuppressDuplicateDetection": "true" },
      body: { lastname: "Orton", emailaddress1: "dup@example.com" },
    });
    expect(suppressed.status).toBe(204);
    const plain = await world.call("POST", "contacts", {
      body: { lastname: "Orton", emailaddress1: "dup@example.com" },
    });
    expect(plain.status).toBe(204);
    expect(await count("dup@example.com")).toBe(2);
  });

  it("Detect duplicates during Update: 500 with 0x80040333 and the row is unchanged", async () => {
    const created = await world.call("POST", "contacts", {
      body: { firstname: "Other", lastname: "Person", emailaddress1: "other@example.com" },
    });
    const id = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get("odata-entityid") ?? "")?.[1] as string;
    const res = await world.call("PATCH", `contacts(${id})`, {
      headers: { ...detect, "If-Match": "*" },
      body: { firstname: "Monte", lastname: "Orton", emailaddress1: "monteorton@example.com" },
    });
    expect(res.status).toBe(500);
    expect(((await res.json()) as Json).error).toMatchObject(duplicateError);
    const read = (await (await world.call("GET", `contacts(${id})?$select=emailaddress1,lastname`)).json()) as Json;
    expect(read).toMatchObject({ emailaddress1: "other@example.com", lastname: "Person" });
    // By default detection is suppressed on update; a row is never its own duplicate.
    expect(
      (
        await world.call("PATCH", `contacts(${existingId})`, {
          headers: { ...detect, "If-Match": "*" },
          body: { firstname: "Monte R." },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await world.call("PATCH", `contacts(${id})`, {
          headers: { "If-Match": "*" },
          body: { emailaddress1: "monteorton@example.com" },
        })
      ).status,
    ).toBe(204);
  });
});
