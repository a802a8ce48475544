// Issue 14, "Security": after a real run through the CLI, the configured secrets are nowhere but their own files,
// which only their owner can read; and bcsync talks only to the hosts its configuration names.
//   - the client secret, a wrong client secret (a refused login), an administrator's password and an API token are
//     searched for, byte for byte, in every file under the data directory (the SQLite store and its WAL, logs,
//     exports) and in everything the commands printed;
//   - every secret file is mode 0600, even one that existed with a wider mode before setup wrote it;
//   - every TCP connection the commands open goes to a host and port of the configuration (the emulators).
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP } from "../../emulators/identity/demo-apps.ts";
import type { RunningEmulators } from "../../emulators/index.ts";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { clientSecretPath } from "../../src/integration/setup.ts";
import { startTestEmulators } from "../connectors/emulators.ts";
import { runCli } from "../integration/helpers.ts";

let emulators: RunningEmulators;
let dir: string;
const state = () => join(dir, "state");
const config = () => join(dir, "bcsync.config.json");
/** Everything the commands printed (stdout and stderr), searched at the end. */
const printed: string[] = [];
/** host:port of every TCP connection opened while the commands ran. */
const connections: string[] = [];
const WRONG_SECRET = `wrong-secret-${process.pid}-Zq7`;
let adminPassword = "";
let apiToken = "";

/** Records every outgoing connection: net.connect, tls.connect and undici all end in Socket#connect. */
function recordConnections(): () => void {
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // Node normalizes net.connect's arguments into an array before calling connect with it.
    const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as
      | { host?: string; port?: number; path?: string }
      | number
      | string;
    if (typeof first === "object" && first !== null && !first.path)
      connections.push(`${first.host ?? "localhost"}:${first.port}`);
    else if (typeof first === "number")
      connections.push(`${typeof args[1] === "string" ? args[1] : "localhost"}:${first}`);
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return () => {
    net.Socket.prototype.connect = original;
  };
}

async function cli(...args: string[]) {
  const r = await runCli(...args);
  printed.push(r.out, r.err);
  return r;
}

let stopRecording: () => void = () => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bcsync-secrets-"));
  emulators = await startTestEmulators({ dataDir: join(dir, "emulators") });
  // A secret file someone left readable by everyone: setup must not keep that mode when it writes the secret.
  const secretFile = clientSecretPath(state(), DEMO_INTEGRATION_APP.clientId);
  mkdirSync(join(secretFile, ".."), { recursive: true });
  writeFileSync(secretFile, "old\n");
  chmodSync(secretFile, 0o644);

  const emulatorsFile = join(dir, "emulators.json");
  writeFileSync(emulatorsFile, `${JSON.stringify(emulators.info)}\n`);
  stopRecording = recordConnections();
  const setup = await cli("setup", "--emulators", emulatorsFile, "--config", config(), "--data", state());
  expect(setup.code, setup.err).toBe(EXIT.ok);
  const sync = await cli("sync", "CUSTOMER", "--full", "--config", config());
  expect([EXIT.ok, EXIT.recordFailures], sync.err).toContain(sync.code);
  mkdirSync(join(state(), "exports"), { recursive: true });
  expect(
    (await cli("mappings", "export", "--out", join(state(), "exports", "mappings.yaml"), "--config", config())).code,
  ).toBe(EXIT.ok);
  expect((await cli("log", "--json", "--config", config())).code).toBe(EXIT.ok);
  await cli("errors", "--json", "--config", config());

  // A refused login: its error output must not repeat the secret it was given.
  const wrongFile = join(dir, "wrong.secret");
  writeFileSync(wrongFile, `${WRONG_SECRET}\n`, { mode: 0o600 });
  const c = JSON.parse(readFileSync(config(), "utf8"));
  c.dataverse.credentials.clientSecretFile = wrongFile;
  c.businessCentral.credentials.clientSecretFile = wrongFile;
  writeFileSync(join(dir, "wrong.json"), JSON.stringify(c));
  const refused = await cli("sync", "CUSTOMER", "--config", join(dir, "wrong.json"));
  expect(refused.code).toBe(EXIT.authentication);
  stopRecording();

  // Secrets the service makes: shown once on the terminal by design, so searched in the files only.
  const user = await runCli("users", "add", "auditor", "--json", "--config", config());
  expect(user.code, user.err).toBe(EXIT.ok);
  adminPassword = String(JSON.parse(user.out).password ?? "");
  const token = await runCli("users", "token", "auditor", "--label", "ci", "--json", "--config", config());
  expect(token.code, token.err).toBe(EXIT.ok);
  apiToken = String(JSON.parse(token.out).token ?? "");
}, 300_000);

afterAll(async () => {
  stopRecording();
  await emulators?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Secret files: the ones setup wrote for the connectors, and the refused login's. */
const isSecretFile = (path: string) => path.includes(`${join("state", "secrets")}`) || path.endsWith("wrong.secret");

describe("secrets after a run", () => {
  it("the configured client secret and a wrong one appear in no file, store or output", () => {
    const secrets = [DEMO_INTEGRATION_APP.clientSecret, WRONG_SECRET];
    const files = [...filesUnder(state()), config()].filter((f) => !isSecretFile(f));
    // The store (and its WAL) is among them, and so are the export and the log the commands wrote.
    expect(files.some((f) => /\.sqlite$/.test(f))).toBe(true);
    expect(files.some((f) => f.endsWith("mappings.yaml"))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of secrets) {
        expect(bytes.includes(Buffer.from(secret, "utf8")), `${secret.slice(0, 6)}… in ${file}`).toBe(false);
        expect(bytes.includes(Buffer.from(encodeURIComponent(secret), "utf8")), `encoded, in ${file}`).toBe(false);
      }
    }
    const output = printed.join("\n");
    expect(output.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(output.includes(secret), `${secret.slice(0, 6)}… printed`).toBe(false);
  });

  it("an administrator's password and an API token are kept as hashes only", () => {
    expect(adminPassword.length).toBeGreaterThan(8);
    expect(apiToken.length).toBeGreaterThan(8);
    for (const file of filesUnder(state())) {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(adminPassword)), `password in ${file}`).toBe(false);
      expect(bytes.includes(Buffer.from(apiToken)), `token in ${file}`).toBe(false);
    }
  });

  it("every secret file is readable by its owner only (0600), even one that was 0644 before setup", () => {
    const secretFiles = filesUnder(join(state(), "secrets"));
    expect(secretFiles.length).toBeGreaterThan(0);
    for (const file of secretFiles) expect((statSync(file).mode & 0o777).toString(8), file).toBe("600");
    expect(readFileSync(clientSecretPath(state(), DEMO_INTEGRATION_APP.clientId), "utf8").trim()).toBe(
      DEMO_INTEGRATION_APP.clientSecret,
    );
  });
});

describe("outbound requests", () => {
  it("go only to the hosts and ports the configuration names", () => {
    const c = JSON.parse(readFileSync(config(), "utf8"));
    const configured = new Set<string>();
    const add = (url: string | undefined) => {
      if (!url) return;
      const u = new URL(url);
      const port = u.port || (u.protocol === "https:" ? "443" : "80");
      for (const host of [u.hostname, u.hostname === "127.0.0.1" ? "localhost" : "127.0.0.1"])
        configured.add(`${host}:${port}`);
    };
    add(c.dataverse.url);
    add(c.businessCentral.url);
    add(c.dataverse.credentials.authority);
    add(c.businessCentral.credentials.authority);
    expect(connections.length).toBeGreaterThan(0);
    const elsewhere = connections.filter((hp) => !configured.has(hp));
    expect(elsewhere, `configured: ${[...configured].join(", ")}`).toEqual([]);
  });
});
