// The trigger that needs nothing from the services but read access: every few seconds, one cheap request per
// mapped table and side asks "changed since the watermark?" (`$top=1`, modified after the last synchronized stamp;
// on Dataverse, not by the integration user, so bcsync's own writes do not wake anything). A yes wakes the
// mapping's job queue entry now (seed S17: a change re-arms the entry on hold for its table). It is the safety net
// behind webhooks too: a lost notification delays a change by one poll, never loses it.

import { COMPANION_API } from "../connectors/index.ts";
import type { PassDirection, TableMapping } from "../engine/model.ts";
import { passesOf } from "../engine/model.ts";
import type { IntegrationContext } from "../integration/context.ts";

export interface PollerOptions {
  ctx: IntegrationContext;
  /** Called with the mapping whose table changed (the ChangeWaker debounces). */
  wake: (mappingName: string) => void;
  intervalMs?: number;
  /** Reported per failed probe; the poller carries on (a service that is down is retried next poll). */
  onError?: (mapping: string, error: Error) => void;
  /** Which mapping sides to probe (default all): sides whose webhooks work are left to them. */
  include?: (mapping: TableMapping, pass: PassDirection) => boolean;
}

export class ChangePoller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<unknown> | undefined;
  /** Changes since the service started count when a side has no watermark yet. */
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    const loop = async () => {
      this.polling = this.pollOnce();
      await this.polling;
      if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs ?? 5000);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  /** One round: probes every mapping with a recurring job queue entry; resolves with the mappings woken. */
  async pollOnce(): Promise<string[]> {
    const { ctx } = this.options;
    const scheduled = new Set(
      (await ctx.store.queue.list()).filter((e) => e.recurring && e.mappingName).map((e) => e.mappingName as string),
    );
    const woken: string[] = [];
    for (const mapping of ctx.mappings) {
      if (!scheduled.has(mapping.name) || mapping.kind !== "table") continue;
      for (const pass of passesOf(mapping.direction)) {
        if (this.stopped) return woken;
        if (this.options.include && !this.options.include(mapping, pass)) continue;
        try {
          if (await this.changed(mapping, pass)) {
            woken.push(mapping.name);
            this.options.wake(mapping.name);
            break;
          }
        } catch (error) {
          this.options.onError?.(mapping.name, error as Error);
        }
      }
    }
    return woken;
  }

  private async changed(mapping: TableMapping, pass: PassDirection): Promise<boolean> {
    const { ctx } = this.options;
    const since = (await ctx.store.watermarks.get(mapping.name, pass)).modifiedAt ?? this.startedAt;
    if (pass === "toDataverse") {
      const scope = ctx.businessCentral.company(ctx.companyId, mapping.bc.api === "companion" ? COMPANION_API : "v2.0");
      const filter = `${mapping.bc.modifiedField} gt ${since}`;
      for await (const page of scope.pages(mapping.bc.entitySet, { filter, select: ["id"], top: 1 })) {
        if (!page.ok) throw page.error;
        return page.value.rows.length > 0;
      }
      return false;
    }
    const dv = mapping.dataverse;
    const notOurs = (ctx.engine.integrationUsers?.dataverse ?? [])
      .map((user) => ` and ${dv.modifiedByField} ne ${user}`)
      .join("");
    const filter = `${dv.modifiedField} gt ${since}${notOurs}`;
    for await (const page of ctx.dataverse.pages(dv.entitySet, { filter, select: [dv.keyField], top: 1 })) {
      if (!page.ok) throw page.error;
      return page.value.rows.length > 0;
    }
    return false;
  }
}
