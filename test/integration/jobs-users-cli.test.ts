// Issue 12's CLI for every daily task: `bcsync jobs` (list, run now, hold, resume) and `bcsync users` (add,
// reset-password, token), which the service's sign-in messages and fix texts name. Before, neither existed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/server/auth/secrets.ts";
import { type Harness, runCli, startIntegration } from "./helpers.ts";

let h: Harness;
beforeAll(async () => {
  h = await startIntegration();
}, 120_000);
afterAll(async () => h?.close());

const lines = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("bcsync jobs", () => {
  it("lists the entries, holds and resumes one by mapping name, and runs one here", async () => {
    const cli = (...args: string[]) => runCli("jobs", ...args, "--config", h.configPath, "--json");
    const list = await cli();
    expect(list.code).toBe(0);
    expect(lines(list.out).map((e) => e.mappingName)).toContain("CUSTOMER");

    const held = await cli("hold", "customer");
    expect(held.code).toBe(0);
    expect(JSON.parse(held.out).status).toBe("on_hold");
    const resumed = await cli("resume", "CUSTOMER");
    expect(JSON.parse(resumed.out)).toMatchObject({ status: "ready", mappingName: "CUSTOMER" });

    const ran = await cli("run", "CURRENCY", "--here");
    expect(ran.code, ran.out + ran.err).toBe(0);
    const { outcome, entry } = JSON.parse(ran.out);
    expect(outcome.kind).toBe("succeeded");
    expect(entry.lastRunAt).toBeTruthy();
    const [job] = await h.ctx.store.jobs.list({ mappingName: "CURRENCY", limit: 1 });
    expect(job.status).toBe("succeeded");

    const unknown = await cli("hold", "NO-SUCH");
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.out).error.code).toBe("BCSYNC_E_SERVER_NOT_FOUND");
  });
});

describe("bcsync users", () => {
  it("adds an administrator, gives it a new password, and makes an API token that signs it in", async () => {
    const cli = (...args: string[]) => runCli("users", ...args, "--config", h.configPath, "--json");
    const added = await cli("add", "ops");
    expect(added.code).toBe(0);
    const first = JSON.parse(added.out).password as string;
    expect(first.length).toBeGreaterThanOrEqual(16);
    const reset = await cli("reset-password", "ops");
    const second = JSON.parse(reset.out).password as string;
    expect(second).not.toBe(first);
    const made = await cli("token", "ops", "--label", "prometheus");
    const token = JSON.parse(made.out).token as string;
    expect((await h.ctx.store.accounts.tokenUser(sha256(token)))?.username).toBe("ops");
    const twice = await cli("add", "ops");
    expect(twice.code).toBe(1);
    expect(JSON.parse(twice.out).error.code).toBe("BCSYNC_E_SERVER_USER_EXISTS");
  });
});
