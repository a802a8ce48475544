import { describe, expect, it } from "vitest";
import type { LookupTable } from "./convert.ts";
import {
  type DeletionConflictPolicy,
  defineTableMapping,
  type PassDirection,
  type TableMapping,
  type TableMappingInput,
} from "./model.ts";
import {
  type PlanContext,
  type PlanInput,
  planRecord,
  type RecordPlan,
  snapshotOf,
  unvalidatedProperties,
} from "./planner.ts";
import type { CouplingState, SideRecord } from "./records.ts";

const BC_ID = "11111111-1111-1111-1111-111111111111";
const DV_ID = "22222222-2222-2222-2222-222222222222";
const USER_JR = "33333333-3333-3333-3333-333333333333";
const INTEGRATION_USER = "99999999-9999-9999-9999-999999999999";
const T0 = "2026-01-01T10:00:00Z";
const T1 = "2026-01-01T11:00:00Z";

const base: TableMappingInput = {
  name: "CUSTOMER",
  bc: { entitySet: "customers" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "accountid" },
  direction: "bidirectional",
  syncOnlyCoupled: true,
  optionMaps: {
    ship: {
      entries: [
        { bc: "DHL", dataverse: 1 },
        { bc: "UPS", dataverse: 2 },
      ],
    },
  },
  fields: [
    { bcField: "displayName", dataverseField: "name", match: { priority: 0 } },
    { bcField: "phoneNumber", dataverseField: "telephone1" },
    { bcField: "email", dataverseField: "emailaddress1", match: { priority: 1, caseSensitive: false } },
    { bcField: "shipmentMethodCode", dataverseField: "address1_freighttermscode", optionMap: "ship" },
    {
      bcField: "salespersonCode",
      dataverseField: "ownerid",
      direction: "toDataverse",
      notNull: true,
      lookup: { mapping: "SALESPEOPLE", bcMatchField: "code" },
    },
    { dataverseField: "customertypecode", constant: 3, direction: "toDataverse" },
    { bcField: "creditLimit", dataverseField: "creditlimit", direction: "fromDataverse" },
  ],
};

function mappingWith(over: Partial<TableMappingInput> = {}): TableMapping {
  return defineTableMapping({ ...base, ...over });
}

const lookups: LookupTable = {
  SALESPEOPLE: {
    dataverseEntitySet: "systemusers",
    toDataverse: new Map([["JR", USER_JR]]),
    fromDataverse: new Map([[USER_JR, "JR"]]),
  },
};

function bcRec(values: Record<string, unknown> = {}, meta: Partial<SideRecord> = {}): SideRecord {
  return {
    id: BC_ID,
    modifiedAt: T1,
    version: 'W/"bc-2"',
    values: {
      id: BC_ID,
      displayName: "Adatum",
      phoneNumber: "555-0100",
      email: "info@adatum.com",
      shipmentMethodCode: "DHL",
      salespersonCode: "JR",
      creditLimit: 1000,
      ...values,
    },
    ...meta,
  };
}

function dvRec(values: Record<string, unknown> = {}, meta: Partial<SideRecord> = {}): SideRecord {
  return {
    id: DV_ID,
    modifiedAt: T1,
    version: 'W/"dv-2"',
    modifiedBy: USER_JR,
    values: {
      accountid: DV_ID,
      name: "Adatum",
      telephone1: "555-0100",
      emailaddress1: "info@adatum.com",
      address1_freighttermscode: 1,
      _ownerid_value: USER_JR,
      customertypecode: 3,
      creditlimit: 1000,
      ...values,
    },
    ...meta,
  };
}

/** A coupling whose snapshot is the state both sides had at T0 (the defaults above). */
function coupled(mapping: TableMapping, over: Partial<CouplingState> = {}): CouplingState {
  return {
    bcId: BC_ID,
    dataverseId: DV_ID,
    bcModifiedAt: T0,
    dataverseModifiedAt: T0,
    bcVersion: 'W/"bc-1"',
    dataverseVersion: 'W/"dv-1"',
    snapshot: snapshotOf(mapping, bcRec(), dvRec()),
    lastResult: { toDataverse: "success", fromDataverse: "success" },
    ...over,
  };
}

function ctx(mapping: TableMapping, pass: PassDirection, over: Partial<PlanContext> = {}): PlanContext {
  return { mapping, pass, lookups, integrationUsers: { dataverse: [INTEGRATION_USER] }, ...over };
}

const upsert = (record: SideRecord) => ({ kind: "upsert" as const, record });

function plan(mapping: TableMapping, pass: PassDirection, input: PlanInput, over: Partial<PlanContext> = {}) {
  return planRecord(ctx(mapping, pass, over), input);
}

function valuesOf(p: RecordPlan): Record<string, unknown> | undefined {
  return "values" in p ? p.values : undefined;
}

describe("planner: uncoupled records", () => {
  const m = mappingWith();
  it.each<[string, Partial<TableMappingInput>, PlanContext["mode"], PlanInput, string, string | undefined]>([
    ["scheduled + only coupled → ignore", {}, "scheduled", { change: upsert(bcRec()) }, "ignore", "uncoupled"],
    [
      "full sync, no candidates → insert",
      {},
      "full",
      { change: upsert(bcRec()), matchCandidates: [] },
      "insert",
      undefined,
    ],
    [
      "not only-coupled → insert on a scheduled run",
      { syncOnlyCoupled: false },
      "scheduled",
      { change: upsert(bcRec()) },
      "insert",
      undefined,
    ],
    [
      "update-only mapping, no match → skip",
      { createNew: false },
      "full",
      { change: upsert(bcRec()), matchCandidates: [] },
      "skip",
      "no_match",
    ],
  ])("%s", (_name, over, mode, input, kind, reason) => {
    const p = plan(mappingWith(over), "toDataverse", input, { mode });
    expect(p.kind).toBe(kind);
    if (reason) expect((p as { reason?: string }).reason).toBe(reason);
  });

  it("an insert carries converted values: option map, constant, owner bind; snapshot of what was written", () => {
    const p = plan(m, "toDataverse", { change: upsert(bcRec()), matchCandidates: [] }, { mode: "full" });
    expect(p.kind).toBe("insert");
    expect(valuesOf(p)).toEqual({
      name: "Adatum",
      telephone1: "555-0100",
      emailaddress1: "info@adatum.com",
      address1_freighttermscode: 1,
      "ownerid@odata.bind": `/systemusers(${USER_JR})`,
      customertypecode: 3,
    });
    if (p.kind === "insert") expect(p.update.snapshot["salespersonCode|ownerid"]).toEqual({ bc: "JR", dv: USER_JR });
  });

  it("an insert into BC leaves blanks out and maps the option back", () => {
    const p = plan(
      m,
      "fromDataverse",
      { change: upsert(dvRec({ telephone1: null, address1_freighttermscode: 2 })) },
      { mode: "full" },
    );
    expect(valuesOf(p)).toStrictEqual({
      displayName: "Adatum",
      email: "info@adatum.com",
      shipmentMethodCode: "UPS",
      creditLimit: 1000,
    });
  });

  it("matching couples the unique uncoupled candidate, by priority, case-insensitively, and writes differences", () => {
    const other = dvRec(
      { name: "Someone else", emailaddress1: "x@y.z" },
      { id: "44444444-4444-4444-4444-444444444444" },
    );
    const hit = dvRec({ name: "ADATUM", telephone1: "old" });
    const p = plan(m, "toDataverse", { change: upsert(bcRec()), matchCandidates: [other, hit] }, { mode: "full" });
    expect(p.kind).toBe("couple");
    if (p.kind === "couple") {
      expect(p.targetId).toBe(DV_ID);
      expect(p.values).toEqual({ name: "Adatum", telephone1: "555-0100" });
      // The values replaced in fields both sides own are kept as conflicts BC (the source) won.
      expect(p.conflicts.map((c) => [c.field, c.bcValue, c.dataverseValue, c.resolution])).toEqual([
        ["displayName|name", "Adatum", "ADATUM", "bcWins"],
        ["phoneNumber|telephone1", "555-0100", "old", "bcWins"],
      ]);
    }
  });

  it("matching never blanks a value the target holds; the value then flows back to fill the source's blank", () => {
    // A Dataverse account without phone or e-mail matched to a BC customer that has both (the demo's first full
    // sync blanked such customers' addresses, e-mails, websites, payment terms and currency).
    const m = mappingWith({ syncOnlyCoupled: false });
    const account = dvRec({ telephone1: null, emailaddress1: "", creditlimit: 2000 });
    const customer = bcRec({ displayName: "ADATUM" });
    const p = plan(m, "fromDataverse", { change: upsert(account), matchCandidates: [customer] }, { mode: "full" });
    expect(p.kind).toBe("couple");
    if (p.kind !== "couple") return;
    // The differing filled values are written; the blanks are not.
    expect(p.values).toEqual({ displayName: "Adatum", creditLimit: 2000 });
    expect(p.changes.map((c) => c.field).sort()).toEqual(["creditLimit|creditlimit", "displayName|name"]);
    // BC's "ADATUM" replaced by the account's "Adatum" is kept as a conflict Dataverse won; a field only Dataverse
    // owns (credit limit) is its to write, no conflict.
    expect(p.conflicts.map((c) => [c.field, c.bcValue, c.dataverseValue, c.resolution])).toEqual([
      ["displayName|name", "ADATUM", "Adatum", "dataverseWins"],
    ]);
    expect([...(p.update.pending.toDataverse ?? [])].sort()).toEqual(["email|emailaddress1", "phoneNumber|telephone1"]);

    // The coupling as the runner stores it: the next BC → Dataverse pass fills the account's blanks from BC.
    const stored: CouplingState = {
      bcId: BC_ID,
      dataverseId: DV_ID,
      snapshot: p.update.snapshot,
      pending: p.update.pending,
      dataverseModifiedAt: T1,
      dataverseVersion: 'W/"dv-2"',
    };
    const customerNow = bcRec({ displayName: "Adatum" }, { modifiedAt: T1 });
    const back = plan(
      m,
      "toDataverse",
      { change: upsert(customerNow), coupling: stored, target: account },
      { mode: "full" },
    );
    expect(back.kind).toBe("modify");
    if (back.kind !== "modify") return;
    expect(back.values).toEqual({ telephone1: "555-0100", emailaddress1: "info@adatum.com" });
    // And a later Dataverse → BC pass leaves BC's values alone.
    const again = plan(
      m,
      "fromDataverse",
      { change: upsert(account), coupling: stored, target: customerNow },
      { mode: "full" },
    );
    expect(again.kind === "modify" ? again.values : {}).not.toHaveProperty("phoneNumber");
    expect(again.kind === "modify" ? again.values : {}).not.toHaveProperty("email");
  });

  it("matching falls through priorities and never picks an already coupled row", () => {
    const byName = dvRec({}, { id: "55555555-5555-5555-5555-555555555555" });
    const byEmail = dvRec({ name: "Other name" });
    const p = plan(
      m,
      "toDataverse",
      { change: upsert(bcRec()), matchCandidates: [byName, byEmail], coupledTargetIds: new Set([byName.id]) },
      { mode: "full" },
    );
    expect(p.kind).toBe("couple");
    if (p.kind === "couple") expect(p.targetId).toBe(DV_ID);
  });

  it("an ambiguous match fails rather than creating a duplicate", () => {
    const a = dvRec({}, { id: "66666666-6666-6666-6666-666666666666" });
    const b = dvRec({}, { id: "77777777-7777-7777-7777-777777777777" });
    const p = plan(m, "toDataverse", { change: upsert(bcRec()), matchCandidates: [a, b] }, { mode: "full" });
    expect(p.kind).toBe("fail");
    if (p.kind === "fail") expect(p.error.code).toBe("BCSYNC_E_ENGINE_AMBIGUOUS_MATCH");
  });

  it("uncoupled rows created by the integration user are never synced (S15)", () => {
    const p = plan(mappingWith({ syncOnlyCoupled: false }), "fromDataverse", {
      change: upsert(dvRec({}, { modifiedBy: INTEGRATION_USER })),
    });
    expect(p).toMatchObject({ kind: "ignore", reason: "integration_user" });
  });

  it("so are those any other app registration of the integration wrote (extraPrincipals), in any letter case", () => {
    const second = "88888888-8888-4888-8888-88888888888a";
    const p = plan(
      mappingWith({ syncOnlyCoupled: false }),
      "fromDataverse",
      { change: upsert(dvRec({}, { modifiedBy: second.toUpperCase() })) },
      { integrationUsers: { dataverse: [INTEGRATION_USER, second] } },
    );
    expect(p).toMatchObject({ kind: "ignore", reason: "integration_user" });
  });
});

describe("planner: change detection and echo suppression", () => {
  const m = mappingWith();
  it.each<[string, PassDirection, SideRecord, Partial<CouplingState>, string, string | undefined]>([
    [
      "BC not modified since last sync (no row version known)",
      "toDataverse",
      bcRec({}, { modifiedAt: T0, version: undefined }),
      {},
      "unchanged",
      "not_modified",
    ],
    [
      "DV edited in the same second as the last sync: a new row version is a change",
      "fromDataverse",
      dvRec({ telephone1: "555-0199" }, { modifiedAt: T0, version: 'W/"dv-3"' }),
      {},
      "modify",
      undefined,
    ],
    [
      "BC edited in the same second as the last sync: a new row version is a change",
      "toDataverse",
      bcRec({ phoneNumber: "555-0199" }, { modifiedAt: T0, version: 'W/"bc-3"' }),
      {},
      "modify",
      undefined,
    ],
    [
      "older than the last sync with another version: the stamp still says not modified",
      "toDataverse",
      bcRec({ phoneNumber: "555-0199" }, { modifiedAt: "2026-01-01T09:00:00Z", version: 'W/"bc-0"' }),
      {},
      "unchanged",
      "not_modified",
    ],
    [
      "BC version is the one we wrote",
      "toDataverse",
      bcRec({ phoneNumber: "x" }, { version: 'W/"bc-1"' }),
      {},
      "unchanged",
      "echo",
    ],
    [
      "DV changed by the integration user (S15)",
      "fromDataverse",
      dvRec({ name: "x" }, { modifiedBy: INTEGRATION_USER }),
      {},
      "unchanged",
      "echo",
    ],
    ["modified but same mapped values", "toDataverse", bcRec({ unmappedField: "x" }), {}, "unchanged", "same_values"],
    ["skipped coupling", "toDataverse", bcRec({ phoneNumber: "x" }), { skipped: true }, "skip", "skipped_coupling"],
  ])("%s → %s", (_name, pass, source, over, kind, reason) => {
    const target = pass === "toDataverse" ? dvRec({}, { modifiedAt: T0 }) : bcRec({}, { modifiedAt: T0 });
    const p = plan(m, pass, { change: upsert(source), coupling: coupled(m, over), target });
    expect(p).toMatchObject(reason === undefined ? { kind } : { kind, reason });
  });

  it("a failed record is retried even when not modified since", () => {
    const c = coupled(m, { lastResult: { toDataverse: "failure" }, snapshot: undefined });
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({}, { modifiedAt: T0 })),
      coupling: c,
      target: dvRec({ telephone1: "x" }, { modifiedAt: T0 }),
    });
    expect(p.kind).toBe("modify");
    expect(valuesOf(p)).toEqual({ telephone1: "555-0100" });
  });

  it("writes only the changed field and records the new snapshot", () => {
    const c = coupled(m);
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: "555-0199" })),
      coupling: c,
      target: dvRec({}, { modifiedAt: T0 }),
    });
    expect(p.kind).toBe("modify");
    if (p.kind !== "modify") return;
    expect(p.values).toEqual({ telephone1: "555-0199" });
    expect(p.changes).toEqual([{ field: "phoneNumber|telephone1", from: "555-0100", to: "555-0199" }]);
    expect(p.update.snapshot["phoneNumber|telephone1"]).toEqual({ bc: "555-0199", dv: "555-0199" });
    expect(p.ifMatch).toBe('W/"dv-2"');
    expect(p.update.advanceTargetWatermark).toBe(true);
  });

  it("an unread target taken at its base gets the same write, on the stored version", () => {
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: "555-0199" })),
      coupling: coupled(m),
      targetAtBase: { version: 'W/"dv-stored"' },
    });
    expect(p).toMatchObject({ kind: "modify", values: { telephone1: "555-0199" }, ifMatch: 'W/"dv-stored"' });
    if (p.kind !== "modify") return;
    // The base's target value is what the write replaces (the sync log's "from").
    expect(p.changes).toEqual([{ field: "phoneNumber|telephone1", from: "555-0100", to: "555-0199" }]);
    expect(p.update.snapshot["phoneNumber|telephone1"]).toEqual({ bc: "555-0199", dv: "555-0199" });
  });

  it("an unread target taken at its base is not written where it already holds the new value", () => {
    const c = coupled(m);
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: String(c.snapshot?.["phoneNumber|telephone1"]?.dv) })),
      coupling: { ...c, snapshot: { ...c.snapshot, "phoneNumber|telephone1": { bc: "555-0000", dv: "555-0100" } } },
      targetAtBase: { version: 'W/"dv-stored"' },
    });
    expect(p.kind).toBe("unchanged");
  });
});

describe("planner: three-way merge", () => {
  const edits = { bc: { phoneNumber: "555-BC" }, dv: { name: "Adatum DV" } };

  it("different fields edited on both sides merge across the two passes", () => {
    const m = mappingWith();
    const c = coupled(m);
    const bc = bcRec(edits.bc);
    const dv = dvRec(edits.dv);
    const to = plan(m, "toDataverse", { change: upsert(bc), coupling: c, target: dv });
    expect(to.kind).toBe("modify");
    if (to.kind !== "modify") return;
    expect(to.values).toEqual({ telephone1: "555-BC" });
    expect(to.update.pending.fromDataverse).toEqual(["displayName|name"]);
    expect(to.update.advanceTargetWatermark).toBe(false);

    // The runner stored the update; Dataverse now carries our write (our version, integration user).
    const after: CouplingState = {
      ...c,
      snapshot: to.update.snapshot,
      pending: to.update.pending,
      bcModifiedAt: T1,
      dataverseVersion: 'W/"dv-3"',
    };
    const dvAfter = dvRec({ ...edits.dv, telephone1: "555-BC" }, { version: 'W/"dv-3"', modifiedBy: INTEGRATION_USER });
    const from = plan(m, "fromDataverse", { change: upsert(dvAfter), coupling: after, target: bc });
    expect(from.kind).toBe("modify");
    if (from.kind !== "modify") return;
    expect(from.values).toEqual({ displayName: "Adatum DV" });
    expect(from.update.pending).toEqual({ fromDataverse: [], toDataverse: [] });
  });

  it.each<[string, TableMappingInput["updateConflict"], string, Record<string, unknown> | undefined, string[]]>([
    [
      "none → open conflict, other fields still merge",
      "none",
      "conflict",
      { emailaddress1: "bc@adatum.com" },
      ["open"],
    ],
    [
      "bcWins → BC value written, DV value recorded",
      "bcWins",
      "modify",
      { telephone1: "555-BC", emailaddress1: "bc@adatum.com" },
      ["bcWins"],
    ],
    [
      "dataverseWins → BC pass leaves the field for the DV pass",
      "dataverseWins",
      "modify",
      { emailaddress1: "bc@adatum.com" },
      [],
    ],
  ])("same field on both sides, policy %s", (_name, policy, kind, values, resolutions) => {
    const m = mappingWith({ updateConflict: policy });
    const bc = bcRec({ phoneNumber: "555-BC", email: "bc@adatum.com" });
    const dv = dvRec({ telephone1: "555-DV" });
    const p = plan(m, "toDataverse", { change: upsert(bc), coupling: coupled(m), target: dv });
    expect(p.kind).toBe(kind);
    expect(valuesOf(p)).toEqual(values);
    const conflicts = "conflicts" in p ? p.conflicts : [];
    expect(conflicts.map((c) => c.resolution)).toEqual(resolutions);
    for (const c of conflicts) {
      expect(c).toMatchObject({ field: "phoneNumber|telephone1", bcValue: "555-BC", dataverseValue: "555-DV" });
      expect(c.base).toEqual({ bc: "555-0100", dv: "555-0100" });
    }
    if (p.kind === "conflict") expect(p.error.code).toBe("BCSYNC_E_ENGINE_UPDATE_CONFLICT");
  });

  it("dataverseWins: the Dataverse pass writes the DV value into BC and records the BC value", () => {
    const m = mappingWith({ updateConflict: "dataverseWins" });
    const bc = bcRec({ phoneNumber: "555-BC" });
    const dv = dvRec({ telephone1: "555-DV" });
    const p = plan(m, "fromDataverse", { change: upsert(dv), coupling: coupled(m), target: bc });
    expect(p.kind).toBe("modify");
    if (p.kind !== "modify") return;
    expect(p.values).toEqual({ phoneNumber: "555-DV" });
    expect(p.conflicts).toEqual([
      {
        field: "phoneNumber|telephone1",
        bcValue: "555-BC",
        dataverseValue: "555-DV",
        base: { bc: "555-0100", dv: "555-0100" },
        resolution: "dataverseWins",
      },
    ]);
  });

  it("both sides made the same edit: converged, nothing written", () => {
    const m = mappingWith();
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: "555-SAME" })),
      coupling: coupled(m),
      target: dvRec({ telephone1: "555-SAME" }),
    });
    expect(p).toMatchObject({ kind: "unchanged", reason: "same_values" });
    if (p.kind === "unchanged")
      expect(p.update?.snapshot["phoneNumber|telephone1"]).toEqual({ bc: "555-SAME", dv: "555-SAME" });
  });

  it("fields waiting in the review queue are not written", () => {
    const m = mappingWith();
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: "555-BC" })),
      coupling: coupled(m, { openConflicts: ["phoneNumber|telephone1"] }),
      target: dvRec({ telephone1: "555-DV" }),
    });
    expect(p).toMatchObject({ kind: "unchanged", reason: "waiting_for_review" });
  });

  it.each<[string, TableMappingInput["updateConflict"], string]>([
    ["none → whole record conflicts", "none", "conflict"],
    ["dataverseWins → BC pass skipped", "dataverseWins", "skip"],
    ["bcWins → BC values written", "bcWins", "modify"],
  ])("record-level merge (fieldLevelMerge off), different fields: %s", (_n, policy, kind) => {
    const m = mappingWith({ fieldLevelMerge: false, updateConflict: policy });
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec(edits.bc)),
      coupling: coupled(m),
      target: dvRec(edits.dv),
    });
    expect(p.kind).toBe(kind);
    if (p.kind === "conflict") expect(p.values).toEqual({});
    if (p.kind === "modify") expect(p.values).toEqual({ telephone1: "555-BC" });
  });
});

describe("planner: conversions and lookups", () => {
  const m = mappingWith();
  it.each<[string, Record<string, unknown>, LookupTable, string | Record<string, unknown>]>([
    [
      "salesperson not coupled → fails naming the field",
      { salespersonCode: "XX" },
      lookups,
      "BCSYNC_E_ENGINE_LOOKUP_NOT_COUPLED",
    ],
    [
      "no salesperson + notNull → owner left alone",
      { salespersonCode: "", phoneNumber: "1" },
      lookups,
      { telephone1: "1" },
    ],
    ["salesperson code in other case, owner already right → nothing written", { salespersonCode: "jr" }, lookups, {}],
    [
      "salesperson set → owner bound",
      { salespersonCode: "JR" },
      { SALESPEOPLE: { ...lookups.SALESPEOPLE, toDataverse: new Map([["JR", DV_ID]]) } },
      { "ownerid@odata.bind": `/systemusers(${DV_ID})` },
    ],
    ["option value without entry → fails", { shipmentMethodCode: "FEDEX" }, lookups, "BCSYNC_E_ENGINE_OPTION_UNMAPPED"],
    ["option value maps", { shipmentMethodCode: "UPS" }, lookups, { address1_freighttermscode: 2 }],
  ])("%s", (_n, bcValues, table, expected) => {
    const c = coupled(m, { snapshot: snapshotOf(m, bcRec({ salespersonCode: "OLD" }), dvRec()) });
    const p = plan(
      m,
      "toDataverse",
      { change: upsert(bcRec(bcValues)), coupling: c, target: dvRec() },
      { lookups: table },
    );
    if (typeof expected === "string") {
      expect(p.kind).toBe("fail");
      if (p.kind === "fail") {
        expect(p.error.code).toBe(expected);
        expect(p.error.message).toContain("CUSTOMER");
      }
    } else {
      expect(["modify", "unchanged"]).toContain(p.kind);
      expect(valuesOf(p) ?? {}).toEqual(expected);
    }
  });

  it("clearOnFail writes a null bind instead of failing", () => {
    const fields = base.fields.map((f) =>
      f.bcField === "salespersonCode" ? { ...f, notNull: false, clearOnFail: true } : f,
    );
    const mm = mappingWith({ fields });
    const c = coupled(mm);
    const p = plan(mm, "toDataverse", {
      change: upsert(bcRec({ salespersonCode: "XX" })),
      coupling: c,
      target: dvRec(),
    });
    expect(valuesOf(p)).toEqual({ "ownerid@odata.bind": null });
  });

  it("a child mapping binds its parent through the parent's couplings", () => {
    const lines = defineTableMapping({
      name: "POSTEDSALESLINE-INV",
      bc: { entitySet: "salesInvoiceLines" },
      dataverse: { table: "invoicedetail", entitySet: "invoicedetails", keyField: "invoicedetailid" },
      direction: "toDataverse",
      syncOnlyCoupled: false,
      parent: { mapping: "POSTEDSALESINV-INV", bcParentField: "documentId", dataverseParentField: "invoiceid" },
      fields: [{ bcField: "quantity", dataverseField: "quantity" }],
    });
    const table: LookupTable = {
      "POSTEDSALESINV-INV": {
        dataverseEntitySet: "invoices",
        toDataverse: new Map([[BC_ID, DV_ID]]),
        fromDataverse: new Map([[DV_ID, BC_ID]]),
      },
    };
    const line: SideRecord = { id: "l1", modifiedAt: T1, values: { documentId: BC_ID.toUpperCase(), quantity: 2 } };
    const p = plan(lines, "toDataverse", { change: upsert(line) }, { lookups: table });
    expect(valuesOf(p)).toEqual({ "invoiceid@odata.bind": `/invoices(${DV_ID})`, quantity: 2 });
  });
});

describe("planner: deletions", () => {
  it.each<[string, TableMappingInput["deletionConflict"], string, boolean | undefined]>([
    ["none → fail", "none", "fail", undefined],
    ["removeCoupling → uncouple", "removeCoupling", "uncouple", undefined],
    ["restoreRecord → insert again", "restoreRecord", "insert", true],
  ])("counterpart deleted, policy %s", (_n, policy, kind, restore) => {
    const m = mappingWith({ deletionConflict: policy });
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: "x" })),
      coupling: coupled(m),
      target: null,
    });
    expect(p.kind).toBe(kind);
    if (p.kind === "fail") expect(p.error.code).toBe("BCSYNC_E_ENGINE_COUNTERPART_DELETED");
    if (p.kind === "insert") expect(p.restore).toBe(restore);
  });

  // Issue 10.7: a deletion that does not propagate is a deletion conflict for the survivor, settled by the policy.
  it.each<[string, boolean, DeletionConflictPolicy, string]>([
    ["not propagated, policy none → fail (coupled to a deleted record)", false, "none", "fail"],
    ["not propagated, policy removeCoupling → uncouple", false, "removeCoupling", "uncouple"],
    [
      "not propagated, policy restoreRecord → ignore (the survivor's full sync restores it)",
      false,
      "restoreRecord",
      "ignore",
    ],
    ["propagated → delete the counterpart", true, "none", "delete"],
  ])("source deleted: %s", (_n, propagateDeletes, deletionConflict, kind) => {
    const m = mappingWith({ propagateDeletes, deletionConflict });
    const p = plan(m, "fromDataverse", { change: { kind: "deleted", id: DV_ID }, coupling: coupled(m) });
    expect(p.kind).toBe(kind);
    if (p.kind === "delete") expect(p.targetId).toBe(BC_ID);
  });
});

describe("planner: insert-only fields", () => {
  const fields = base.fields.map((f) => (f.bcField === "salespersonCode" ? { ...f, insertOnly: true } : f));
  const m = mappingWith({ fields });
  const matched = dvRec({ _ownerid_value: null });
  it.each<[string, PlanInput, PlanContext["mode"], LookupTable, string, Record<string, unknown>]>([
    [
      "an insert writes it",
      { change: upsert(bcRec()), matchCandidates: [] },
      "full",
      lookups,
      "insert",
      { "ownerid@odata.bind": `/systemusers(${USER_JR})` },
    ],
    [
      "an update never writes it, even when the source changed",
      {
        change: upsert(bcRec({ salespersonCode: "OTHER", phoneNumber: "555-0199" })),
        coupling: coupled(m),
        target: dvRec(),
      },
      "scheduled",
      { SALESPEOPLE: { ...lookups.SALESPEOPLE, toDataverse: new Map([["OTHER", INTEGRATION_USER]]) } },
      "modify",
      { telephone1: "555-0199" },
    ],
    [
      "an update does not fail on it when its lookup no longer resolves",
      {
        change: upsert(bcRec({ salespersonCode: "GONE", phoneNumber: "555-0199" })),
        coupling: coupled(m),
        target: dvRec(),
      },
      "scheduled",
      lookups,
      "modify",
      { telephone1: "555-0199" },
    ],
    [
      "a forced update leaves it alone too",
      { change: upsert(bcRec({ salespersonCode: "GONE" })), coupling: coupled(m), target: dvRec() },
      "force",
      lookups,
      "unchanged",
      {},
    ],
    [
      "a match (fresh coupling) keeps the target's value",
      { change: upsert(bcRec()), matchCandidates: [matched] },
      "full",
      lookups,
      "couple",
      {},
    ],
  ])("%s", (_n, input, mode, table, kind, expected) => {
    const p = plan(m, "toDataverse", input, { mode, lookups: table });
    expect(p.kind).toBe(kind);
    const values = valuesOf(p) ?? {};
    if (kind === "insert") expect(values).toMatchObject(expected);
    else expect(values).toEqual(expected);
  });
});

describe("planner: field validation passed to the write", () => {
  const fields = base.fields.map((f) =>
    f.bcField === "phoneNumber" || f.bcField === "salespersonCode" ? { ...f, validate: true } : f,
  );
  const m = mappingWith({ fields });
  it.each<[string, PassDirection, Record<string, unknown>, string[]]>([
    [
      "BC → DV: unvalidated columns and binds that are written",
      "toDataverse",
      { name: "x", telephone1: "1", "ownerid@odata.bind": "/systemusers(1)" },
      ["name"],
    ],
    [
      "DV → BC: only fields written",
      "fromDataverse",
      { displayName: "x", phoneNumber: "1", creditLimit: 5 },
      ["displayName", "creditLimit"],
    ],
    ["nothing written", "fromDataverse", {}, []],
  ])("%s", (_n, pass, values, expected) => {
    expect(unvalidatedProperties(m, pass, values)).toEqual(expected);
  });
});

describe("planner: a lookup cleared by clearOnFail is retried, never written back", () => {
  const fields = base.fields.map((f) =>
    f.bcField === "salespersonCode"
      ? { ...f, notNull: false, clearOnFail: true, direction: "bidirectional" as const }
      : f,
  );
  const m = mappingWith({ fields });
  const unknownOwner = { SALESPEOPLE: { ...lookups.SALESPEOPLE, toDataverse: new Map<string, string>() } };
  const inserted = plan(
    m,
    "toDataverse",
    { change: upsert(bcRec()), matchCandidates: [] },
    { mode: "full", lookups: unknownOwner },
  );
  const afterInsert = (): CouplingState =>
    coupled(m, { snapshot: inserted.kind === "insert" ? inserted.update.snapshot : undefined });

  it("the insert writes a blank owner", () => {
    expect(valuesOf(inserted)).toMatchObject({ "ownerid@odata.bind": null });
  });
  it("once the salesperson is coupled, the next change of the record writes the owner", () => {
    const p = plan(m, "toDataverse", {
      change: upsert(bcRec({ phoneNumber: "555-0199" })),
      coupling: afterInsert(),
      target: dvRec({ _ownerid_value: null }),
    });
    expect(valuesOf(p)).toMatchObject({ "ownerid@odata.bind": `/systemusers(${USER_JR})`, telephone1: "555-0199" });
  });
  it("the reverse pass does not write the blank back over the BC code", () => {
    const p = plan(m, "fromDataverse", {
      change: upsert(dvRec({ _ownerid_value: null, telephone1: "555-0142" })),
      coupling: afterInsert(),
      target: bcRec(),
    });
    expect(valuesOf(p)).toEqual({ phoneNumber: "555-0142" });
  });
});

describe("values the target's metadata refuses (issue 14.6)", () => {
  const rules = (over: Partial<NonNullable<PlanContext["targetRules"]>> = {}): PlanContext["targetRules"] => ({
    required: new Set(),
    email: new Set(),
    options: new Map(),
    ...over,
  });
  const insert = (pass: PassDirection, record: SideRecord, targetRules: PlanContext["targetRules"]) =>
    planRecord(ctx(mappingWith({ syncOnlyCoupled: false }), pass, { targetRules, mode: "full" }), {
      change: upsert(record),
    });

  it("a required target property left empty fails the record, naming record, id and field", () => {
    const plan = insert("toDataverse", bcRec({ phoneNumber: "" }), rules({ required: new Set(["telephone1"]) }));
    expect(plan.kind).toBe("fail");
    const error = (plan as Extract<RecordPlan, { kind: "fail" }>).error;
    expect(error).toMatchObject({ code: "BCSYNC_E_ENGINE_VALUE_REQUIRED", field: "phoneNumber|telephone1" });
    expect(error.message).toContain(`Adatum (${BC_ID})`);
    // A value present is fine.
    expect(insert("toDataverse", bcRec(), rules({ required: new Set(["telephone1"]) })).kind).toBe("insert");
  });

  it("an e-mail property accepts addresses (several separated by ';') and refuses anything else", () => {
    const check = (email: string) =>
      insert("toDataverse", bcRec({ email }), rules({ email: new Set(["emailaddress1"]) })).kind;
    expect(check("info@adatum.com")).toBe("insert");
    expect(check("a@adatum.com; b@adatum.co.uk")).toBe("insert");
    expect(check("")).toBe("insert");
    for (const bad of ["info at adatum", "info@adatum", "@adatum.com", "in fo@adatum.com", "a@b.com;c", ";"])
      expect([bad, check(bad)]).toEqual([bad, "fail"]);
  });

  it("a choice value outside the target's options fails; one inside is written", () => {
    const options = rules({ options: new Map([["address1_freighttermscode", new Set([1])]]) });
    expect(insert("toDataverse", bcRec({ shipmentMethodCode: "DHL" }), options).kind).toBe("insert");
    const plan = insert("toDataverse", bcRec({ shipmentMethodCode: "UPS" }), options);
    expect(plan).toMatchObject({
      kind: "fail",
      error: { code: "BCSYNC_E_ENGINE_OPTION_VALUE_INVALID", field: "shipmentMethodCode|address1_freighttermscode" },
    });
  });
});
