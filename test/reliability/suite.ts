// The fault suite's scenario (issue 14, "Build"): the same seeded data synced twice, once fault-free in-process
// (the reference) and once by child processes against emulators injecting 500s, 503s, dropped connections, slow
// answers and answers lost after the write, each child SIGKILLed at a page chosen by a seeded generator (with
// PostgreSQL: its connections also terminated once per run), then restarted until a run completes. The end state
// must equal the reference's: counts, couplings, and a hash of every mapped field on both sides; nothing lost,
// nothing duplicated; the last run's report says succeeded with no failure.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { DEMO_INTEGRATION_APP } from "../../emulators/identity/demo-apps.ts";
import { seededRandom } from "../../emulators/runtime/faults.ts";
import { connectorPorts } from "../../src/engine/adapters/index.ts";
import { runMapping } from "../../src/engine/runner.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { customerMapping } from "../engine/harness.ts";
import type { SuiteChildConfig } from "./child.ts";
import { all, RETRY, type Rig, rig, type SeedRecord, seed } from "./rig.ts";

export interface ScenarioOptions {
  store: "sqlite" | "postgres";
  seed: number;
  perSide: number;
  /** SIGKILLs to attempt (a run that completes before its kill page ends the kill rounds). */
  kills: number;
  faultRate: number;
  pageSize: number;
}

export interface ScenarioReport {
  store: string;
  seed: number;
  records: number;
  /** Faults bcsync met (requests retried, or failed below HTTP with the outcome unknown), summed over processes. */
  faultsMet: number;
  killsSurvived: number;
  pgConnectionsKilled: number;
  /** Child runs needed after the last kill until one completed with no failure. */
  runsToConverge: number;
  lost: number;
  duplicated: number;
  matchesReference: boolean;
  couplings: number;
  referenceCouplings: number;
  /** Records written by one more run after convergence (must be 0). */
  rewrittenAfter: number;
}

const mapping = customerMapping();
const MAX_FINAL_RUNS = 3;

/** Records with names, phones and addresses drawn from the seed; a few odd but valid values among them. */
export function records(prefix: string, count: number, random: () => number): SeedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const odd = random() < 0.1;
    return {
      name: `${prefix} ${i}${odd ? " Ünïcødé ‘quoted’ & co" : ""}`,
      ...(random() < 0.8 ? { phone: `+1 555 ${String(Math.floor(random() * 10_000)).padStart(4, "0")}` } : {}),
      ...(random() < 0.5 ? { email: `contact${i}@${prefix.toLowerCase().replace(/\W/g, "")}.example` } : {}),
    };
  });
}

/** Mapped values of both sides, ids left out (the two runs create records under different keys). */
async function signature(r: Rig): Promise<{ hash: string; bc: string[]; dv: string[] }> {
  const bc = (await all(r.bc.company(r.companyId).pages("customers", {})))
    .map((c) => JSON.stringify([c.displayName, c.phoneNumber ?? "", c.email ?? "", c.website ?? ""]))
    .sort();
  const dv = (await all(r.dv.pages("accounts", { select: ["name", "telephone1", "emailaddress1", "websiteurl"] })))
    .map((a) => JSON.stringify([a.name, a.telephone1 ?? "", a.emailaddress1 ?? "", a.websiteurl ?? ""]))
    .sort();
  const hash = createHash("sha256").update(JSON.stringify({ bc, dv })).digest("hex");
  return { hash, bc, dv };
}

async function integrationUserOf(r: Rig): Promise<string> {
  const me = await r.dv.whoAmI();
  if (!me.ok) throw me.error;
  return me.value.UserId.toLowerCase();
}

async function engine(r: Rig, store: Store) {
  return {
    store,
    ports: connectorPorts({ dataverse: r.dv, businessCentral: r.bc, companyId: r.companyId }),
    mappings: (name: string) => (name === mapping.name ? mapping : undefined),
    integrationUser: { dataverse: await integrationUserOf(r) },
  };
}

interface ChildRun {
  killed: boolean;
  done?: { status: string; failed: number }[];
  faultsMet: number;
}

function runChild(configPath: string, killAtPage: number | undefined, onPage?: (page: number) => void) {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "child.ts"), configPath], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise<ChildRun>((resolve, reject) => {
    const run: ChildRun = { killed: false, faultsMet: 0 };
    createInterface({ input: child.stdout }).on("line", (line) => {
      const page = /^page (\d+) (\d+)$/.exec(line);
      if (page) {
        run.faultsMet = Number(page[2]);
        onPage?.(Number(page[1]));
        if (Number(page[1]) === killAtPage) child.kill("SIGKILL");
      }
      const done = /^done (.*)$/.exec(line);
      if (done) {
        run.done = (JSON.parse(done[1]) as [string, { failed: number }][]).map(([status, c]) => ({
          status,
          failed: c.failed,
        }));
      }
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve({ ...run, killed: signal === "SIGKILL" }));
  });
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const databaseUrl = process.env.DATABASE_URL;
  if (options.store === "postgres" && !databaseUrl) throw new Error("DATABASE_URL is not set");
  const random = seededRandom(options.seed);
  const dir = mkdtempSync(join(tmpdir(), `bcsync-faults-${options.store}-`));
  const schema = `bcsync_fault_${randomBytes(6).toString("hex")}`;
  const appName = `bcsync-fault-suite-${schema}`;
  try {
    const bcRecords = records("BC Customer", options.perSide, random);
    const dvRecords = records("Sales Account", options.perSide, random);
    await seed(join(dir, "seed"), bcRecords, dvRecords);
    cpSync(join(dir, "seed"), join(dir, "reference"), { recursive: true });
    cpSync(join(dir, "seed"), join(dir, "faulty"), { recursive: true });

    // The reference: the same data, no faults, one run in-process.
    const clean = await rig(join(dir, "reference"));
    let reference: Awaited<ReturnType<typeof signature>>;
    let referenceCouplings: number;
    try {
      const store = await openStore({ dataDir: ":memory:" });
      try {
        const reports = await runMapping(await engine(clean, store), mapping.name, { pageSize: options.pageSize });
        if (reports.some((r) => r.status !== "succeeded" || r.counters.failed > 0))
          throw new Error(`the fault-free reference run failed: ${JSON.stringify(reports.map((r) => r.counters))}`);
        referenceCouplings = await store.couplings.count(mapping.name);
      } finally {
        await store.close();
      }
      reference = await signature(clean);
    } finally {
      await clean.close();
    }

    const faulty = await rig(join(dir, "faulty"), {
      faults: {
        latencyMs: 0,
        faultRate: options.faultRate,
        weights: { error500: 3, error503: 1, drop: 2, slow: 1, lostAnswer: 2 },
        slowMs: 50,
        retryAfterSeconds: 0,
      },
      randomSeed: options.seed,
    });
    let pool: pg.Pool | undefined;
    try {
      const storeConfig: SuiteChildConfig["store"] =
        options.store === "sqlite"
          ? { dataDir: join(dir, "store") }
          : { url: databaseUrl!, schema, applicationName: appName };
      const config: SuiteChildConfig = {
        credentials: {
          tenantId: faulty.emulators.identity.tenantId,
          clientId: DEMO_INTEGRATION_APP.clientId,
          clientSecret: DEMO_INTEGRATION_APP.clientSecret,
          authority: faulty.emulators.identity.url,
          caPem: faulty.emulators.identity.caPem,
        },
        dataverseUrl: faulty.emulators.info.dataverse.url,
        bc: {
          url: faulty.emulators.info.businessCentral.url,
          environment: faulty.emulators.info.businessCentral.environment,
          tenantId: faulty.emulators.info.businessCentral.tenantId,
          companyId: faulty.companyId,
        },
        store: storeConfig,
        mapping,
        integrationUserId: await integrationUserOf(faulty),
        pageSize: options.pageSize,
        retry: RETRY,
      };
      const configPath = join(dir, "child.json");
      writeFileSync(configPath, JSON.stringify(config));

      let faultsMet = 0;
      let killsSurvived = 0;
      let pgConnectionsKilled = 0;
      if (options.store === "postgres") pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      for (let i = 0; i < options.kills; i++) {
        // Once per scenario on PostgreSQL: the child's connections are terminated after its first page, and the
        // child is killed no earlier than its second (so the termination meets a running process).
        const terminate = pool && i === Math.floor(options.kills / 2);
        const killAt = (terminate ? 2 : 1) + Math.floor(random() * 3);
        const run = await runChild(configPath, killAt, async (page) => {
          if (terminate && page === 1 && pool) {
            const res = await pool.query(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
              [appName],
            );
            pgConnectionsKilled += res.rowCount ?? 0;
          }
        });
        faultsMet += run.faultsMet;
        if (run.killed) killsSurvived++;
        // A run that completed before its kill page ends the kill rounds; one that ended otherwise (its store
        // connection terminated) is simply restarted like a killed one.
        else if (run.done) break;
      }
      let runsToConverge = 0;
      for (; runsToConverge < MAX_FINAL_RUNS; ) {
        runsToConverge++;
        const run = await runChild(configPath, undefined);
        faultsMet += run.faultsMet;
        if (run.done?.every((r) => r.status === "succeeded" && r.failed === 0)) break;
      }

      const store = await openStore(storeConfig);
      let couplings: number;
      let rewrittenAfter: number;
      try {
        couplings = await store.couplings.count(mapping.name);
        const again = await runMapping(await engine(faulty, store), mapping.name, { pageSize: options.pageSize });
        rewrittenAfter = again.reduce((n, r) => n + r.counters.inserted + r.counters.modified, 0);
      } finally {
        await store.close();
      }
      const got = await signature(faulty);
      // Per side: a record of the reference missing is lost; a record there more than once is duplicated.
      const lostOn = (want: string[], have: string[]) => want.filter((v) => !have.includes(v)).length;
      const extraOn = (have: string[]) => have.length - new Set(have).size;
      return {
        store: options.store,
        seed: options.seed,
        records: 2 * options.perSide,
        faultsMet,
        killsSurvived,
        pgConnectionsKilled,
        runsToConverge,
        lost: lostOn(reference.bc, got.bc) + lostOn(reference.dv, got.dv),
        duplicated: extraOn(got.bc) + extraOn(got.dv),
        matchesReference: got.hash === reference.hash,
        couplings,
        referenceCouplings,
        rewrittenAfter,
      };
    } finally {
      await pool?.end();
      await faulty.close();
    }
  } finally {
    if (options.store === "postgres" && databaseUrl) {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.end());
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
