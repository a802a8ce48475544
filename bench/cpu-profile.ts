// A CPU profile of this process from now until `stop` (node:inspector, in-process), written as a .cpuprofile that
// bench/profile-summary.ts and Chrome's DevTools read. Shared by the benchmark's profiling entry points.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/**
 * Starts profiling when `file` is given (a BENCH_*PROFILE variable); `stop` writes the profile there. Without a
 * file both are no-ops, so callers need no branch. `intervalUs`: the sampling interval (V8's default, 1,000 µs,
 * when absent).
 */
export async function startCpuProfile(
  file: string | undefined,
  intervalUs?: number,
): Promise<{ stop(): Promise<void> }> {
  if (!file) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  if (intervalUs !== undefined) await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
