// Replays table-definition queries from "Query table definitions using the Web API"
// (powerapps-docs: developer/data-platform/webapi/query-metadata-web-api.md and the pages that show
// EntityDefinitions responses), for the tables the emulator serves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are untyped JSON.
type Json = Record<string, any>;

let world: World;
let root: string;
beforeAll(async () => {
  world = await startWorld();
  root = world.dataverse.serviceRoot;
});
afterAll(async () => {
  await world.close();
});

describe("query-metadata-web-api", () => {
  it("EntityDefinitions(LogicalName='account') with $select", async () => {
    const res = await world.call("GET", "EntityDefinitions(LogicalName='account')?$select=ObjectTypeCode");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      "@odata.context": `${root}$metadata#EntityDefinitions(ObjectTypeCode)/$entity`,
      ObjectTypeCode: 1,
      MetadataId: "70816501-edb9-4740-a16c-6a5efbc05d84",
    });
    const all = (await (await world.call("GET", "EntityDefinitions(LogicalName='account')")).json()) as Json;
    expect(all).toMatchObject({
      LogicalName: "account",
      SchemaName: "Account",
      EntitySetName: "accounts",
      PrimaryIdAttribute: "accountid",
      PrimaryNameAttribute: "name",
      OwnershipType: "UserOwned",
      IsOptimisticConcurrencyEnabled: true,
      ChangeTrackingEnabled: true,
    });
    expect(all.DisplayName.UserLocalizedLabel.Label).toBe("Account");
  });

  it("EntityDefinitions collection with $filter and $select (not paged)", async () => {
    const res = await world.call(
      "GET",
      "EntityDefinitions?$filter=ObjectTypeCode eq 2&$select=LogicalName,EntitySetName",
    );
    const body = (await res.json()) as Json;
    expect(body["@odata.context"]).toBe(`${root}$metadata#EntityDefinitions(LogicalName,EntitySetName)`);
    expect(body.value).toEqual([
      { LogicalName: "contact", EntitySetName: "contacts", MetadataId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
    const every = (await (await world.call("GET", "EntityDefinitions?$select=LogicalName")).json()) as Json;
    expect(every.value.map((e: Json) => e.LogicalName)).toEqual(
      expect.arrayContaining(["account", "privilege", "role"]),
    );
  });

  it("Attributes: expanded, as a collection, one by LogicalName, and one property of one", async () => {
    const expanded = (await (
      await world.call(
        "GET",
        "EntityDefinitions(LogicalName='account')?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType;$filter=AttributeType eq 'Lookup' or AttributeType eq 'Owner')",
      )
    ).json()) as Json;
    expect(expanded["@odata.context"]).toBe(
      `${root}$metadata#EntityDefinitions(LogicalName,Attributes(LogicalName,AttributeType))/$entity`,
    );
    const lookups = expanded.Attributes.map((a: Json) => [a.LogicalName, a.AttributeType]);
    expect(lookups).toContainEqual(["primarycontactid", "Lookup"]);
    expect(lookups).toContainEqual(["ownerid", "Owner"]);
    expect(expanded.Attributes[0]["@odata.type"]).toBe("#Microsoft.Dynamics.CRM.LookupAttributeMetadata");

    const list = (await (
      await world.call("GET", "EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName")
    ).json()) as Json;
    expect(list["@odata.context"]).toBe(`${root}$metadata#EntityDefinitions('contact')/Attributes(LogicalName)`);
    expect(list.value.map((a: Json) => a.LogicalName)).toEqual(
      expect.arrayContaining(["fullname", "parentcustomerid"]),
    );

    const name = (await (
      await world.call("GET", "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')")
    ).json()) as Json;
    expect(name).toMatchObject({
      "@odata.type": "#Microsoft.Dynamics.CRM.StringAttributeMetadata",
      LogicalName: "name",
      AttributeType: "String",
      AttributeTypeName: { Value: "StringType" },
      MaxLength: 160,
      IsPrimaryName: true,
      IsValidForCreate: true,
    });
    const id = await world.call(
      "GET",
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')/MetadataId",
    );
    expect(await id.json()).toEqual({
      "@odata.context": `${root}$metadata#EntityDefinitions('account')/Attributes('name')/MetadataId`,
      value: "a1965545-44bc-4b7b-b1ae-93074d0e3f2a",
    });
  });

  it("Choice columns with their options (PicklistAttributeMetadata cast, $expand=OptionSet)", async () => {
    const res = await world.call(
      "GET",
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='customertypecode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)",
    );
    const body = (await res.json()) as Json;
    expect(body.LogicalName).toBe("customertypecode");
    expect(body.OptionSet.Options[0]).toMatchObject({
      Value: 1,
      Label: { UserLocalizedLabel: { Label: "Competitor" } },
    });
    const cast = (await (
      await world.call(
        "GET",
        "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName",
      )
    ).json()) as Json;
    expect(cast["@odata.context"]).toBe(
      `${root}$metadata#EntityDefinitions('account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata(LogicalName)`,
    );
    expect(cast.value.map((a: Json) => a.LogicalName)).toContain("accountcategorycode");
  });

  it("Alternate keys", async () => {
    const keys = (await (await world.call("GET", "EntityDefinitions(LogicalName='account')/Keys")).json()) as Json;
    expect(keys.value.map((k: Json) => k.KeyAttributes)).toEqual([["accountnumber"]]);
  });

  it("RetrieveTotalRecordCount (query/count-rows)", async () => {
    const res = await world.call("GET", "RetrieveTotalRecordCount(EntityNames=['account','contact'])");
    expect(res.status).toBe(200);
    const accounts = (await (await world.call("GET", "accounts/$count")).text()).trim();
    const contacts = (await (await world.call("GET", "contacts/$count")).text()).trim();
    expect(await res.json()).toEqual({
      "@odata.context": `${root}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
      EntityRecordCountCollection: {
        Count: 2,
        IsReadOnly: false,
        Keys: ["account", "contact"],
        Values: [Number(accounts), Number(contacts)],
      },
    });
  });
});
