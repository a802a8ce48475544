import { describe, expect, it } from "vitest";
import { storeFailure } from "./failures.ts";

describe("storeFailure", () => {
  it("names a full disk under the SQLite store with its catalogued code", () => {
    const e = storeFailure(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }));
    expect(e?.code).toBe("BCSYNC_E_STORE_DISK_FULL");
    expect(e?.message).toContain("database or disk is full");
    expect(e?.fix).toMatch(/Free space/);
  });

  it("names a PostgreSQL connection the server ended", () => {
    const e = storeFailure(
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    );
    expect(e?.code).toBe("BCSYNC_E_STORE_CONNECTION_LOST");
  });

  it("leaves other errors alone (they are bugs to report)", () => {
    expect(storeFailure(new TypeError("x is undefined"))).toBeUndefined();
    expect(
      storeFailure(Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT_UNIQUE" })),
    ).toBe(undefined);
  });
});
