// Issue 14, "Bad input": malformed configuration and mapping files, through the CLI as a person meets them. Each is
// refused with a catalogued error that names the file, the key or entry at fault and the fix, never an "unexpected
// error" with a stack; a file that is not UTF-8 is refused rather than read with its bad bytes replaced.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { allErrorDefinitions } from "../../src/errors/catalogue.ts";
import { runCli } from "../integration/helpers.ts";

const CATALOGUE = new Set(allErrorDefinitions().map((d) => d.code));
const dir = mkdtempSync(join(tmpdir(), "bcsync-bad-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The catalogued error a refused command printed: code, message and fix. */
function refusal(r: { code: number; out: string; err: string }) {
  expect(r.code, r.err).toBe(EXIT.error);
  const m = /^error (BCSYNC_E_\w+): ([\s\S]*?)\n {2}fix: (.+)/m.exec(r.err);
  expect(m, r.err).not.toBeNull();
  const [, code, message, fix] = m as RegExpExecArray;
  expect(CATALOGUE.has(code), code).toBe(true);
  expect(r.err).not.toMatch(/unexpected error|\n\s+at /);
  return { code, message, fix };
}

const BROKEN_UTF8 = Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0xc3, 0x28]); // "name" then a cut-off two-byte sequence

describe("malformed configuration files", () => {
  const cases: { name: string; content: string | Buffer; code: string; names: RegExp[] }[] = [
    { name: "broken.json", content: '{ "dataDir": ', code: "BCSYNC_E_CONFIG_FILE_UNREADABLE", names: [/broken\.json/] },
    {
      name: "broken.yaml",
      content: "dataDir: [unclosed\n",
      code: "BCSYNC_E_CONFIG_FILE_UNREADABLE",
      names: [/broken\.yaml/],
    },
    {
      name: "wrong-type.json",
      content: JSON.stringify({ jobs: { pollSeconds: "often" } }),
      code: "BCSYNC_E_CONFIG_INVALID",
      names: [/jobs\.pollSeconds/, /often/],
    },
    {
      name: "not-utf8.json",
      content: Buffer.concat([Buffer.from('{ "dataDir": "/tmp/'), BROKEN_UTF8, Buffer.from('" }')]),
      code: "BCSYNC_E_CONFIG_FILE_UNREADABLE",
      names: [/not-utf8\.json/, /UTF-8/, /byte 23/],
    },
    {
      name: "secret.json",
      content: JSON.stringify({ dataverse: { credentials: { clientSecret: "s3cret-in-the-file" } } }),
      code: "BCSYNC_E_CONFIG_SECRET_IN_FILE",
      names: [/clientSecret/],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.code}`, async () => {
      const r = await runCli("mappings", "list", "--config", file(c.name, c.content));
      const { code, message, fix } = refusal(r);
      expect(code).toBe(c.code);
      for (const n of c.names) expect(message, r.err).toMatch(n);
      expect(fix.length).toBeGreaterThan(10);
      expect(r.err).not.toContain("s3cret-in-the-file");
    });
  }
});

describe("malformed mapping files", () => {
  const valid = (over: Record<string, unknown> = {}) => ({
    name: "CUSTOMER_X",
    bc: { entitySet: "customers" },
    dataverse: { table: "account", entitySet: "accounts", keyField: "accountid" },
    direction: "bidirectional",
    fields: [{ bcField: "displayName", dataverseField: "name" }],
    ...over,
  });
  const json = (mappings: unknown) => JSON.stringify({ mappings });
  const cases: { name: string; content: string | Buffer; names: RegExp[] }[] = [
    { name: "broken.yaml", content: "mappings: [ { name: X", names: [/broken\.yaml/] },
    { name: "wrong-type.json", content: json([valid({ direction: 42 })]), names: [/direction/] },
    { name: "missing.json", content: json([valid({ bc: {} })]), names: [/bc\.entitySet|entitySet/] },
    {
      name: "field-type.json",
      content: json([valid({ fields: [{ bcField: 7, dataverseField: "name" }] })]),
      names: [/fields/, /bcField/],
    },
    { name: "not-a-list.json", content: JSON.stringify({ mappings: "CUSTOMER" }), names: [/mappings/] },
    {
      name: "not-utf8.yaml",
      content: Buffer.concat([Buffer.from("mappings:\n  - name: "), BROKEN_UTF8, Buffer.from("\n")]),
      names: [/not-utf8\.yaml/, /UTF-8/, /line 2/],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: BCSYNC_E_INTEGRATION_MAPPING_FILE_INVALID naming the entry`, async () => {
      const path = file(c.name, c.content);
      const r = await runCli("mappings", "import", path, "--config", join(dir, "absent.json"));
      const { code, message, fix } = refusal(r);
      expect(code).toBe("BCSYNC_E_INTEGRATION_MAPPING_FILE_INVALID");
      expect(message).toContain(path);
      for (const n of c.names) expect(message, r.err).toMatch(n);
      expect(fix).toMatch(/mappings export/);
    });
  }
});
