// Turns a default's plain data into a validated IntegrationDefault (the model's parser is the one gate).

import { defineTableMapping, type FieldMappingInput, type TableMappingInput } from "../../engine/model.ts";
import { type IntegrationDefault, type MappingJob, otherPageFieldsOf } from "./types.ts";

export function integrationDefault(
  input: TableMappingInput & { fields: FieldMappingInput[] },
  job: MappingJob | null,
  kind: "table" | "option" = "table",
): IntegrationDefault {
  const mapping = defineTableMapping({
    ...input,
    ...(job
      ? { job: { intervalMinutes: job.intervalMinutes, inactivityTimeoutMinutes: job.inactivityTimeoutMinutes } }
      : {}),
  });
  return { mapping, job, kind, otherPageFields: otherPageFieldsOf(input.fields) };
}

/** Every 30 minutes, with the given inactivity timeout (seed S17). */
export const every30 = (inactivityTimeoutMinutes: number): MappingJob => ({
  intervalMinutes: 30,
  inactivityTimeoutMinutes,
});
