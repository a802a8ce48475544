#!/usr/bin/env node
// Loads the TypeScript CLI through tsx's loader in this same process, so `npx bcsync` works from a clone
// without a build step and signals (SIGINT/SIGTERM) reach the CLI directly.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
