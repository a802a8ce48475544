// What every route plugin under /api/v1 gets (`app.register(plugin, { deps })`): the open integration, the job
// queue actions and the wake of a mapping. Route plugins register from src/server/api/index.ts.

import type { IntegrationContext } from "../../integration/context.ts";
import type { JobQueueControl } from "../../jobs/control.ts";
import type { Store } from "../../store/index.ts";
import type { RecordEditorDeps } from "./records.ts";

export interface ApiDeps {
  ctx: IntegrationContext;
  /** Run now, hold, resume and list job queue entries. */
  jobs: JobQueueControl;
  /**
   * A change arrived for a mapping: its entry (on hold for inactivity or waiting for its interval) runs now.
   * Debounced and deduplicated: a burst of wakes is one run, plus one more if a wake came in during that run.
   */
  wake(mappingName: string): void;
  /**
   * Where accounts and API tokens live when it is not `ctx.store`: a service connecting several companies keeps
   * its sign-ins in the first company's store, whichever company's API makes the token.
   */
  accountsStore?: Store;
  /** Demo mode only (the service runs against the local emulators): the emulator record editor's routes. */
  recordEditor?: RecordEditorDeps;
}

/** The options of every route plugin. */
export interface ApiPluginOptions {
  deps: ApiDeps;
}
