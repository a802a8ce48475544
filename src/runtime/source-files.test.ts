import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { sourceFilePath } from "./source-files.ts";

const root = join(import.meta.dirname, "..", "..");

describe("sourceFilePath", () => {
  it("finds a file next to a module that runs from src/", () => {
    const module = pathToFileURL(join(root, "src", "server", "console", "plugin.ts")).href;
    expect(sourceFilePath(module, "assets/app.js")).toBe(join(root, "src", "server", "console", "assets", "app.js"));
  });

  // The compiled CLI (what `npx bcsync serve` runs once `npm install` has built dist/) served no console scripts:
  // the assets folder it looked in, dist/src/server/console/assets, is never written by tsc.
  it("leads a compiled module in dist/src/ back to the file under src/", () => {
    const module = pathToFileURL(join(root, "dist", "src", "server", "console", "plugin.js")).href;
    const path = sourceFilePath(module, "assets");
    expect(path).toBe(join(root, "src", "server", "console", "assets"));
    expect(existsSync(join(path, "app.js"))).toBe(true);
  });

  it("leaves a path outside dist/src/ as it is, found or not", () => {
    const module = pathToFileURL(join(root, "bench", "run.ts")).href;
    expect(sourceFilePath(module, "missing.js")).toBe(join(root, "bench", "missing.js"));
  });
});
