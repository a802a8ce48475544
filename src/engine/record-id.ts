// Ids of the records bcsync creates on either side (a create carries the id it was recorded under, so a create whose
// answer was lost is found again by it). Time-ordered: UUID version 7 (RFC 9562), a millisecond timestamp, then 74
// random bits. The store keeps every coupling in an index on each side's id; ids that grow land at the end of that
// index, where random ones (version 4) landed on a different index page each, and each commit rewrote every page
// touched. 20,000 couplings inserted as a full sync does (SQLite alone): 376-393 ms of CPU against 556-587 ms with
// random ids; in the customer workload, whose Business Central ids stay random, the inserts took 312-352 ms against
// 387-415 ms. Either service takes any GUID as a new record's id.

import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

/**
 * Random bytes for the ids, drawn 4 KiB at a time: the uuid package asks Web Crypto for 16 bytes per id, 3 µs each
 * (134 ms of a 20,000-item sync's main thread, for its products and their price list lines). Ids made within one
 * millisecond are then ordered by their random bits rather than by a counter: still next to each other in an index.
 */
const pool = new Uint8Array(4096);
let used = pool.length;

function randomBytes16(): Uint8Array {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.subarray(used - 16, used);
}

export function newRecordId(): string {
  return v7({ random: randomBytes16() });
}
