import { describe, expect, it } from "vitest";
import { applyDateFormula } from "./relations.ts";

describe("applyDateFormula", () => {
  it("adds days, weeks, months, quarters and years, and finds the current month's end", () => {
    expect(applyDateFormula("2024-01-31", "30D")).toBe("2024-03-01");
    expect(applyDateFormula("2024-01-10", "2W")).toBe("2024-01-24");
    expect(applyDateFormula("2024-01-15", "1M")).toBe("2024-02-15");
    expect(applyDateFormula("2024-01-15", "1Q")).toBe("2024-04-15");
    expect(applyDateFormula("2024-02-29", "1Y")).toBe("2025-02-28");
    expect(applyDateFormula("2024-01-31", "1M")).toBe("2024-02-29");
    expect(applyDateFormula("2024-02-10", "CM")).toBe("2024-02-29");
    expect(applyDateFormula("2024-02-10", "<0D>")).toBe("2024-02-10");
    expect(applyDateFormula("2024-02-10", "")).toBe("2024-02-10");
  });
});
