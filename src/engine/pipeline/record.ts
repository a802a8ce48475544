// Record stage: pages are planned and written concurrently, but recorded progress (the watermark, the caller's
// onPage) must only ever move past pages whose records are all recorded, in read order. A fixed window of pages
// in flight bounds memory: when it is full, the oldest page is awaited before the next is read.

export interface PageInFlight {
  /** Resolves once every record of the page is written and recorded (couplings, versions, errors). */
  done: Promise<void>;
  /** Runs after `done`, strictly in page order: advance the watermark, report progress. */
  recorded(): Promise<void>;
}

export class PageWindow {
  private readonly pages: PageInFlight[] = [];

  constructor(readonly depth: number) {}

  /** Adds a page; when more than `depth` pages are in flight, waits for the oldest (in order). */
  async push(page: PageInFlight): Promise<void> {
    // No unhandled rejection while the page waits its turn; the failure is rethrown when it is settled.
    page.done.catch(() => {});
    this.pages.push(page);
    while (this.pages.length > Math.max(1, this.depth)) await this.settleOldest();
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
