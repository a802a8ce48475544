// Turns a default's plain data into a validated IntegrationDefault (the model's parser is the one gate).

import { defineTableMapping, type FieldMappingInput, type TableMappingInput } from "../../engine/model.ts";
import { type IntegrationDefault, type MappingJob, otherPageFieldsOf } from "./types.ts";

/**
 * Other-page fields are read through the BC side's secondary page: by default the same entity set on the other
 * API (v2.0 ↔ companion); a mapping may name the page itself (posted invoices: companion `postedSalesInvoices`,
 * v2.0 `salesInvoices`).
 */
function withSecondaryPage(bc: TableMappingInput["bc"], otherPageFields: string[]): TableMappingInput["bc"] {
  if (otherPageFields.length === 0) return bc;
  const api = (bc.api ?? "v2.0") === "v2.0" ? "companion" : "v2.0";
  const declared = bc.secondary;
  return {
    ...bc,
    secondary: {
      api: declared?.api ?? api,
      entitySet: declared?.entitySet ?? bc.entitySet,
      fields: [...new Set([...(declared?.fields ?? []), ...otherPageFields])],
    },
  };
}

export function integrationDefault(
  input: TableMappingInput & { fields: FieldMappingInput[] },
  job: MappingJob | null,
  kind: "table" | "option" = "table",
): IntegrationDefault {
  const otherPageFields = otherPageFieldsOf(input.fields);
  const mapping = defineTableMapping({
    // A record deleted on one side takes its coupling with it (issue 10.7; docs/integration.md, deviations).
    deletionConflict: "removeCoupling",
    ...input,
    bc: withSecondaryPage(input.bc, otherPageFields),
    ...(job
      ? { job: { intervalMinutes: job.intervalMinutes, inactivityTimeoutMinutes: job.inactivityTimeoutMinutes } }
      : {}),
  });
  return { mapping, job, kind, otherPageFields };
}

/** Every 30 minutes, with the given inactivity timeout (seed S17). */
export const every30 = (inactivityTimeoutMinutes: number): MappingJob => ({
  intervalMinutes: 30,
  inactivityTimeoutMinutes,
});
