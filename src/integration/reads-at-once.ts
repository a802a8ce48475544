// The reads of a sync begun before their mapping's turn (syncMappings). A scheduled sync begins all of them at its
// start: every engine pass's change read (readChangesEarly), every option-set mapping's choice column and code table
// (readOptionsEarly), and every company-scoped mapping's unstamped Sales rows (readUnclaimedEarly). The 19 default
// mappings with nothing changed then wait for one round of reads side by side instead of 51 reads in a row. A full
// sync reads the next mapping's first page while the current one runs (readEarly).
//
// A read begun early holds its side as it was when it began. A pass that planned from it after an earlier pass of
// the run wrote to that side would plan from rows older than that write, and could put old values back: a customer
// edited in both BC and Sales would get its old phone number back in BC. So the sync tells WrittenSides what each
// pass and flow may have written, and a read is taken over only while its side is untouched.

import type { DataversePage, Result } from "../connectors/index.ts";
import type { PassDirection, TableMapping } from "../engine/model.ts";
import { type EarlyOptionRead, readOptionsEarly } from "../engine/options.ts";
import type { HeadStart } from "../engine/pipeline/read.ts";
import type { Side } from "../engine/ports.ts";
import { type EarlyRead, type EngineDeps, type PassReport, readChangesEarly } from "../engine/runner.ts";
import { readUnclaimedEarly } from "./company.ts";
import type { IntegrationContext } from "./context.ts";
import type { MappingSyncResult } from "./sync.ts";

export class ReadsAtOnce {
  /** What this sync has written so far. */
  readonly written = new WrittenSides();
  private readonly changeReads = new Map<string, Promise<EarlyRead[]>>();
  private readonly optionReads = new Map<string, EarlyOptionRead>();
  private readonly claimReads = new Map<string, HeadStart<Result<DataversePage>>>();

  /**
   * Begins every read of these mappings, side by side: those of the engine's passes (`runsTheEngine`) and the
   * claim reads of all of them.
   */
  begin(
    ctx: IntegrationContext,
    mappings: readonly TableMapping[],
    engineFor: (mapping: TableMapping) => EngineDeps,
    runsTheEngine: (mapping: TableMapping) => boolean,
  ): void {
    const written = this.written;
    for (const mapping of mappings) {
      const claims = readUnclaimedEarly(ctx, mapping);
      if (claims) this.claimReads.set(mapping.name, claims);
      if (!runsTheEngine(mapping)) continue;
      // An option-set pass reads a choice column and a BC code table: usable while nothing was written.
      const options = readOptionsEarly(ctx.engine, mapping.name, () => written.nothingWritten());
      if (options) this.optionReads.set(mapping.name, options);
      const usable = (pass: PassDirection) => !written.hasWritten(readSide(pass));
      // A read that could not begin is no loss: the pass reads for itself, and tells its error.
      this.changeReads.set(
        mapping.name,
        readChangesEarly(engineFor(mapping), mapping.name, usable).catch(() => []),
      );
    }
  }

  /** A read begun for this mapping elsewhere (a full sync's next first page, readEarly). */
  add(mapping: string, read: EarlyRead): void {
    this.changeReads.set(mapping, Promise.resolve([read]));
  }

  /** The change reads begun for this mapping's passes (RunOptions.earlyReads). */
  async changeReadsOf(mapping: string): Promise<EarlyRead[]> {
    return (await this.changeReads.get(mapping)) ?? [];
  }

  /** The reads begun for this option-set mapping's pass (RunOptions.earlyOptionRead). */
  optionReadOf(mapping: string): EarlyOptionRead | undefined {
    return this.optionReads.get(mapping);
  }

  /**
   * The claim read begun for this mapping, when it holds every row its passes could have coupled: not when they
   * coupled rows (created or matched) that they read after it began.
   */
  claimReadOf(mapping: string, passes: readonly PassReport[]): HeadStart<Result<DataversePage>> | undefined {
    const coupledNow = passes.some((p) => p.counters.inserted + p.counters.coupled > 0);
    return coupledNow ? undefined : this.claimReads.get(mapping);
  }

  /** Closes the reads nobody took over (after their first page: no request is left dangling). */
  async close(): Promise<void> {
    for (const reads of this.changeReads.values()) for (const unclaimed of await reads) await unclaimed.read.cancel();
    for (const read of this.claimReads.values()) await read.cancel();
  }
}

/** The side a pass reads: BC → Sales reads Business Central, Sales → BC reads Dataverse. */
function readSide(pass: PassDirection): Side {
  return pass === "toDataverse" ? "bc" : "dataverse";
}

/**
 * The sides a sync has written to so far. Counted as a write: anything a pass inserted, modified, deleted, coupled
 * or uncoupled, and any write request it sent (one whose answer was lost may have landed); where a pass does not
 * count its requests, any failure.
 */
export class WrittenSides {
  private readonly sides = new Set<Side>();

  hasWritten(side: Side): boolean {
    return this.sides.has(side);
  }

  nothingWritten(): boolean {
    return this.sides.size === 0;
  }

  wrote(side: Side): void {
    this.sides.add(side);
  }

  /** An engine pass ended: BC → Sales writes Dataverse (and its hooks there), Sales → BC writes Business Central. */
  afterPass(report: PassReport): void {
    if (mayHaveWritten(report)) this.wrote(report.direction === "toDataverse" ? "dataverse" : "bc");
  }

  /** A mapping run outside the engine's passes (a flow's steps write both sides), or one that stopped on an error. */
  afterMapping(result: MappingSyncResult): void {
    if (result.error !== undefined || result.passes.some(mayHaveWritten)) {
      this.wrote("bc");
      this.wrote("dataverse");
    }
  }
}

function mayHaveWritten(report: PassReport): boolean {
  const c = report.counters;
  if (c.inserted + c.modified + c.deleted + c.coupled + c.uncoupled > 0) return true;
  // A record that failed in planning (a value Sales refuses, a lookup not coupled) sent nothing.
  if (report.writeRequests !== undefined) return report.writeRequests > 0;
  return c.failed > 0 || report.status === "failed";
}
