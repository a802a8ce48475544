// Code ↔ id pairs (currencyCode/currencyId, paymentTermsId/paymentTermsCode, …): BC keeps both in sync on
// validation; a value that does not exist in the related table is refused.

import type { Row } from "../entities/types.ts";
import { bcErrors } from "../errors.ts";
import type { CompanyStore } from "../store/database.ts";

export interface Relation {
  idField: string;
  codeField: string;
  table: string;
  /** Key field on the related table (code / number). */
  key: string;
  caption: string;
  /** Caption of the code field in the source table ("Currency Code"), for error messages. */
  fieldCaption: string;
}

export const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

export const rel = (
  idField: string,
  codeField: string,
  table: string,
  caption: string,
  fieldCaption: string,
  key = "code",
): Relation => ({ idField, codeField, table, key, caption, fieldCaption });

export const CURRENCY = rel("currencyId", "currencyCode", "currency", "Currency", "Currency Code");
export const PAYMENT_TERMS = rel(
  "paymentTermsId",
  "paymentTermsCode",
  "paymentTerms",
  "Payment Terms",
  "Payment Terms Code",
);
export const SHIPMENT_METHOD = rel(
  "shipmentMethodId",
  "shipmentMethodCode",
  "shipmentMethod",
  "Shipment Method",
  "Shipment Method Code",
);
export const ITEM_CATEGORY = rel(
  "itemCategoryId",
  "itemCategoryCode",
  "itemCategory",
  "Item Category",
  "Item Category Code",
);
export const BASE_UOM = rel(
  "baseUnitOfMeasureId",
  "baseUnitOfMeasureCode",
  "unitOfMeasure",
  "Unit of Measure",
  "Base Unit of Measure",
);
export const LINE_UOM = rel(
  "unitOfMeasureId",
  "unitOfMeasureCode",
  "unitOfMeasure",
  "Unit of Measure",
  "Unit of Measure Code",
);

/**
 * Resolves each relation touched by `changes` (the side the client sent wins) and writes both sides into
 * `changes`. `current` is the stored row for updates.
 */
export function resolveRelations(
  store: CompanyStore,
  relations: readonly Relation[],
  changes: Row,
  current?: Row,
  sourceTable?: string,
): void {
  for (const r of relations) {
    // On insert the row carries defaults (empty GUID, empty code): only a non-empty side counts as sent.
    const idSent = current
      ? r.idField in changes && changes[r.idField] !== current[r.idField]
      : changes[r.idField] !== undefined && changes[r.idField] !== EMPTY_GUID;
    const codeSent = current
      ? r.codeField in changes && changes[r.codeField] !== current[r.codeField]
      : changes[r.codeField] !== undefined && changes[r.codeField] !== "";
    if (idSent) {
      const id = String(changes[r.idField]);
      if (id === EMPTY_GUID) {
        changes[r.codeField] = "";
        continue;
      }
      const target = store.get(r.table, id);
      if (!target) throw bcErrors.recordNotFound(r.caption, { Id: id });
      changes[r.codeField] = target[r.key];
    } else if (codeSent) {
      const code = String(changes[r.codeField]);
      if (code === "") {
        changes[r.idField] = EMPTY_GUID;
        continue;
      }
      const target = store.find(r.table, (row) => row[r.key] === code);
      if (!target) throw bcErrors.invalidTableRelation(r.fieldCaption, r.caption, code, sourceTable);
      changes[r.idField] = target.id;
    }
  }
}

/** A `DateFormula` such as `30D`, `1M`, `2W`, `0D`, `CM` applied to an ISO date. */
export function applyDateFormula(isoDate: string, formula: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  const f = formula.trim().toUpperCase();
  if (f === "CM") return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  const m = /^(-?\d+)([DWMYQ])$/.exec(f.replace(/[<>]/g, ""));
  if (!m) return isoDate;
  const n = Number(m[1]);
  if (m[2] === "D" || m[2] === "W") {
    d.setUTCDate(d.getUTCDate() + n * (m[2] === "W" ? 7 : 1));
    return d.toISOString().slice(0, 10);
  }
  // Months, quarters, years keep the day of month, clamped to the target month's last day (Jan 31 + 1M = Feb 29).
  const months = n * (m[2] === "M" ? 1 : m[2] === "Q" ? 3 : 12);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.toISOString().slice(0, 10);
}
