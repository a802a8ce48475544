// `npm start` (bcsync demo) shows the web console's address and a login that works: the first administrator's
// name and a generated password, printed once and kept only as a hash. The console it points at has the
// emulator record editor (demo mode). Runs the demo in-process and stops it through its abort signal.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { runDemo } from "../../src/cli/commands/demo.ts";

const dir = mkdtempSync(join(tmpdir(), "bcsync-demo-console-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under a directory (the demo's state, emulator data and configuration). */
function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

it("prints the console URL and a working login, whose password is stored only as a hash", async () => {
  let printed = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  const stop = new AbortController();
  let checks: Promise<void> = Promise.resolve();
  try {
    await runDemo(
      { data: dir, limits: "off", host: "127.0.0.1", port: "0" },
      {
        signal: stop.signal,
        onReady: () => {
          checks = (async () => {
            const url = /Web console: (http:\/\/\S+\/console\/)/.exec(printed)?.[1];
            const login = /sign in as (\S+) \/ (\S+) /.exec(printed);
            expect(url, printed).toBeDefined();
            expect(login, printed).not.toBeNull();
            // Issue 12, first hour 4: each review line says what it did, and no line failed in the demo.
            expect(printed).toMatch(/CUSTOMER\s+Finished\s+\+\d+ new, \d+ coupled, ~\d+ changed/);
            expect(printed).not.toMatch(/^\s+\S+\s+Error\b/m);
            expect(printed).not.toContain("switched off because the connected services do not have them");
            const [, username, password] = login as RegExpExecArray;
            const origin = new URL(url as string).origin;
            const signIn = await fetch(`${origin}/api/v1/session`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ username, password }),
            });
            expect(signIn.status).toBe(200);
            const cookie = signIn.headers
              .getSetCookie()
              .map((c) => c.split(";")[0])
              .join("; ");
            const page = await (await fetch(url as string, { headers: { cookie } })).text();
            expect(page).toContain('"recordEditor":true');
            expect(page).toContain(`"username":"${username}"`);
            const tables = await fetch(`${origin}/api/v1/emulator/tables`, { headers: { cookie } });
            expect(tables.status).toBe(200);
            for (const file of filesUnder(dir))
              expect(readFileSync(file).includes(password), `${file} holds the password`).toBe(false);
          })().finally(() => stop.abort());
        },
      },
    );
  } finally {
    write.mockRestore();
  }
  await checks;
}, 120_000);
