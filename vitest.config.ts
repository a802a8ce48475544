import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "emulators/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: scenario suites start servers; keep the pool small so they do not starve each other.
    maxWorkers: 2,
    globalSetup: ["test/helpers/postgres-global-setup.ts"],
  },
});
