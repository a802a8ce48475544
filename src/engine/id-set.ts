// A set of record ids that costs 16 bytes an id instead of a string and a hash table entry (about 100 bytes).
// A full pass remembers every id it read (to find the coupled records that are gone, and so that the reverse pass
// of the same run does not read them again), so at 100,000 records a pass held 200,000-300,000 id strings: about a
// third of the engine's live heap mid-sync, and V8 lets garbage grow to a multiple of the live heap before it
// collects, so the peak resident size grew with the table (issue 13: peak RSS at 100,000 ≤ 1.5× that at 10,000).
// Both services' ids are GUIDs: packed as four 32-bit words in an open-addressing table; any other id (a code, a
// test's made-up key) goes in an ordinary Set. Ids compare case-insensitively, as both services treat GUIDs.

/** What a reader of an id set needs (deleted-sources.ts takes this, not the class). */
export interface IdLookup {
  has(id: string): boolean;
}

const WORDS = 4;
const INITIAL_SLOTS = 1024;

/** The value of each ASCII hex digit, -1 for any other character code below 128. */
const HEX = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

/** Where the 32 hex digits of a GUID's 8-4-4-4-12 form are. */
const DIGIT_AT = [
  0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
];

export class IdSet implements IdLookup {
  private slots = INITIAL_SLOTS;
  private words = new Uint32Array(INITIAL_SLOTS * WORDS);
  private packed = 0;
  /** Ids that are not GUIDs, lowercased; the nil GUID too (all-zero words mark an empty slot). */
  private readonly others = new Set<string>();
  /** The GUID being added or looked up, as words (one buffer: no allocation per call). */
  private readonly key = new Uint32Array(WORDS);

  get size(): number {
    return this.packed + this.others.size;
  }

  add(id: string): void {
    if (!this.parse(id)) {
      this.others.add(id.toLowerCase());
      return;
    }
    if (this.find(this.key) >= 0) return;
    if ((this.packed + 1) * 4 > this.slots * 3) this.grow();
    this.insert(this.key);
    this.packed++;
  }

  has(id: string): boolean {
    if (!this.parse(id)) return this.others.has(id.toLowerCase());
    return this.find(this.key) >= 0;
  }

  /** Parses a GUID into `key`; false for anything else and for the nil GUID (kept in `others`). */
  private parse(id: string): boolean {
    if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45) return false;
    if (id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false;
    let nonZero = 0;
    for (let w = 0; w < WORDS; w++) {
      let word = 0;
      for (let d = 0; d < 8; d++) {
        const code = id.charCodeAt(DIGIT_AT[w * 8 + d]);
        const value = code < 128 ? HEX[code] : -1;
        if (value < 0) return false;
        word = (word << 4) | value;
      }
      this.key[w] = word >>> 0;
      nonZero |= word;
    }
    return nonZero !== 0;
  }

  /** The slot holding `key`, or -1. */
  private find(key: Uint32Array): number {
    const mask = this.slots - 1;
    for (let slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * WORDS;
      const w = this.words;
      if ((w[at] | w[at + 1] | w[at + 2] | w[at + 3]) === 0) return -1;
      if (w[at] === key[0] && w[at + 1] === key[1] && w[at + 2] === key[2] && w[at + 3] === key[3]) return slot;
    }
  }

  private insert(key: Uint32Array): void {
    const mask = this.slots - 1;
    let slot = hash(key) & mask;
    while (
      (this.words[slot * WORDS] |
        this.words[slot * WORDS + 1] |
        this.words[slot * WORDS + 2] |
        this.words[slot * WORDS + 3]) !==
      0
    ) {
      slot = (slot + 1) & mask;
    }
    this.words.set(key, slot * WORDS);
  }

  private grow(): void {
    const old = this.words;
    this.slots *= 2;
    this.words = new Uint32Array(this.slots * WORDS);
    for (let at = 0; at < old.length; at += WORDS) {
      const key = old.subarray(at, at + WORDS);
      if ((key[0] | key[1] | key[2] | key[3]) !== 0) this.insert(key);
    }
  }
}

/**
 * Mixes the four words (GUIDs made up in sequence, such as test data, differ only in their last digits; linear
 * probing needs the low bits spread).
 */
function hash(key: Uint32Array): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < WORDS; i++) {
    h = Math.imul(h ^ key[i], 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
