// Dataverse emulator throughput on loopback with limits and the cost model off: single-row reads, 5000-row
// page reads and 1000-row CreateMultiple writes. Bounded loops; prints one JSON object.
import { startDataverseEmulator } from "../emulators/dataverse/index.ts";

const SINGLE_READS = 3000;
const PAGE_READS = 40;
const BULK_WRITES = 20;
const CONCURRENCY = 8;

async function timed(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const emulator = await startDataverseEmulator({ seed: "scale:10000", limits: "off", cost: "off" });
  try {
    const root = emulator.serviceRoot;
    const ids = emulator.store
      .table("account")
      .values()
      .map((r) => r.accountid as string);
    const ok = async (res: Response) => {
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };

    const singleSeconds = await timed(SINGLE_READS, CONCURRENCY, async (i) =>
      ok(await fetch(`${root}accounts(${ids[i % ids.length]})?$select=name,accountnumber`)),
    );
    const pageSeconds = await timed(PAGE_READS, 2, async () =>
      ok(
        await fetch(`${root}accounts?$select=name,accountnumber,creditlimit`, {
          headers: { Prefer: "odata.maxpagesize=5000" },
        }),
      ),
    );
    const bulkSeconds = await timed(BULK_WRITES, 2, async (b) => {
      const Targets = Array.from({ length: 1000 }, (_, i) => ({
        "@odata.type": "Microsoft.Dynamics.CRM.account",
        name: `Bench ${b}-${i}`,
        creditlimit: i,
      }));
      await ok(
        await fetch(`${root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ Targets }),
        }),
      );
    });
    const round = (n: number) => Math.round(n * 10) / 10;
    console.log(
      JSON.stringify({
        bench: "emulator-dataverse",
        rowsInTable: ids.length,
        singleReads: {
          requests: SINGLE_READS,
          concurrency: CONCURRENCY,
          requestsPerSecond: round(SINGLE_READS / singleSeconds),
        },
        pageReads5000: {
          requests: PAGE_READS,
          concurrency: 2,
          requestsPerSecond: round(PAGE_READS / pageSeconds),
          rowsPerSecond: Math.round((PAGE_READS * 5000) / pageSeconds),
        },
        bulkWrites1000: {
          requests: BULK_WRITES,
          concurrency: 2,
          requestsPerSecond: round(BULK_WRITES / bulkSeconds),
          rowsPerSecond: Math.round((BULK_WRITES * 1000) / bulkSeconds),
        },
      }),
    );
  } finally {
    await emulator.close();
  }
}

await main();
