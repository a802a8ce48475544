// InsertOptionValue (Dataverse Web API metadata message): a new option of a local choice column shows in the
// option-set metadata, is accepted on writes with its formatted value, and survives a restart of the emulator.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startWorld } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "bcsync-dv-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPTION_SET =
  "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='address1_shippingmethodcode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)";

type Options = { OptionSet: { Options: { Value: number; Label: { LocalizedLabels: { Label: string }[] } }[] } };
const labelsOf = (body: Options) =>
  new Map(body.OptionSet.Options.map((o) => [o.Value, o.Label.LocalizedLabels[0]?.Label]));

const insert = (label: string, value?: number) => ({
  EntityLogicalName: "account",
  AttributeLogicalName: "address1_shippingmethodcode",
  Label: { LocalizedLabels: [{ Label: label, LanguageCode: 1033 }] },
  ...(value === undefined ? {} : { Value: value }),
});

describe("InsertOptionValue", () => {
  it("adds an option to the metadata, accepts it on writes, refuses a used value and keeps it across a restart", async () => {
    const world = await startWorld({ dataDir: dir });
    const before = labelsOf((await (await world.call("GET", OPTION_SET)).json()) as Options);

    const res = await world.call("POST", "InsertOptionValue", { body: insert("OWN LOG.") });
    expect(res.status).toBe(200);
    const { NewOptionValue } = (await res.json()) as { NewOptionValue: number };
    expect(before.has(NewOptionValue)).toBe(false);
    expect(NewOptionValue).toBeGreaterThanOrEqual(100_000_000); // generated with the default publisher's prefix

    const after = labelsOf((await (await world.call("GET", OPTION_SET)).json()) as Options);
    expect(after.get(NewOptionValue)).toBe("OWN LOG.");
    expect(after.size).toBe(before.size + 1);

    // Writes take the new value and format it.
    const created = await world.call("POST", "accounts", {
      body: { name: "Own logistics", address1_shippingmethodcode: NewOptionValue },
      headers: { Prefer: 'return=representation,odata.include-annotations="*"' },
    });
    expect(created.status).toBe(201);
    const row = (await created.json()) as Record<string, unknown>;
    expect(row.address1_shippingmethodcode).toBe(NewOptionValue);
    expect(row["address1_shippingmethodcode@OData.Community.Display.V1.FormattedValue"]).toBe("OWN LOG.");

    // An explicit value that is taken is refused; a free one is used as given.
    const taken = await world.call("POST", "InsertOptionValue", { body: insert("Again", NewOptionValue) });
    expect(taken.status).toBe(400);
    const chosen = await world.call("POST", "InsertOptionValue", { body: insert("Courier", 100_000_500) });
    expect(((await chosen.json()) as { NewOptionValue: number }).NewOptionValue).toBe(100_000_500);
    // Only picklist columns of known tables.
    expect(
      (await world.call("POST", "InsertOptionValue", { body: { ...insert("x"), AttributeLogicalName: "name" } }))
        .status,
    ).toBe(400);
    expect(
      (await world.call("POST", "InsertOptionValue", { body: { ...insert("x"), EntityLogicalName: "nosuchtable" } }))
        .status,
    ).toBe(404);
    await world.close();

    const restarted = await startWorld({ dataDir: dir });
    const kept = labelsOf((await (await restarted.call("GET", OPTION_SET)).json()) as Options);
    expect(kept.get(NewOptionValue)).toBe("OWN LOG.");
    expect(kept.get(100_000_500)).toBe("Courier");
    // Another emulator in the same process (no data directory) does not see them: the schema is per instance.
    const fresh = await startWorld();
    const plain = labelsOf((await (await fresh.call("GET", OPTION_SET)).json()) as Options);
    expect(plain.has(NewOptionValue)).toBe(false);
    await fresh.close();
    await restarted.close();
  });
});
