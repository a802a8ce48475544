// `bcsync emulate`: runs the identity, Dataverse and Business Central emulators in this process until SIGINT or
// SIGTERM, and prints where they listen and the demo credentials (for people, or one JSON line with --json).

import { resolve } from "node:path";
import type { SeedSpec } from "../../../emulators/contracts.ts";
import {
  type EmulatorsInfo,
  type RunningEmulators,
  type StartEmulatorsOptions,
  startEmulators,
} from "../../../emulators/index.ts";
import { bcsyncError, EMULATE_OPTION_INVALID, EMULATE_PORT_IN_USE } from "../../errors/catalogue.ts";
import { printJson, printTable } from "../output.ts";
import { untilStopped } from "../signals.ts";

export { DEFAULT_EMULATOR_DATA_DIR } from "../options.ts";

export interface EmulateCliOptions {
  dataversePort?: string;
  bcPort?: string;
  identityPort?: string;
  data: string;
  inMemory?: boolean;
  host: string;
  seed: string;
  limits: string;
  /** The services' cost model (time each request takes): realistic, or off for engine-only measurements. */
  cost?: string;
  latency?: string;
  faults?: string;
  json?: boolean;
}

function invalid(option: string, value: string, expected: string): never {
  throw bcsyncError(EMULATE_OPTION_INVALID, { option, value, expected });
}

function port(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) invalid(option, value, "it must be a port number from 0 to 65535");
  return n;
}

function nonNegative(option: string, value: string | undefined, max = Number.POSITIVE_INFINITY): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > max) {
    invalid(option, value, max === 1 ? "it must be a share from 0 to 1, e.g. 0.05" : "it must be a number ≥ 0");
  }
  return n;
}

/** Turns the command line into `startEmulators` options; invalid values are catalogued errors. */
export function emulateOptionsFrom(cli: EmulateCliOptions): StartEmulatorsOptions {
  if (!/^(empty|demo|scale:[1-9]\d*)$/.test(cli.seed)) {
    invalid("--seed", cli.seed, "it must be empty, demo or scale:N with N a whole number above 0");
  }
  if (cli.limits !== "realistic" && cli.limits !== "off")
    invalid("--limits", cli.limits, "it must be realistic or off");
  const cost = cli.cost ?? "realistic";
  if (cost !== "realistic" && cost !== "off") invalid("--cost", cost, "it must be realistic or off");
  const latencyMs = nonNegative("--latency", cli.latency);
  const faultRate = nonNegative("--faults", cli.faults, 1);
  return {
    // Absolute, so the certificate path printed for other tools works from any directory.
    dataDir: cli.inMemory ? undefined : resolve(cli.data),
    host: cli.host,
    seed: cli.seed as SeedSpec,
    limits: cli.limits,
    cost,
    faults: { latencyMs: latencyMs ?? 0, faultRate: faultRate ?? 0 },
    ports: {
      identity: port("--identity-port", cli.identityPort),
      dataverse: port("--dataverse-port", cli.dataversePort),
      businessCentral: port("--bc-port", cli.bcPort),
    },
  };
}

function printForPeople(info: EmulatorsInfo): void {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  out("bcsync emulators are running. Press Ctrl+C to stop them.");
  out();
  out(`  Identity (Entra ID)  authority ${info.identity.authority}`);
  out(`                       tenant    ${info.identity.tenantId}`);
  out(`  Dataverse            ${info.dataverse.apiUrl}`);
  out(`  Business Central     ${info.businessCentral.apiUrl}`);
  for (const { name, id } of info.businessCentral.companies) out(`                       company   ${name} (${id})`);
  out();
  out("App registrations (client credentials, scope <service url>/.default; Business Central also accepts");
  out("https://api.businesscentral.dynamics.com/.default):");
  printTable(info.apps, ["displayName", "clientId", "clientSecret"]);
  out();
  if (info.identity.caPath) {
    out(`The identity emulator serves HTTPS with a self-signed certificate: ${info.identity.caPath}`);
    out(`Trust it, e.g. NODE_EXTRA_CA_CERTS=${info.identity.caPath}, or name it as bcsync's CA file.`);
  } else {
    out("The identity emulator serves HTTPS with a self-signed certificate kept in memory (--in-memory).");
  }
}

function asPortInUse(error: unknown, options: StartEmulatorsOptions): unknown {
  const e = error as { code?: string; port?: number };
  if (e?.code !== "EADDRINUSE" || typeof e.port !== "number") return error;
  const byPort: [number | undefined, string, string][] = [
    [options.ports?.identity, "identity", "--identity-port"],
    [options.ports?.dataverse, "Dataverse", "--dataverse-port"],
    [options.ports?.businessCentral, "Business Central", "--bc-port"],
  ];
  const [, service, option] = byPort.find(([p]) => p === e.port) ?? [e.port, "an", "the port options"];
  return bcsyncError(EMULATE_PORT_IN_USE, { service, port: e.port, option }, { cause: error });
}

/** Starts the emulators, prints their addresses, runs until stopped, then closes them. */
export async function runEmulate(
  cli: EmulateCliOptions,
  hooks: { signal?: AbortSignal; onStarted?(running: RunningEmulators): void } = {},
): Promise<void> {
  const options = emulateOptionsFrom(cli);
  let running: RunningEmulators;
  try {
    // Notices go to stderr, so stdout stays one JSON line with --json.
    running = await startEmulators({ ...options, notice: (message) => process.stderr.write(`${message}\n`) });
  } catch (error) {
    throw asPortInUse(error, options);
  }
  if (cli.json) printJson(running.info);
  else printForPeople(running.info);
  hooks.onStarted?.(running);

  const stoppedBy = await untilStopped(hooks.signal);
  if (!cli.json) process.stdout.write(`\nStopping the emulators (${stoppedBy})…\n`);
  // A second Ctrl+C while closing means "now".
  const force = () => process.exit(130);
  process.once("SIGINT", force);
  try {
    await running.close();
  } finally {
    process.off("SIGINT", force);
  }
}

export async function emulateAction(cli: EmulateCliOptions): Promise<void> {
  await runEmulate(cli);
}
