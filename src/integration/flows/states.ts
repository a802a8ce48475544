// The states of a sales order on both sides and what the order flows do about them (seed S8, S9, S10;
// bc-reference §4.1, §4.2). Every flow asks `decideOrder` instead of testing states itself, so this table is the
// one place that says what happens; docs/integration.md prints the same table.

/** Dataverse salesorder statecode (statuscode defaults: Active 1 New, Submitted 3 In Progress, …). */
export const SALES_ORDER_STATE = { active: 0, submitted: 1, canceled: 2, fulfilled: 3, invoiced: 4 } as const;
/** The statuscodes the flows set with a state. */
export const SALES_ORDER_STATUS = { pending: 2, complete: 100001, invoiced: 100003 } as const;
/** Dataverse quote statecode. */
export const QUOTE_STATE = { draft: 0, active: 1, won: 2, closed: 3 } as const;

export type OrderMode = "legacy" | "bidirectional";
export type SalesState = "Active" | "Submitted" | "Canceled" | "Fulfilled" | "Invoiced";
/**
 * The Business Central side as the flows see it: no coupled order; the order Open or Released; Released and fully
 * shipped; gone after full posting (its last archive version says invoiced); deleted by a user without posting.
 */
export type BcState = "none" | "Open" | "Released" | "Shipped" | "Invoiced" | "Deleted";

export type OrderAction =
  | "createInBc" // new BC order from the Sales order: header, lines, release, couple
  | "updateBcFromSales" // reopen (BC archives), header and lines from Sales, release again
  | "markFulfilled" // the Sales order becomes Fulfilled
  | "markInvoiced" // the Sales order becomes Invoiced; the couplings go (the BC order is gone)
  | "resetSales" // the Sales order goes back to Active so it can be submitted again; the couplings go
  | "wait"; // nothing now: a later run (or the user) moves it on

export interface OrderFacts {
  mode: OrderMode;
  sales: SalesState;
  bc: BcState;
  /** A Sales user changed the order (or its lines) since the flow last wrote it. */
  salesChanged: boolean;
}

interface Transition {
  mode: OrderMode | "both";
  sales: readonly SalesState[] | "any";
  bc: BcState | "any";
  salesChanged?: boolean;
  action: OrderAction;
  /** The states afterwards (documentation, and what the scenario tests check). */
  salesAfter: SalesState | "same";
  bcAfter: BcState | "same";
  why: string;
}

/** First matching row wins. */
export const ORDER_TRANSITIONS: readonly Transition[] = [
  {
    mode: "both",
    sales: ["Active", "Submitted", "Fulfilled"],
    bc: "Invoiced",
    action: "markInvoiced",
    salesAfter: "Invoiced",
    bcAfter: "none",
    why: "posting invoiced the whole order and deleted it; Sales gets its final values",
  },
  {
    mode: "both",
    sales: ["Submitted", "Fulfilled"],
    bc: "Deleted",
    action: "resetSales",
    salesAfter: "Active",
    bcAfter: "none",
    why: "a user deleted the BC order without posting it: the Sales order can be resubmitted",
  },
  {
    mode: "both",
    sales: ["Submitted"],
    bc: "Shipped",
    action: "markFulfilled",
    salesAfter: "Fulfilled",
    bcAfter: "same",
    why: "every line is shipped; the invoice is still to come",
  },
  {
    mode: "both",
    sales: ["Submitted"],
    bc: "none",
    action: "createInBc",
    salesAfter: "Submitted",
    bcAfter: "Released",
    why: "a submitted order arrives in BC as Released (legacy: by the job or by hand)",
  },
  {
    mode: "bidirectional",
    sales: ["Submitted"],
    bc: "Released",
    salesChanged: true,
    action: "updateBcFromSales",
    salesAfter: "Submitted",
    bcAfter: "Released",
    why: "resubmitted after a fix in Sales: BC reopens (archive version), takes header and lines, releases",
  },
  {
    mode: "bidirectional",
    sales: ["Submitted"],
    bc: "Open",
    action: "wait",
    salesAfter: "same",
    bcAfter: "same",
    why: "reopened in BC: it syncs again when released",
  },
  {
    mode: "both",
    sales: ["Active"],
    bc: "any",
    action: "wait",
    salesAfter: "same",
    bcAfter: "same",
    why: "reopened in Sales (Active): it syncs again when submitted",
  },
  {
    mode: "both",
    sales: "any",
    bc: "any",
    action: "wait",
    salesAfter: "same",
    bcAfter: "same",
    why: "nothing to do (unchanged, or closed in Sales)",
  },
];

export function decideOrder(facts: OrderFacts): Transition {
  const row = ORDER_TRANSITIONS.find(
    (t) =>
      (t.mode === "both" || t.mode === facts.mode) &&
      (t.sales === "any" || t.sales.includes(facts.sales)) &&
      (t.bc === "any" || t.bc === facts.bc) &&
      (t.salesChanged === undefined || t.salesChanged === facts.salesChanged),
  );
  // The last row matches everything.
  return row as Transition;
}

export function salesStateOf(statecode: unknown): SalesState {
  switch (Number(statecode)) {
    case SALES_ORDER_STATE.submitted:
      return "Submitted";
    case SALES_ORDER_STATE.canceled:
      return "Canceled";
    case SALES_ORDER_STATE.fulfilled:
      return "Fulfilled";
    case SALES_ORDER_STATE.invoiced:
      return "Invoiced";
    default:
      return "Active";
  }
}

export type QuoteAction = "createBcQuote" | "makeOrder" | "wait";

/** Quotes (S7, bc-reference §4.6): what auto-processing does with a Sales quote. */
export const QUOTE_TRANSITIONS: readonly {
  quote: "Active" | "Won" | "any";
  bcQuote: "none" | "coupled" | "converted" | "any";
  action: QuoteAction;
  why: string;
}[] = [
  { quote: "Active", bcQuote: "none", action: "createBcQuote", why: "an activated quote becomes a BC sales quote" },
  { quote: "Won", bcQuote: "none", action: "createBcQuote", why: "a won quote needs its BC quote first" },
  { quote: "Won", bcQuote: "coupled", action: "makeOrder", why: "a won quote becomes a released BC order" },
  { quote: "any", bcQuote: "any", action: "wait", why: "draft, closed, or already processed" },
];

export function decideQuote(quote: "Draft" | "Active" | "Won" | "Closed", bcQuote: "none" | "coupled" | "converted") {
  return QUOTE_TRANSITIONS.find(
    (t) => (t.quote === "any" || t.quote === quote) && (t.bcQuote === "any" || t.bcQuote === bcQuote),
  ) as (typeof QUOTE_TRANSITIONS)[number];
}
