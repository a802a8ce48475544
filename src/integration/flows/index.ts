// The sales order and quote flows of the Sales integration (seed S7–S10, S14's order rule). One module per flow;
// the states and what each flow does about them are in states.ts.

export {
  type BidirectionalRun,
  pullSubmittedOrders,
  pushOrdersToSales,
  syncBidirectionalOrders,
  updateOrderFromSales,
} from "./bidirectional-orders.ts";
export { type FlowSummary, LINE_MAPPING, ORDER_MAPPING, QUOTE_COUPLING } from "./common.ts";
export { type CreatedOrder, createOrderInBc } from "./create-order.ts";
export {
  autoCreateSalesOrders,
  type CreateResult,
  createSalesOrderInBc,
  listSubmittedSalesOrders,
  type SubmittedOrder,
} from "./legacy-orders.ts";
export { completePostedOrders } from "./order-completion.ts";
export { autoProcessSalesQuotes } from "./quotes.ts";
export {
  decideOrder,
  decideQuote,
  ORDER_TRANSITIONS,
  QUOTE_STATE,
  QUOTE_TRANSITIONS,
  SALES_ORDER_STATE,
  SALES_ORDER_STATUS,
} from "./states.ts";
