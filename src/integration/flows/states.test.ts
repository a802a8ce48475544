import { describe, expect, it } from "vitest";
import { type BcState, decideOrder, decideQuote, type OrderMode, type SalesState } from "./states.ts";

const SALES: SalesState[] = ["Active", "Submitted", "Canceled", "Fulfilled", "Invoiced"];
const BC: BcState[] = ["none", "Open", "Released", "Shipped", "Invoiced", "Deleted"];
const MODES: OrderMode[] = ["legacy", "bidirectional"];

describe("order state table", () => {
  it("has an answer for every combination, and BC is only written for Submitted Sales orders", () => {
    for (const mode of MODES)
      for (const sales of SALES)
        for (const bc of BC)
          for (const salesChanged of [false, true]) {
            const t = decideOrder({ mode, sales, bc, salesChanged });
            expect(t).toBeDefined();
            if (t.action === "createInBc" || t.action === "updateBcFromSales") expect(sales).toBe("Submitted");
          }
  });

  it("only the bidirectional mode takes a resubmitted order to BC (S8); legacy sends each order once (S9)", () => {
    const facts = { sales: "Submitted", bc: "Released", salesChanged: true } as const;
    expect(decideOrder({ mode: "bidirectional", ...facts }).action).toBe("updateBcFromSales");
    expect(decideOrder({ mode: "legacy", ...facts }).action).toBe("wait");
    expect(decideOrder({ mode: "bidirectional", ...facts, salesChanged: false }).action).toBe("wait");
  });

  it("closed Sales orders are never reopened by posting news", () => {
    for (const bc of BC) {
      expect(decideOrder({ mode: "legacy", sales: "Invoiced", bc, salesChanged: false }).action).toBe("wait");
      expect(decideOrder({ mode: "legacy", sales: "Canceled", bc, salesChanged: false }).action).toBe("wait");
    }
    expect(decideOrder({ mode: "legacy", sales: "Fulfilled", bc: "Invoiced", salesChanged: false }).action).toBe(
      "markInvoiced",
    );
  });

  it("quotes: activated → BC quote, won → order once (S7)", () => {
    expect(decideQuote("Active", "none").action).toBe("createBcQuote");
    expect(decideQuote("Won", "coupled").action).toBe("makeOrder");
    expect(decideQuote("Won", "converted").action).toBe("wait");
    expect(decideQuote("Draft", "none").action).toBe("wait");
  });
});
