import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_INVALID, CONFIG_SECRET_IN_FILE, CONFIG_SECRET_MISSING, isBcsyncError } from "../errors/catalogue.ts";
import { loadConfig, resolveSecret, saveConfig } from "./load.ts";

const dir = () => mkdtempSync(join(tmpdir(), "bcsync-config-"));
const dataverse = {
  url: "https://contoso.crm.dynamics.com",
  credentials: { tenantId: "t", clientId: "c", clientSecretEnv: "MY_DV_SECRET" },
};

describe("configuration", () => {
  it("loads defaults with no file", () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ dataDir: ".bcsync", log: { level: "info" }, jobs: { pollSeconds: 5 } });
  });

  it("reads JSON and YAML files and overlays BCSYNC_* variables", () => {
    const d = dir();
    const json = join(d, "c.json");
    writeFileSync(json, JSON.stringify({ dataDir: "/var/bcsync", dataverse }));
    const yaml = join(d, "c.yaml");
    writeFileSync(yaml, "dataDir: /srv/bcsync\nlog:\n  level: debug\n");
    expect(loadConfig({ path: json, env: {} }).dataverse?.url).toBe("https://contoso.crm.dynamics.com");
    const config = loadConfig({
      path: yaml,
      env: {
        BCSYNC_DATA_DIR: "/tmp/x",
        BCSYNC_JOBS__POLL_SECONDS: "2",
        BCSYNC_LOG__LEVEL: "warn",
        BCSYNC_UNRELATED: "1",
      },
    });
    expect(config).toMatchObject({ dataDir: "/tmp/x", jobs: { pollSeconds: 2 }, log: { level: "warn" } });
  });

  it("names the key, the bad value and what is expected", () => {
    const error = (() => {
      try {
        loadConfig({ env: { BCSYNC_LOG__LEVEL: "loud" } });
      } catch (e) {
        return e;
      }
    })();
    expect(isBcsyncError(error, CONFIG_INVALID)).toBe(true);
    expect((error as Error).message).toBe(
      `Configuration key 'log.level' has the value "loud", but expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent".`,
    );
    const d = dir();
    const bad = join(d, "bad.json");
    writeFileSync(bad, JSON.stringify({ dataverse: { ...dataverse, url: "not a url" } }));
    expect(() => loadConfig({ path: bad, env: {} })).toThrow(/'dataverse.url' has the value "not a url"/);
  });

  it("refuses a secret in the file and reads it from the environment or a secret file instead", () => {
    const d = dir();
    const withSecret = join(d, "s.json");
    writeFileSync(
      withSecret,
      JSON.stringify({
        dataverse: { ...dataverse, credentials: { ...dataverse.credentials, clientSecret: "hunter2" } },
      }),
    );
    const error = (() => {
      try {
        loadConfig({ path: withSecret, env: {} });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(isBcsyncError(error, CONFIG_SECRET_IN_FILE)).toBe(true);
    expect(error?.message).not.toContain("hunter2");

    const creds = { tenantId: "t", clientId: "c", clientSecretEnv: "MY_DV_SECRET" };
    expect(resolveSecret(creds, "dataverse.credentials", { MY_DV_SECRET: "s3cret" })).toBe("s3cret");
    expect(() => resolveSecret(creds, "dataverse.credentials", {})).toThrow(/MY_DV_SECRET/);
    const secretFile = join(d, "secret");
    writeFileSync(secretFile, "from-file\n");
    expect(resolveSecret({ tenantId: "t", clientId: "c", clientSecretFile: secretFile }, "k", {})).toBe("from-file");
    const missing = (() => {
      try {
        resolveSecret({ tenantId: "t", clientId: "c" }, "k", {});
      } catch (e) {
        return e;
      }
    })();
    expect(isBcsyncError(missing, CONFIG_SECRET_MISSING)).toBe(true);
  });

  it("saves a configuration that loads back the same", () => {
    const path = join(dir(), "sub", "bcsync.config.json");
    saveConfig(path, { dataDir: "/d", dataverse });
    expect(loadConfig({ path, env: {} }).dataverse).toEqual({ ...dataverse, extraPrincipals: [] });
  });
});
