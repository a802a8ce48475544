// `bcsync emulate`: option checking, a taken port, and the real command in a child process stopped by SIGTERM.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Agent, fetch } from "undici";
import { describe, expect, it } from "vitest";
import { DEMO_INTEGRATION_APP } from "../../../emulators/identity/demo-apps.ts";
import { startIdentityEmulator } from "../../../emulators/identity/index.ts";
import { isBcsyncError } from "../../errors/catalogue.ts";
import { EMULATE_OPTION_INVALID, EMULATE_PORT_IN_USE } from "../../errors/codes/emulate.ts";
import { type EmulateCliOptions, emulateOptionsFrom, runEmulate } from "./emulate.ts";

const defaults: EmulateCliOptions = {
  data: ".bcsync/emulators",
  host: "127.0.0.1",
  seed: "demo",
  limits: "realistic",
};

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("bcsync emulate", () => {
  it("resolves the data dir to an absolute path", () => {
    expect(emulateOptionsFrom(defaults).dataDir).toBe(resolve(".bcsync/emulators"));
  });

  it("turns the options into startEmulators options", () => {
    expect(
      emulateOptionsFrom({
        ...defaults,
        seed: "scale:5000",
        limits: "off",
        cost: "off",
        latency: "25",
        faults: "0.05",
        bcPort: "0",
        identityPort: "8443",
        inMemory: true,
      }),
    ).toEqual({
      dataDir: undefined,
      host: "127.0.0.1",
      seed: "scale:5000",
      limits: "off",
      cost: "off",
      faults: { latencyMs: 25, faultRate: 0.05 },
      ports: { identity: 8443, dataverse: undefined, businessCentral: 0 },
    });
  });

  it.each([
    ["--seed", { seed: "lots" }],
    ["--seed", { seed: "scale:0" }],
    ["--limits", { limits: "strict" }],
    ["--cost", { cost: "free" }],
    ["--faults", { faults: "1.5" }],
    ["--latency", { latency: "-1" }],
    ["--bc-port", { bcPort: "70000" }],
    ["--dataverse-port", { dataversePort: "http" }],
  ])("refuses a bad %s with a catalogued error naming the option", (option, bad) => {
    const error = errorOf(() => emulateOptionsFrom({ ...defaults, ...bad }));
    expect(isBcsyncError(error, EMULATE_OPTION_INVALID)).toBe(true);
    expect((error as Error).message).toContain(option);
  });

  it("reports a taken port as a catalogued error", async () => {
    const other = await startIdentityEmulator();
    try {
      const port = String(new URL(other.url).port);
      const error = await runEmulate({ ...defaults, inMemory: true, identityPort: port, json: true }).catch((e) => e);
      expect(isBcsyncError(error, EMULATE_PORT_IN_USE)).toBe(true);
      expect((error as Error).message).toContain(port);
    } finally {
      await other.close();
    }
  });

  it("runs as a command: prints one JSON line, serves tokens, and exits 0 on SIGTERM", async () => {
    const main = fileURLToPath(new URL("../main.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", main, "emulate", "--json", "--in-memory", "--seed", "empty"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = once(child, "exit");
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, "line")) as [string];
      const info = JSON.parse(first) as { identity: { authority: string; caPath?: string }; apps: unknown[] };
      expect(info.identity.caPath).toBeUndefined();
      expect(info.apps).toContainEqual({
        clientId: DEMO_INTEGRATION_APP.clientId,
        clientSecret: DEMO_INTEGRATION_APP.clientSecret,
        displayName: DEMO_INTEGRATION_APP.displayName,
      });
      // The certificate is in memory with --in-memory, so skip verification for this one probe.
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      const config = await fetch(`${info.identity.authority}/v2.0/.well-known/openid-configuration`, { dispatcher });
      expect(config.status).toBe(200);
      await config.arrayBuffer();
      await dispatcher.close();
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
