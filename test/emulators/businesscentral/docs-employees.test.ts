// dynamics_employee_{get,create,update,delete}.md replayed against the emulator.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusinessCentralEmulator } from "../../../emulators/businesscentral/index.ts";
import { type DocsContext, replayDocumentedCrud } from "./docs-helpers.ts";
import { call, companyUrl, type Json, startBc } from "./helpers.ts";

let bc: BusinessCentralEmulator;
let company: string;
beforeAll(async () => {
  bc = await startBc();
  company = companyUrl(bc);
});
afterAll(async () => {
  await bc.close();
});
const ctx = (): DocsContext => ({ bc, company });

describe("employees, as documented", () => {
  replayDocumentedCrud(
    ctx,
    {
      set: "employees",
      existing: "number eq 'EH'",
      create: () => ({
        id: "258bb9c0-44e3-ea11-bb43-000d3a2feca1",
        number: "AH",
        givenName: "Annette",
        middleName: "",
        surname: "Hill",
        jobTitle: "Secretary",
        addressLine1: "677 Fifth Avenue",
        addressLine2: "",
        city: "",
        state: "",
        country: "",
        postalCode: "",
        phoneNumber: "4465-4899-4643",
        mobilePhone: "4564-4564-7831",
        email: "",
        personalEmail: "ah@contoso.com",
        employmentDate: "2001-06-01",
        terminationDate: "0001-01-01",
        status: "Active",
        birthDate: "1973-12-12",
        statisticsGroupCode: "",
      }),
      update: { givenName: "Anthony", phoneNumber: "0678-8712-3455" },
    },
    it,
  );

  it("shows the full name as displayName (create: Annette Hill; PATCH givenName: Anthony Hill)", async () => {
    const created = await call(`${company}/employees`, {
      method: "POST",
      body: { number: "AH2", givenName: "Annette", middleName: "", surname: "Hill", jobTitle: "Secretary" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.displayName).toBe("Annette Hill");
    const url = `${company}/employees(${created.body.id})`;
    const patched = await call(url, {
      method: "PATCH",
      body: { givenName: "Anthony", phoneNumber: "0678-8712-3455" },
      headers: { "If-Match": created.body["@odata.etag"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.displayName).toBe("Anthony Hill");
    const middle = await call(url, { method: "PATCH", body: { middleName: "J." }, headers: { "If-Match": "*" } });
    expect(middle.body.displayName).toBe("Anthony J. Hill");
    // Seeded employees too, and the name can be filtered on.
    const seeded = await call(`${company}/employees?$filter=displayName eq 'Esther Huntington'&$select=number`);
    expect(seeded.body.value.map((e: Json) => e.number)).toEqual(["EH"]);
    // Read-only: sending another name is refused, sending the shown one is harmless.
    const other = await call(url, { method: "PATCH", body: { displayName: "X" }, headers: { "If-Match": "*" } });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe("BadRequest_InvalidOperation");
  });
});
