// How far V8 lets the heap grow between full garbage collections, for a bcsync process. After each full collection
// V8 sets the next limit at the live size times a factor it picks from how fast the program allocates, up to 4×. A
// full sync allocates fast for as long as it runs (rows parsed, planned, serialized into requests, recorded) while
// what it keeps alive stays flat: measured on the 100,000-customer full sync of bench/incremental.ts, the heap after
// a forced collection stayed at 45-50 MB for the whole run, yet the heap in use reached 170-180 MB and the resident
// size 325-340 MB (10,000 customers: 200-215 MB). With the factor bounded at 2 (heap growing percent 100) the same
// sync peaked at 245-251 MB, the 10,000 one was unchanged, and the run took as long; a factor of 1.5 saved 10 MB more
// for more collections. Memory that grows with how long a sync runs, not with what it holds, is what the bounded
// memory of the pipeline (a fixed number of pages in flight) is meant to rule out.
import { setFlagsFromString } from "node:v8";

/** V8's heap growing factor is 1 + this / 100 (its default, 0, lets V8 choose up to 4). */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = "--heap-growing-percent";

/**
 * Bounds the heap's growth for this process, unless its command line sets the flag itself (`node
 * --heap-growing-percent=N bin/bcsync.js …`: the person running it chose). Called once by each process entry
 * (the CLI; the benchmark's processes that stand for it), not by the engine: a program embedding the engine keeps
 * its own settings.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`))) return false;
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
