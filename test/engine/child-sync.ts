// Runs one sync of a mapping in a child process, printing `page <n>` after each page, so a scenario can
// SIGKILL it mid-run. Connection details come from the JSON file named by argv[2].
import { readFileSync } from "node:fs";
import { createBusinessCentralClient, createDataverseClient } from "../../src/connectors/index.ts";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import { TableMapping } from "../../src/engine/model.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { openStore } from "../../src/store/index.ts";

export interface ChildConfig {
  credentials: { tenantId: string; clientId: string; clientSecret: string; authority: string; caPem: string };
  dataverseUrl: string;
  bc: { url: string; environment: string; tenantId: string; companyId: string };
  storeDir: string;
  mapping: unknown;
  integrationUserId: string;
  pageSize: number;
}

const config = JSON.parse(readFileSync(process.argv[2], "utf8")) as ChildConfig;
const mapping = TableMapping.parse(config.mapping);
const dataverse = createDataverseClient({ url: config.dataverseUrl, ...config.credentials });
const businessCentral = createBusinessCentralClient({
  url: config.bc.url,
  environment: config.bc.environment,
  ...config.credentials,
  tenantId: config.bc.tenantId,
});
const store = await openStore({ dataDir: config.storeDir });
const reports = await runMapping(
  {
    store,
    ports: connectorPorts({ dataverse, businessCentral, companyId: config.bc.companyId }),
    mappings: (name) => (name === mapping.name ? mapping : undefined),
    integrationUsers: { dataverse: [config.integrationUserId] },
  },
  mapping.name,
  { passes: ["toDataverse"], pageSize: config.pageSize, onPage: (p) => process.stdout.write(`page ${p.pages}\n`) },
);
process.stdout.write(`done ${JSON.stringify(reports.map((r) => r.counters))}\n`);
await store.close();
await dataverse.close();
await businessCentral.close();
