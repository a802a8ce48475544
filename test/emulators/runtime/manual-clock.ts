// A clock the test moves by hand, for the runtime's injectable `Clock`; it is also the `Timers` of the limits
// queue, firing each timer when `advance` passes its due time.

export interface ManualClock {
  now(): number;
  advance(ms: number): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let current = start;
  let nextId = 1;
  const timers = new Map<number, { due: number; callback: () => void }>();
  return {
    now: () => current,
    advance(ms: number) {
      const until = current + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.due <= until).sort((a, b) => a[1].due - b[1].due)[0];
        if (!due) break;
        timers.delete(due[0]);
        current = due[1].due;
        due[1].callback();
      }
      current = until;
    },
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { due: current + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
}
