// Mapping leases on both stores (issue 14.4): one holder at a time; renew, release, expiry and take-over.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_DIALECTS } from "../../../test/helpers/store-dialects.ts";
import type { Store } from "../store.ts";

for (const dialect of STORE_DIALECTS) {
  describe.skipIf(dialect.skipReason)(`mapping leases on ${dialect.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await dialect.open();
    });
    afterAll(async () => store?.close());

    it("gives a mapping to one holder at a time, and back on release", async () => {
      expect(await store.leases.acquire("CUSTOMER", "a", 60_000)).toEqual({ ok: true });
      const second = await store.leases.acquire("CUSTOMER", "b", 60_000);
      expect(second.ok).toBe(false);
      if (!second.ok) expect(second.lease.holder).toBe("a");
      expect(await store.leases.acquire("VENDOR", "b", 60_000)).toEqual({ ok: true }); // other mappings are free
      expect(await store.leases.renew("CUSTOMER", "a", 60_000)).toBe(true);
      expect(await store.leases.renew("CUSTOMER", "b", 60_000)).toBe(false);
      await store.leases.release("CUSTOMER", "b"); // not b's: nothing happens
      expect((await store.leases.get("CUSTOMER"))?.holder).toBe("a");
      await store.leases.release("CUSTOMER", "a");
      expect(await store.leases.acquire("CUSTOMER", "b", 60_000)).toEqual({ ok: true });
      await store.leases.release("CUSTOMER", "b");
      await store.leases.release("VENDOR", "b");
    });

    it("an expired lease (its holder died) is taken; a named dead holder is taken over at once", async () => {
      const t0 = new Date("2026-12-05T10:00:00Z");
      expect(await store.leases.acquire("ITEM-PRODUCT", "dead", 60_000, t0)).toEqual({ ok: true });
      expect((await store.leases.acquire("ITEM-PRODUCT", "next", 60_000, new Date(t0.getTime() + 30_000))).ok).toBe(
        false,
      );
      expect(await store.leases.acquire("ITEM-PRODUCT", "next", 60_000, new Date(t0.getTime() + 61_000))).toEqual({
        ok: true,
      });
      expect(
        await store.leases.acquire("ITEM-PRODUCT", "third", 60_000, new Date(t0.getTime() + 62_000), "next"),
      ).toEqual({
        ok: true,
      });
      await store.leases.release("ITEM-PRODUCT", "third");
    });
  });
}
