import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "emulators/**/*.test.ts", "test/**/*.test.ts"],
    // Hang guards, not timing assertions: at load 20 on two cores the scenario suites (servers, browsers, child
    // processes) run three to four times slower than idle, and a 60 s guard failed healthy tests (issue 14).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores: scenario suites start servers; keep the pool small so they do not starve each other.
    maxWorkers: 2,
    globalSetup: ["test/helpers/postgres-global-setup.ts"],
  },
});
