// Labels of the system choices several tables share (the out-of-the-box option sets), for formatted values and
// the option sets EntityDefinitions serves.
export const PAYMENT_TERMS = { 1: "Net 30", 2: "2% 10, Net 30", 3: "Net 45", 4: "Net 60" } as const;
export const SHIPPING_METHODS = {
  1: "Airborne",
  2: "DHL",
  3: "FedEx",
  4: "UPS",
  5: "Postal Mail",
  6: "Full Load",
  7: "Will Call",
} as const;
export const FREIGHT_TERMS = { 1: "FOB", 2: "No Charge" } as const;
