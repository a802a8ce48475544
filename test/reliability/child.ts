// One bidirectional sync of the CUSTOMER mapping in a child process, printing `page <n>` after each page, so the
// fault suite can SIGKILL it at a chosen page (a state, not a moment). Settings come from the JSON file in argv[2].
import { readFileSync } from "node:fs";
import { createBusinessCentralClient, createDataverseClient } from "../../src/connectors/index.ts";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import { TableMapping } from "../../src/engine/model.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { isBcsyncError } from "../../src/errors/define.ts";
import { withMappingLease } from "../../src/integration/mapping-lease.ts";
import { storeFailure } from "../../src/store/failures.ts";
import { openStore } from "../../src/store/index.ts";

export interface SuiteChildConfig {
  credentials: { tenantId: string; clientId: string; clientSecret: string; authority: string; caPem: string };
  dataverseUrl: string;
  bc: { url: string; environment: string; tenantId: string; companyId: string };
  store: { dataDir: string } | { url: string; schema: string; applicationName: string };
  mapping: unknown;
  integrationUserId: string;
  pageSize: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
}

const config = JSON.parse(readFileSync(process.argv[2], "utf8")) as SuiteChildConfig;
const mapping = TableMapping.parse(config.mapping);
const dataverse = createDataverseClient({ url: config.dataverseUrl, ...config.credentials, retry: config.retry });
const businessCentral = createBusinessCentralClient({
  url: config.bc.url,
  environment: config.bc.environment,
  ...config.credentials,
  tenantId: config.bc.tenantId,
  retry: config.retry,
});
const store = await openStore(config.store);
let pages = 0;
try {
  // As `bcsync sync` runs a mapping: under its lease, which also marks the jobs of a killed predecessor failed.
  const reports = await withMappingLease(store, mapping.name, () =>
    runMapping(
      {
        store,
        ports: connectorPorts({ dataverse, businessCentral, companyId: config.bc.companyId }),
        mappings: (name) => (name === mapping.name ? mapping : undefined),
        integrationUsers: { dataverse: [config.integrationUserId] },
      },
      mapping.name,
      {
        pageSize: config.pageSize,
        // With the faults this process met so far (its requests retried or failed below HTTP), for the suite's report.
        onPage: () => {
          const [d, b] = [dataverse.metrics(), businessCentral.metrics()];
          const met = d.retries + b.retries + d.outcomeUnknown + b.outcomeUnknown;
          process.stdout.write(`page ${++pages} ${met}\n`);
        },
      },
    ),
  );
  process.stdout.write(`done ${JSON.stringify(reports.map((r) => [r.status, r.counters]))}\n`);
} catch (error) {
  // A run that cannot go on (a full disk, a lost store connection) must end with a catalogued error, as the CLI
  // reports it; anything else is printed as the bug it is.
  const known = isBcsyncError(error) ? error : storeFailure(error);
  process.stdout.write(`error ${known ? known.code : `UNEXPECTED ${(error as Error)?.stack ?? String(error)}`}\n`);
  process.exitCode = 3;
}
await store.close().catch(() => undefined);
await dataverse.close();
await businessCentral.close();
