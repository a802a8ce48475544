// Engine benchmark through the emulators (limits off, no latency): an initial full sync of N BC customers to
// Dataverse, then an incremental sync with 1% changed. Each sync runs in a child process so its peak RSS is
// the engine's own (the emulators hold the data in this process). Prints one JSON object.
//   npm run bench -- engine            (N = 10,000 and 100,000)
//   BENCH_ENGINE_SIZES=2000 tsx bench/engine.bench.ts
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_INTEGRATION_APP } from "../emulators/identity/demo-apps.ts";
import { startEmulators } from "../emulators/index.ts";
import {
  type BusinessCentralSettings,
  createBusinessCentralClient,
  createDataverseClient,
  type DataverseSettings,
} from "../src/connectors/index.ts";
import { connectorPorts } from "../src/engine/adapters/index.ts";
import { defineTableMapping, TableMapping } from "../src/engine/model.ts";
import { runMapping } from "../src/engine/runner.ts";
import { openStore } from "../src/store/index.ts";

const PAGE_SIZE = 1000;

/** No match fields: a full sync of an empty target creates counterparts without candidate queries. */
const mapping = defineTableMapping({
  name: "CUSTOMER",
  bc: { entitySet: "customers" },
  dataverse: { table: "account", entitySet: "accounts", keyField: "accountid" },
  direction: "toDataverse",
  syncOnlyCoupled: false,
  fields: [
    { bcField: "displayName", dataverseField: "name" },
    { bcField: "phoneNumber", dataverseField: "telephone1" },
    { bcField: "email", dataverseField: "emailaddress1" },
    { bcField: "website", dataverseField: "websiteurl" },
  ],
});

interface ChildConfig {
  dataverse: DataverseSettings;
  businessCentral: BusinessCentralSettings;
  companyId: string;
  storeDir: string;
  mapping: unknown;
  mode: "full" | "scheduled";
}

interface ChildResult {
  seconds: number;
  counters: Record<string, number>;
  requests: { dataverse: number; businessCentral: number };
  peakRssMb: number;
}

async function child(configPath: string): Promise<void> {
  const config = JSON.parse(readFileSync(configPath, "utf8")) as ChildConfig;
  const m = TableMapping.parse(config.mapping);
  const dataverse = createDataverseClient(config.dataverse);
  const businessCentral = createBusinessCentralClient(config.businessCentral);
  const store = await openStore({ dataDir: config.storeDir });
  const started = performance.now();
  const [report] = await runMapping(
    { store, ports: connectorPorts({ dataverse, businessCentral, companyId: config.companyId }), mappings: () => m },
    m.name,
    { mode: config.mode, pageSize: PAGE_SIZE },
  );
  const result: ChildResult = {
    seconds: (performance.now() - started) / 1000,
    counters: { ...report.counters },
    requests: { dataverse: dataverse.metrics().requests, businessCentral: businessCentral.metrics().requests },
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await store.close();
  await dataverse.close();
  await businessCentral.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(config: ChildConfig, dir: string): Promise<ChildResult> {
  const path = join(dir, `child-${config.mode}.json`);
  writeFileSync(path, JSON.stringify(config));
  // BENCH_ENGINE_CPU_PROF=<dir>: a CPU profile of each sync child.
  const profile = process.env.BENCH_ENGINE_CPU_PROF
    ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_ENGINE_CPU_PROF]
    : [];
  const proc = spawn(
    process.execPath,
    [...profile, "--import", "tsx", fileURLToPath(import.meta.url), "--child", path],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  proc.stdout.on("data", (chunk) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    proc.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`child exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

async function measure(size: number) {
  const dir = mkdtempSync(join(tmpdir(), "bcsync-bench-engine-"));
  const emulators = await startEmulators({
    seed: `scale:${size}`,
    limits: "off",
    cost: "off",
    randomSeed: 7,
    notice: () => {},
  });
  try {
    const credentials = {
      tenantId: emulators.identity.tenantId,
      clientId: DEMO_INTEGRATION_APP.clientId,
      clientSecret: DEMO_INTEGRATION_APP.clientSecret,
      authority: emulators.identity.url,
      caPem: emulators.identity.caPem,
    };
    const bcInfo = emulators.info.businessCentral!;
    const config: ChildConfig = {
      dataverse: { url: emulators.info.dataverse!.url, ...credentials },
      businessCentral: { url: bcInfo.url, environment: bcInfo.environment, ...credentials, tenantId: bcInfo.tenantId },
      companyId: bcInfo.companies[0].id,
      storeDir: join(dir, "store"),
      mapping,
      mode: "full",
    };
    const initial = await runChild(config, dir);

    // Change 1% of the customers in BC (PATCH through $batch), then sync incrementally.
    const bc = createBusinessCentralClient(config.businessCentral);
    const scope = bc.company(config.companyId);
    const ids: string[] = [];
    for await (const page of scope.pages("customers", { select: ["id"], pageSize: 20_000 })) {
      if (!page.ok) throw page.error;
      for (const row of page.value.rows) ids.push(String(row.id));
    }
    const changed = ids.filter((_, i) => i % 100 === 0);
    for (let i = 0; i < changed.length; i += 100) {
      const res = await scope.batch(
        changed.slice(i, i + 100).map((id) => ({
          method: "PATCH" as const,
          url: `customers(${id})`,
          headers: { "If-Match": "*" },
          body: { phoneNumber: `555-${i}` },
        })),
      );
      if (!res.ok) throw res.error;
    }
    await bc.close();
    const incremental = await runChild({ ...config, mode: "scheduled" }, dir);
    const requests = (r: ChildResult) => r.requests.dataverse + r.requests.businessCentral;
    return {
      records: ids.length,
      initial: {
        seconds: round(initial.seconds),
        recordsPerSecond: Math.round(initial.counters.inserted / initial.seconds),
        inserted: initial.counters.inserted,
        requests: initial.requests,
        requestsPerRecord: round(requests(initial) / Math.max(initial.counters.inserted, 1), 4),
        peakRssMb: initial.peakRssMb,
      },
      incremental: {
        changed: changed.length,
        seconds: round(incremental.seconds),
        modified: incremental.counters.modified,
        unchanged: incremental.counters.unchanged,
        requests: incremental.requests,
        requestsPerChangedRecord: round(requests(incremental) / Math.max(changed.length, 1), 4),
        changedRecordsPerSecond: Math.round(changed.length / incremental.seconds),
        peakRssMb: incremental.peakRssMb,
      },
    };
  } finally {
    await emulators.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits = 2): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]);
} else {
  const sizes = (process.env.BENCH_ENGINE_SIZES ?? "10000,100000").split(",").map(Number);
  const results: Record<string, unknown> = {};
  for (const size of sizes) {
    process.stderr.write(`engine bench: ${size} records ...\n`);
    results[String(size)] = await measure(size);
    process.stderr.write(`engine bench: ${size} → ${JSON.stringify(results[String(size)])}\n`);
  }
  const [small, large] = sizes.map((s) => results[String(s)] as Awaited<ReturnType<typeof measure>>);
  const memoryRatio =
    small && large ? round(large.initial.peakRssMb / Math.max(small.initial.peakRssMb, 1), 2) : undefined;
  process.stdout.write(
    `${JSON.stringify({ pageSize: PAGE_SIZE, sizes: results, peakRssRatioLargeToSmall: memoryRatio })}\n`,
  );
}
