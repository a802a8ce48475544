// What incremental runs read (issue 13), counted by the emulators themselves (their tally of requests admitted
// and rows read): a run with nothing changed re-reads no row stamped long before it; the reverse pass of a full
// sync does not read back by id the counterparts its forward pass has just read; and an edit stamped before a
// run began reading but committed during it still arrives in the next run (why the overlap exists).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkTally } from "../../emulators/contracts.ts";
import type { PassDirection } from "../../src/engine/model.ts";
import { type EngineDeps, nextWatermark, type RunOptions, runMapping, SeenThisRun } from "../../src/engine/runner.ts";
import { getCustomer, type Harness, scaleCustomerMapping, startHarness, updateCustomer } from "./harness.ts";

const CUSTOMERS = 300;
const mapping = scaleCustomerMapping();

let h: Harness;

beforeAll(async () => {
  h = await startHarness([mapping], ":memory:", { seed: `scale:${CUSTOMERS}`, limits: "off", cost: "off" });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const copy = (t: WorkTally): WorkTally => ({ ...t, byMethod: { ...t.byMethod } });

/** Runs one pass and returns what each emulator served during it. */
async function pass(
  direction: PassDirection,
  mode: "full" | "scheduled",
  deps: EngineDeps = h.deps,
  seen?: SeenThisRun,
  options: RunOptions = {},
) {
  const bc = copy(h.emulators.businessCentral.tally);
  const dv = copy(h.emulators.dataverse.tally);
  const [report] = await runMapping(deps, mapping.name, {
    mode,
    passes: [direction],
    pageSize: 100,
    ...(seen ? { seen } : {}),
    ...options,
  });
  expect(report.status, report.message).toBe("succeeded");
  const served = (now: WorkTally, before: WorkTally) => ({
    gets: (now.byMethod.GET ?? 0) - (before.byMethod.GET ?? 0),
    rowsRead: now.rowsRead - before.rowsRead,
    rowsWritten: now.rowsWritten - before.rowsWritten,
  });
  return { report, bc: served(h.emulators.businessCentral.tally, bc), dv: served(h.emulators.dataverse.tally, dv) };
}

/** The engine as it runs `seconds` from now (its clock only: the services keep theirs). */
const later = (seconds: number): EngineDeps => ({ ...h.deps, now: () => new Date(Date.now() + seconds * 1000) });

describe("incremental reads", () => {
  it("a full sync's reverse pass reads back by id none of the records its forward pass has just read", async () => {
    // A minute after the seed: no write stamped before the sync began can still be under way.
    // One full sync, its two passes run one after the other as `bcsync sync --full` runs them.
    const seen = new SeenThisRun();
    const forward = await pass("toDataverse", "full", later(60), seen);
    expect(forward.report.counters.inserted).toBeGreaterThanOrEqual(CUSTOMERS);
    const reverse = await pass("fromDataverse", "full", later(60), seen);
    expect(reverse.report.counters.unchanged).toBe(forward.report.counters.inserted);
    // The accounts are read (a full sync reads its whole source); Business Central is not read at all.
    expect(reverse.dv.rowsRead).toBeGreaterThanOrEqual(CUSTOMERS);
    expect(reverse.bc.rowsRead).toBe(0);
  });

  it("with nothing changed, a later run reads once per direction and no row a run has read before", async () => {
    // Every customer edited at once (a bulk import): their stamps fall within one second. Reading one overlap
    // window back from the newest stamp re-read all of them at every run, however long ago they were made; starting
    // at the newest stamp still re-read the rows sharing it (a bulk edit stamps many rows alike).
    const company = h.emulators.businessCentral.company(h.companyId);
    for (const [i, row] of company.rows("customer").entries()) {
      company.update("customer", String(row.id), { phoneNumber: `+1 555 ${i}` });
    }
    const stamps = company.rows("customer").map((r) => String(r.lastModifiedDateTime));
    const newest = [...stamps].sort().at(-1) ?? "";
    expect(stamps.filter((s) => Date.parse(s) > Date.parse(newest) - 1000).length).toBeGreaterThan(CUSTOMERS / 2);
    const atNewest = stamps.filter((s) => s === newest).length;
    const edits = await pass("toDataverse", "scheduled", later(60));
    expect(edits.report.counters.modified).toBeGreaterThanOrEqual(CUSTOMERS);
    // The reverse pass reads the accounts just written once (its own echo), then they are behind it.
    await pass("fromDataverse", "scheduled", later(60));
    const forward = await pass("toDataverse", "scheduled", later(120));
    expect(forward.bc.gets).toBe(1);
    expect(atNewest).toBeGreaterThan(0);
    expect(forward.bc.rowsRead).toBe(0);
    expect(forward.dv.rowsWritten + forward.bc.rowsWritten).toBe(0);
    const reverse = await pass("fromDataverse", "scheduled", later(120));
    expect(reverse.dv.gets).toBe(1);
    expect(reverse.dv.rowsWritten + reverse.bc.rowsWritten).toBe(0);
  });

  it("an edit stamped before a run began reading, and committed during it, arrives in the next run", async () => {
    const company = h.emulators.businessCentral.company(h.companyId);
    const [first, second] = company.rows("customer").slice(0, 2);
    // This run's clock is 0.7 s ahead of the services': an edit made while it runs carries a stamp from before
    // the run began, as a write whose transaction took its time does.
    // A first edit gives the run a page to read; the second is made while that page is written.
    await updateCustomer(h, String(first.id), { phoneNumber: "+1 555 0101" });
    let edited = false;
    const [report] = await runMapping(later(0.7), mapping.name, {
      passes: ["toDataverse"],
      pageSize: 100,
      onPage: () => {
        if (edited) return;
        edited = true;
        company.update("customer", String(second.id), { phoneNumber: "+1 555 0199" });
      },
    });
    expect(report.status).toBe("succeeded");
    expect(report.counters.modified).toBe(1);
    expect(edited).toBe(true);
    expect((await getCustomer(h, String(second.id)))?.phoneNumber).toBe("+1 555 0199");
    const next = await pass("toDataverse", "scheduled");
    expect(next.report.counters.modified).toBe(1);
    const coupling = await h.store.couplings.getByBcId(mapping.name, String(second.id));
    const account = await h.dv.retrieve("accounts", coupling!.dataverseId, { select: ["telephone1"] });
    expect(account.ok && account.value?.telephone1).toBe("+1 555 0199");
  });

  it("a scheduled run writes changed records on their counterparts' stored versions, reading only one that changed", async () => {
    const company = h.emulators.businessCentral.company(h.companyId);
    const rows = company.rows("customer").slice(10, 20);
    for (const [i, row] of rows.entries()) company.update("customer", String(row.id), { phoneNumber: `+1 555 07${i}` });
    // One account was changed in Sales since the last sync: its stored version is stale.
    const changed = await h.store.couplings.getByBcId(mapping.name, String(rows[0].id).toLowerCase());
    const renamed = await h.dv.update("accounts", changed!.dataverseId, { name: "Renamed in Sales" });
    expect(renamed.ok).toBe(true);
    const run = await pass("toDataverse", "scheduled", later(180));
    expect(run.report.counters.modified).toBe(rows.length);
    expect(run.report.counters.failed).toBe(0);
    // Only the account refused as stale (412) is read, by id, before it is written again.
    expect(run.dv.gets).toBe(1);
    expect(run.dv.rowsRead).toBe(1);
    const account = await h.dv.retrieve("accounts", changed!.dataverseId, { select: ["name", "telephone1"] });
    expect(account.ok && account.value).toMatchObject({ name: "Renamed in Sales", telephone1: "+1 555 070" });
    for (const [i, row] of rows.entries()) {
      const c = await h.store.couplings.getByBcId(mapping.name, String(row.id).toLowerCase());
      const a = await h.dv.retrieve("accounts", c!.dataverseId, { select: ["telephone1"] });
      expect(a.ok && a.value?.telephone1).toBe(`+1 555 07${i}`);
    }

    // Read by watermark (a table without change tracking), the reverse pass leaves the accounts bcsync has just
    // written out of its read (modifiedby is the integration user, as Business Central filters): only the one whose
    // Sales edit is owed to Business Central is read, by id. (Change tracking takes no filter: a delta read gets
    // every row written since its link, echoes included, and the planner skips them.)
    const byWatermark = { useDelta: false } as const;
    const reverse = await pass("fromDataverse", "scheduled", later(180), undefined, byWatermark);
    expect(reverse.dv.rowsRead).toBe(1);
    expect(reverse.report.counters.modified).toBe(1);
    expect((await getCustomer(h, String(rows[0].id)))?.displayName).toBe("Renamed in Sales");
    const again = await pass("fromDataverse", "scheduled", later(240), undefined, byWatermark);
    expect(again.dv.rowsRead + again.bc.rowsWritten).toBe(0);
  });
});

describe("where the next read starts", () => {
  const read = { startedAt: "2026-12-06T10:00:05.400Z", overlapMs: 1000 };
  it("just after the newest stamp once every page was read, as no row stamped that old can still come", () => {
    expect(nextWatermark("2026-12-06T09:00:00.250Z", read, true)).toBe("2026-12-06T09:00:00.251Z");
    // Whole-second stamps (Dataverse) alike.
    expect(nextWatermark("2026-12-06T09:00:00Z", read, true)).toBe("2026-12-06T09:00:00.001Z");
  });
  it("at the newest stamp itself mid-read: the rest of its rows may be on pages not yet recorded", () => {
    expect(nextWatermark("2026-12-06T09:00:00.250Z", read, false)).toBe("2026-12-06T09:00:00.250Z");
  });
  it("one overlap window before the read began when changes were still being made, complete or not", () => {
    for (const complete of [true, false]) {
      expect(nextWatermark("2026-12-06T10:00:05.000Z", read, complete)).toBe("2026-12-06T10:00:04.000Z");
    }
    // Never past that point, whatever the precision of the newest stamp.
    expect(nextWatermark("2026-12-06T10:00:03.9995Z", read, true)).toBe("2026-12-06T10:00:04.000Z");
  });
});
