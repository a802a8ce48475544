// A full pass's first page read before the pass begins (readEarly: `bcsync sync --full` reads the next mapping's
// while the one before it, which writes nothing to Business Central, still runs): the pass takes the read over and
// reads no row twice, counts its watermark from when the early read began, and closes an early read asked with
// other options instead of using it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type EngineDeps, readEarly, runMapping } from "../../src/engine/runner.ts";
import { type Harness, scaleCustomerMapping, startHarness } from "./harness.ts";

const CUSTOMERS = 300;
const mapping = scaleCustomerMapping();

let h: Harness;

beforeEach(async () => {
  h = await startHarness([mapping], ":memory:", { seed: `scale:${CUSTOMERS}`, limits: "off", cost: "off" });
}, 120_000);

afterEach(async () => {
  await h?.close();
});

/** Customers in Business Central (the `scale:N` seed makes a few more than N). */
const customerCount = () => h.emulators.businessCentral.company(h.companyId).rows("customer").length;

/** One full BC → Dataverse pass, and the rows Business Central served from before the early read to its end. */
async function fullPass(early: (deps: EngineDeps) => ReturnType<typeof readEarly>, pageSize = 100) {
  const before = h.emulators.businessCentral.tally.rowsRead;
  const earlyRead = early(h.deps);
  const [report] = await runMapping(h.deps, mapping.name, {
    mode: "full",
    passes: ["toDataverse"],
    pageSize,
    ...(earlyRead ? { earlyReads: [earlyRead] } : {}),
  });
  expect(report.status, report.message).toBe("succeeded");
  return { report, earlyRead, rowsRead: h.emulators.businessCentral.tally.rowsRead - before };
}

describe("a full pass read early", () => {
  it("is taken over by its pass: every customer read once and written once", async () => {
    const { report, earlyRead } = await fullPass((deps) => readEarly(deps, mapping.name, { pageSize: 100 }));
    expect(report.counters.inserted).toBe(customerCount());
    expect(report.counters.failed).toBe(0);
    // Taken: nothing is left to hand over.
    expect(earlyRead?.read.take()).toBeUndefined();
    expect(customerCount()).toBeGreaterThanOrEqual(CUSTOMERS);
    expect(await h.store.couplings.count(mapping.name)).toBe(customerCount());
  });

  it("reads no more rows than the same pass reading for itself", async () => {
    const early = await fullPass((deps) => readEarly(deps, mapping.name, { pageSize: 100 }));
    // The same table read again by a pass of its own (its records are coupled now: nothing is written).
    const own = await fullPass(() => undefined);
    expect(own.report.counters.unchanged).toBe(customerCount());
    expect(early.rowsRead).toBe(own.rowsRead);
  });

  it("counts its watermark from when the early read began", async () => {
    // The early read's clock an hour behind the pass's: the next read must start from the early read's start.
    const hourAgo = Date.now() - 3_600_000;
    await fullPass((deps) => readEarly({ ...deps, now: () => new Date(hourAgo) }, mapping.name, { pageSize: 100 }));
    const watermark = await h.store.watermarks.get(mapping.name, "toDataverse");
    expect(Date.parse(watermark.modifiedAt ?? "")).toBeLessThanOrEqual(hourAgo);
  });

  it("is closed, not used, when the pass reads with other options", async () => {
    const { report, earlyRead } = await fullPass((deps) => readEarly(deps, mapping.name, { pageSize: 50 }), 100);
    expect(report.counters.inserted).toBe(customerCount());
    expect(earlyRead).toBeDefined();
    expect(earlyRead?.read.take()).toBeUndefined();
  });
});
