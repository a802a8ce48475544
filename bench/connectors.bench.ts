// Dataverse write and read strategies through the connector, against the emulators with realistic limits, cost
// and latency, in one run: one request per record, $batch, bulk messages (CreateMultiple), and paged reads per
// page size. Prints one JSON object with records/s, requests used, and ratios between strategies.
import { DEMO_INTEGRATION_APP } from "../emulators/identity/demo-apps.ts";
import { startEmulators } from "../emulators/index.ts";
import { createDataverseClient, type DataverseClient, type Row } from "../src/connectors/index.ts";

const N = Number(process.env.BENCH_CONNECTORS_N ?? 2000);
const LATENCY_MS = Number(process.env.BENCH_CONNECTORS_LATENCY_MS ?? 10);
const PAGE_SIZES = [100, 1000, 5000];

interface Measure {
  records: number;
  ms: number;
  recordsPerSecond: number;
  requests: number;
  throttled429: number;
  retries: number;
}

async function measure(client: DataverseClient, records: number, work: () => Promise<void>): Promise<Measure> {
  const before = client.metrics();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const after = client.metrics();
  return {
    records,
    ms: Math.round(ms),
    recordsPerSecond: Math.round((records / ms) * 1000 * 10) / 10,
    requests: after.requests - before.requests,
    throttled429: after.throttled429 - before.throttled429,
    retries: after.retries - before.retries,
  };
}

/** Runs `tasks` with at most `parallel` in flight. */
async function pool<T>(items: readonly T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(workers);
}

function rows(prefix: string, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix} ${i}`, accountnumber: `${prefix}-${i}` }));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function fail(what: string, error: unknown): never {
  throw new Error(`${what}: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
}

const emulators = await startEmulators({
  seed: "empty",
  limits: "realistic",
  cost: "realistic",
  faults: { latencyMs: LATENCY_MS, faultRate: 0 },
  randomSeed: 1,
  notice: () => {},
});
const dataverse = emulators.info.dataverse;
if (!dataverse) throw new Error("the Dataverse emulator is not available");
const client = createDataverseClient({
  url: dataverse.url,
  tenantId: emulators.identity.tenantId,
  clientId: DEMO_INTEGRATION_APP.clientId,
  clientSecret: DEMO_INTEGRATION_APP.clientSecret,
  authority: emulators.identity.url,
  caPem: emulators.identity.caPem,
});

try {
  const single = await measure(client, N, () =>
    pool(rows("single", N), 52, async (row) => {
      const r = await client.create("accounts", row);
      if (!r.ok) fail("create", r.error);
    }),
  );
  const batch = await measure(client, N, () =>
    pool(chunks(rows("batch", N), 100), 8, async (chunk) => {
      const r = await client.batch(
        chunk.map((row) => ({ operation: { method: "POST", url: "accounts", body: row } })),
        {
          continueOnError: true,
        },
      );
      if (!r.ok) fail("batch", r.error);
      const failed = r.value.find((x) => x.error);
      if (failed) fail("batch item", failed.error);
    }),
  );
  const bulk = await measure(client, N, () =>
    pool(chunks(rows("bulk", N), 250), 8, async (chunk) => {
      const r = await client.createMultiple("accounts", "account", chunk);
      if (!r.ok) fail("createMultiple", r.error);
      const failed = r.value.outcomes.find((x) => !x.ok);
      if (failed && !failed.ok) fail("createMultiple record", failed.error);
    }),
  );

  const reads: Record<string, Measure> = {};
  for (const pageSize of PAGE_SIZES) {
    let count = 0;
    reads[`pageSize${pageSize}`] = await measure(client, 3 * N, async () => {
      for await (const page of client.pages("accounts", { select: ["name", "accountnumber"], pageSize })) {
        if (!page.ok) fail("read", page.error);
        count += page.value.rows.length;
      }
    });
    reads[`pageSize${pageSize}`].records = count;
  }

  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      records: N,
      latencyMs: LATENCY_MS,
      limits: "realistic (Dataverse: 52 concurrent, 6000 per 5 min)",
      cost: "realistic",
      writes: {
        singleRequests: { ...single, parallel: 52 },
        batch100: { ...batch, parallel: 8 },
        createMultiple250: { ...bulk, parallel: 8, strategy: client.bulkUnsupported().length ? "batch" : "bulk" },
      },
      reads,
      ratios: {
        batchVsSingle: ratio(batch.recordsPerSecond, single.recordsPerSecond),
        bulkVsSingle: ratio(bulk.recordsPerSecond, single.recordsPerSecond),
        bulkVsBatch: ratio(bulk.recordsPerSecond, batch.recordsPerSecond),
        requestsSingleVsBulk: ratio(single.requests, bulk.requests),
        read5000Vs100: ratio(reads.pageSize5000.recordsPerSecond, reads.pageSize100.recordsPerSecond),
      },
    })}\n`,
  );
} finally {
  await client.close();
  await emulators.close();
}
