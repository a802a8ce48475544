// `npm run test:reliability`: the full fault suite (test/reliability/, several seeds, ≥ 20 kills a run, SQLite and
// PostgreSQL when DATABASE_URL is set). `npm test` runs the same files in their bounded, seeded form.
// Standalone rather than merged with vitest.config.ts: merging would add its include patterns to these.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    env: { BCSYNC_RELIABILITY: "full" },
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    // One file at a time: each scenario starts emulators and child processes of its own.
    maxWorkers: 1,
    globalSetup: ["test/helpers/postgres-global-setup.ts"],
  },
});
