// The bcsync strategy of the orders workload with BC_PRINCIPALS app registrations for Business Central (2,000
// submitted Sales orders of 5 lines) once, without the record-by-record sample or the one-principal run: for
// bench/compare-revisions.ts --workload orders and for timing a change by hand.
//   node --import tsx bench/profile-orders.ts     one line of JSON on stderr (seconds, BC rows and requests an order)
import { BC_PRINCIPALS, bcsync, ORDERS_PRESETS } from "./orders.ts";

const result = await bcsync(ORDERS_PRESETS.full, BC_PRINCIPALS);
process.stderr.write(
  `${JSON.stringify({
    records: result.records,
    status: result.check.distinctBcOrders === ORDERS_PRESETS.full.orders ? "succeeded" : "failed",
    seconds: result.seconds,
    cpu: result.cpuSeconds,
    dv: result.requestsPerOrder.dataverse.requests * result.records,
    bcRowsWrittenPerOrder: result.bcRowsWrittenPerOrder,
    bcRequestsPerOrder: result.requestsPerOrder.businessCentral,
    throttledMs: result.throttledMs,
  })}\n`,
);
