// Deterministic ids for seeded rows: the same seed gives the same GUIDs on every machine and start.
import { createHash } from "node:crypto";

export function seedId(name: string): string {
  const b = createHash("sha256").update(`bcsync-dataverse-seed:${name}`).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const ORGANIZATION_ID = seedId("organization");
export const ROOT_BUSINESS_UNIT_ID = seedId("businessunit:root");
export const DEFAULT_TEAM_ID = seedId("team:default");
export const USD_CURRENCY_ID = seedId("currency:USD");
export const EUR_CURRENCY_ID = seedId("currency:EUR");
export const SYSTEM_ADMINISTRATOR_ROLE_ID = seedId("role:System Administrator");
export const INTEGRATION_ROLE_ID = seedId("role:bcsync Integration");
export const SALESPERSON_ROLE_ID = seedId("role:Salesperson");
export const DEFAULT_PRICE_LIST_ID = seedId("pricelevel:default");
export const DEFAULT_UNIT_GROUP_ID = seedId("uomschedule:default");
