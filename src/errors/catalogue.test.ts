import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allErrorDefinitions, BcsyncError, bcsyncError, CONFIG_INVALID, isBcsyncError } from "./catalogue.ts";
import { renderErrorsMarkdown } from "./docs.ts";

describe("error catalogue", () => {
  it("has unique, well-formed codes with a fix for each", () => {
    const defs = allErrorDefinitions();
    expect(defs.length).toBeGreaterThan(3);
    const codes = defs.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const def of defs) {
      expect(def.code).toMatch(/^BCSYNC_E_[A-Z0-9_]+$/);
      expect(def.fix.length).toBeGreaterThan(10);
    }
  });

  it("fills message and fix templates from params", () => {
    const err = bcsyncError(CONFIG_INVALID, { key: "store.url", value: '"mysql://x"', expected: "a postgres URL" });
    expect(err).toBeInstanceOf(BcsyncError);
    expect(err.message).toBe("Configuration key 'store.url' has the value \"mysql://x\", but a postgres URL.");
    expect(err.fix).toContain("'store.url'");
    expect(isBcsyncError(err, CONFIG_INVALID)).toBe(true);
    expect(err.toJSON().code).toBe("BCSYNC_E_CONFIG_INVALID");
  });

  it("docs/errors.md is generated from the catalogue and up to date (run `npm run docs:errors`)", () => {
    const onDisk = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    expect(onDisk).toBe(renderErrorsMarkdown());
  });
});
