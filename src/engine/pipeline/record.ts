// Record stage: pages are planned and written concurrently, but recorded progress (the watermark, the caller's
// onPage) must only ever move past pages whose records are all recorded, in read order. A fixed window of pages
// being written bounds memory: when it is full, the next page waits until one of them is done — any of them, not
// only the oldest: a page whose records are all written holds nothing but its place in the order (its watermark),
// so the oldest page's last request no longer holds up the pages behind it (the writes' slots sat idle meanwhile).

export interface PageInFlight {
  /** Resolves once every record of the page is written and recorded (couplings, versions, errors). */
  done: Promise<void>;
  /** Runs after `done`, strictly in page order: advance the watermark, report progress. */
  recorded(): Promise<void>;
}

/** Pages done but not yet recorded (an older page still writing), at most this many times the depth. */
const DONE_WAITING_FACTOR = 4;

export class PageWindow {
  private readonly pages: PageInFlight[] = [];
  /** Pages whose `done` has settled (resolved or rejected). */
  private readonly settled = new WeakSet<PageInFlight>();
  private wake: (() => void) | undefined;

  constructor(readonly depth: number) {}

  /**
   * Adds a page; while more than `depth` pages are still being written, records the oldest ones that are done (in
   * order) and waits for any page to be done. Done pages waiting for an older one to be recorded are bounded too.
   */
  async push(page: PageInFlight): Promise<void> {
    const settle = () => {
      this.settled.add(page);
      this.wake?.();
    };
    // No unhandled rejection while the page waits its turn; the failure is rethrown when it is settled.
    page.done.then(settle, settle);
    this.pages.push(page);
    const depth = Math.max(1, this.depth);
    for (;;) {
      while (this.pages.length > depth && this.settled.has(this.pages[0])) await this.settleOldest();
      if (this.writing() <= depth && this.pages.length <= depth * DONE_WAITING_FACTOR) return;
      if (this.pages.length > depth * DONE_WAITING_FACTOR) {
        await this.settleOldest();
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  /** Pages still being written (every page not yet settled is in the window). */
  private writing(): number {
    let n = 0;
    for (const p of this.pages) if (!this.settled.has(p)) n++;
    return n;
  }

  /** Waits for every page in flight, in order. On a failure, the later pages are still awaited, then it throws. */
  async drain(): Promise<void> {
    while (this.pages.length > 0) await this.settleOldest();
  }

  /** After a failure: let the pages in flight finish their writes (and recording), without moving progress. */
  async abandon(): Promise<void> {
    const pages = this.pages.splice(0);
    await Promise.allSettled(pages.map((p) => p.done));
  }

  private async settleOldest(): Promise<void> {
    const page = this.pages.shift()!;
    try {
      await page.done;
    } catch (error) {
      await this.abandon();
      throw error;
    }
    await page.recorded();
  }
}
