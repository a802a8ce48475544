/**
 * How long a quick-preset benchmark may take before it counts as hung. A hang guard, never a timing assertion: on
 * a 2-core machine at load 20 (other suites, other benchmarks) the items and throughput smoke tests took over 60 s,
 * four times their idle time, and failed `npm test` for nothing but the wait.
 */
export const BENCH_SMOKE_TIMEOUT = 600_000;
