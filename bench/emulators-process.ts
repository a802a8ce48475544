// Both emulators in a process of their own for the benchmark, as the services are remote from a real client: the
// engine's CPU is then its own, not shared with the servers it talks to. Prints one JSON line (urls, credentials,
// the CA to trust) once listening; stops when its stdin closes (the parent
// went away or is done), printing the CPU seconds it spent serving.
// Commands on stdin, one a line, each answered by one JSON line (bench/incremental.ts uses them):
//   tally            what each emulator served so far (requests, by method, rows read and written: its own count)
//   edit-bc N        changes the phone number of N customers spread over the table, as a BC user would (in the
//                    emulator's store: no request is counted), and answers with their ids and the newest stamp
//   seed-orders FILE submitted Sales orders with lines (bench/orders.ts): FILE holds { orders, lines, accounts,
//                    products }, the coupled accounts and products they are for; written in the Dataverse
//                    emulator's store as Sales users entered them (no request is counted); answers with the ids
import { readFileSync } from "node:fs";
import { SYSTEM_USER_ID, seedId } from "../emulators/dataverse/index.ts";
import { type AppRegistration, DEMO_INTEGRATION_APP } from "../emulators/identity/demo-apps.ts";
import { startEmulators } from "../emulators/index.ts";
import { COMPANION_API, createBusinessCentralClient, createDataverseClient } from "../src/connectors/index.ts";
import { startCpuProfile } from "./cpu-profile.ts";

const {
  records,
  latencyMs,
  limits = "realistic",
  cost = "realistic",
} = JSON.parse(process.argv[2] ?? "{}") as {
  records: number;
  latencyMs: number;
  limits?: "realistic" | "off";
  cost?: "realistic" | "off";
};
/**
 * App registrations of the benchmark besides the demo's integration app: more principals for the workloads that
 * measure bcsync with several (Microsoft's documented way past one principal's limits; `extraPrincipals`).
 */
const EXTRA_APPS: AppRegistration[] = [1, 2].map((n) => ({
  clientId: `6b0e4d2c-8a1f-4c3e-9d5b-00000000000${n}`,
  clientSecret: `bench-extra-app-secret-${n}`,
  displayName: `bcsync bench (extra principal ${n})`,
}));
const emulators = await startEmulators({
  apps: EXTRA_APPS,
  seed: `scale:${records}`,
  limits,
  cost,
  faults: { latencyMs, faultRate: 0 },
  randomSeed: 7,
  notice: () => {},
});
const credentials = {
  tenantId: emulators.identity.tenantId,
  clientId: DEMO_INTEGRATION_APP.clientId,
  clientSecret: DEMO_INTEGRATION_APP.clientSecret,
  authority: emulators.identity.url,
  caPem: emulators.identity.caPem,
};
const bc = emulators.info.businessCentral;
await warmUp();
process.stdout.write(
  `${JSON.stringify({
    dataverse: { url: emulators.info.dataverse.url, ...credentials },
    businessCentral: { url: bc.url, environment: bc.environment, ...credentials, tenantId: bc.tenantId },
    companyId: bc.companies[0].id,
    extraPrincipals: EXTRA_APPS.map(({ clientId, clientSecret }) => ({ clientId, clientSecret })),
  })}\n`,
);
// CPU spent from here on (serving, not seeding), reported on a second line when told to stop.
const serving = process.cpuUsage();
// BENCH_EMULATOR_PROFILE=file.cpuprofile: a CPU profile of the emulators while they serve (where their time goes).
const profiler = await startCpuProfile(process.env.BENCH_EMULATOR_PROFILE);
let pending = "";
let edits = 0;
process.stdin.on("data", (chunk: Buffer) => {
  pending += chunk.toString("utf8");
  for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
    const [command, arg] = pending.slice(0, newline).trim().split(/\s+/);
    pending = pending.slice(newline + 1);
    if (command === "tally") {
      const tally = { dataverse: emulators.dataverse.tally, businessCentral: emulators.businessCentral.tally };
      process.stdout.write(`${JSON.stringify({ tally })}\n`);
    } else if (command === "edit-bc") {
      const company = emulators.businessCentral.company(bc.companies[0].id);
      const rows = company.rows("customer");
      const n = Math.min(Number(arg), rows.length);
      const step = rows.length / Math.max(n, 1);
      const ids: string[] = [];
      let newest = "";
      edits++;
      for (let i = 0; i < n; i++) {
        const row = rows[Math.floor(i * step)];
        const edited = company.update("customer", String(row.id), { phoneNumber: `+1 555 ${edits} ${i}` });
        if (String(edited.lastModifiedDateTime) > newest) newest = String(edited.lastModifiedDateTime);
        ids.push(String(row.id));
      }
      process.stdout.write(`${JSON.stringify({ edited: ids, newest })}\n`);
    } else if (command === "seed-orders") {
      process.stdout.write(`${JSON.stringify({ orders: seedOrders(JSON.parse(readFileSync(arg, "utf8"))) })}\n`);
    }
  }
});
/** Submitted Sales orders, `lines` lines each, for the given accounts and products (round robin); their ids. */
function seedOrders(plan: { orders: number; lines: number; accounts: string[]; products: string[] }): string[] {
  const dv = emulators.dataverse;
  const ctx = {
    caller: { userId: SYSTEM_USER_ID, callingUserId: SYSTEM_USER_ID },
    now: new Date(),
    serviceRoot: new URL(dv.serviceRoot),
  };
  const orders = dv.model.table("salesorder");
  const details = dv.model.table("salesorderdetail");
  const ids: string[] = [];
  dv.records.transaction(() => {
    for (let i = 0; i < plan.orders; i++) {
      const n = String(i + 1).padStart(6, "0");
      const id = seedId(`bench:salesorder:${i}`);
      dv.records.create(
        orders,
        {
          salesorderid: id,
          name: `Bench Order ${n}`,
          ordernumber: `BENCH-${n}`,
          "customerid_account@odata.bind": `/accounts(${plan.accounts[i % plan.accounts.length]})`,
        },
        ctx,
      );
      for (let l = 0; l < plan.lines; l++) {
        dv.records.create(
          details,
          {
            salesorderdetailid: seedId(`bench:salesorderdetail:${i}:${l}`),
            "salesorderid@odata.bind": `/salesorders(${id})`,
            "productid@odata.bind": `/products(${plan.products[(i * plan.lines + l) % plan.products.length]})`,
            sequencenumber: l + 1,
            quantity: 1 + (l % 3),
            priceperunit: 10 + l,
          },
          ctx,
        );
      }
      // Submitted after its lines, as a Sales user does.
      const row = dv.records.get(orders, id);
      if (row) dv.records.update(orders, row, { statecode: 1, statuscode: 3 }, ctx);
      ids.push(id);
    }
  });
  return ids;
}
process.stdin.on("end", async () => {
  const used = process.cpuUsage(serving);
  await profiler.stop();
  process.stdout.write(`${JSON.stringify({ cpuSeconds: (used.user + used.system) / 1e6 })}\n`);
  void emulators.close().then(() => process.exit(0));
});

/**
 * The services the benchmark stands in for are long running: their code is compiled and hot. This process has just
 * seeded and V8 compiles each handler on its first requests, so a strategy's first requests were slower than the
 * cost model charges (the first 250-row page of customers took 170-210 ms against its 40 ms, Dataverse's column
 * metadata 200 ms against 91). The reads the workloads start with are made once here, before anything is timed;
 * they change nothing, and the emulators' tallies are read as differences (bench/incremental.ts).
 */
async function warmUp(): Promise<void> {
  // bcsync's own clients, so the requests are the ones the engine will send (its column metadata forms included).
  const dataverse = createDataverseClient({ url: emulators.info.dataverse.url, ...credentials });
  const businessCentral = createBusinessCentralClient({
    url: bc.url,
    environment: bc.environment,
    ...credentials,
    tenantId: bc.tenantId,
  });
  const company = businessCentral.company(bc.companies[0].id);
  const companion = businessCentral.company(bc.companies[0].id, COMPANION_API);
  // A read that is refused warms nothing: the benchmark stops rather than measure cold emulators unawares.
  const firstPage = async (pages: AsyncIterable<{ ok: boolean; error?: unknown }>) => {
    for await (const page of pages) {
      if (!page.ok) throw page.error;
      return;
    }
  };
  const answered = async (result: Promise<{ ok: boolean; error?: unknown }>) => {
    const r = await result;
    if (!r.ok) throw r.error;
  };
  // Dataverse's bulk create too (payload checks, binds, stamps, indexes), on a table no workload reads: contacts of a
  // seeded account, left in place. Cold, the first creates of a run took 30-80 ms more than their cost while V8
  // compiled the emulator's write path, in every strategy's first second (a cost the service does not have).
  let account: string | undefined;
  for await (const page of dataverse.pages("accounts", { select: ["accountid"], pageSize: 1 })) {
    if (!page.ok) throw page.error;
    account = page.value.rows[0]?.accountid as string | undefined;
    break;
  }
  const contacts = (round: number) =>
    Array.from({ length: 25 }, (_, i) => ({
      firstname: "Warm-up",
      lastname: `Contact ${round}-${i}`,
      ...(account ? { "parentcustomerid_account@odata.bind": `/accounts(${account})` } : {}),
    }));
  try {
    // A few rounds: V8 optimizes a function after it has run a while, not on its first call.
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        firstPage(company.pages("customers", { pageSize: 250 })),
        answered(company.count("customers")),
        firstPage(company.pages("items", { pageSize: 250 })),
        firstPage(companion.pages("items", { pageSize: 100 })),
        answered(dataverse.textColumnLimits("account")),
        answered(dataverse.textColumnLimits("product")),
        firstPage(dataverse.pages("accounts", { select: ["accountid", "name"], pageSize: 250 })),
        firstPage(dataverse.pages("products", { select: ["productid", "name"], pageSize: 250 })),
        answered(dataverse.createMultiple("contacts", "contact", contacts(round))),
      ]);
    }
  } finally {
    await dataverse.close();
    await businessCentral.close();
  }
}
