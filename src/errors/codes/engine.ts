import { defineError } from "../define.ts";

export const ENGINE_LOOKUP_NOT_COUPLED = defineError<{
  mapping: string;
  record: string;
  field: string;
  value: string;
  lookup: string;
}>({
  code: "BCSYNC_E_ENGINE_LOOKUP_NOT_COUPLED",
  message:
    "{mapping}: record {record}, field {field}: value {value} must be coupled to a record through mapping {lookup}.",
  status: 422,
  fix: "Couple the referenced record first: `npx bcsync sync {lookup} --full` (or `npx bcsync review --sync-all` for every mapping), then `npx bcsync errors --retry-all`; or set clearOnFail on the field mapping to write a blank instead.",
});

export const ENGINE_OPTION_UNMAPPED = defineError<{ mapping: string; field: string; value: string }>({
  code: "BCSYNC_E_ENGINE_OPTION_UNMAPPED",
  message: "{mapping}: field {field} value {value} has no entry in its option map.",
  status: 422,
  fix: "Add the value to the field mapping's option map, or set the option map's `unmapped` to clear or keep.",
});

export const ENGINE_TRANSFORM_FAILED = defineError<{
  mapping: string;
  field: string;
  transform: string;
  reason: string;
}>({
  code: "BCSYNC_E_ENGINE_TRANSFORM_FAILED",
  message: "{mapping}: transform {transform} on field {field} failed: {reason}.",
  status: 422,
  fix: "Correct the source value or the transform's arguments in the field mapping.",
});

export const ENGINE_UNKNOWN_TRANSFORM = defineError<{ mapping: string; field: string; transform: string }>({
  code: "BCSYNC_E_ENGINE_UNKNOWN_TRANSFORM",
  message: "{mapping}: field {field} refers to the unknown transform {transform}.",
  status: 400,
  fix: "Use one of the registered transforms (see src/engine/transforms.ts) in the field mapping.",
});

export const ENGINE_COUNTERPART_DELETED = defineError<{ mapping: string; id: string; side: string }>({
  code: "BCSYNC_E_ENGINE_COUNTERPART_DELETED",
  message: "{mapping}: record {id} cannot be updated because it is coupled to a deleted {side} record.",
  status: 409,
  fix: "Set the mapping's deletionConflict to removeCoupling or restoreRecord, or uncouple / restore the record by hand (`bcsync couplings`).",
});

export const ENGINE_UPDATE_CONFLICT = defineError<{ mapping: string; id: string; fields: string }>({
  code: "BCSYNC_E_ENGINE_UPDATE_CONFLICT",
  message: "{mapping}: record {id} was changed on both sides since the last synchronization (fields {fields}).",
  status: 409,
  fix: "Resolve the conflict in the review queue (`bcsync conflicts`), or set the mapping's updateConflict to bcWins or dataverseWins.",
});

export const ENGINE_AMBIGUOUS_MATCH = defineError<{ mapping: string; id: string; candidates: string }>({
  code: "BCSYNC_E_ENGINE_AMBIGUOUS_MATCH",
  message: "{mapping}: record {id} matches several uncoupled records ({candidates}); nothing was coupled or created.",
  status: 409,
  fix: "Make the match fields unique (add a higher-priority match field) or couple the record by hand.",
});

export const ENGINE_WRITE_FAILED = defineError<{ mapping: string; id: string; operation: string; reason: string }>({
  code: "BCSYNC_E_ENGINE_WRITE_FAILED",
  message: "{mapping}: {operation} of record {id} failed: {reason}.",
  status: 502,
  fix: "Read the service's reason; the record is retried on the next run and skipped after repeated identical failures.",
});

export const ENGINE_MASS_DELETE_HELD = defineError<{ mapping: string; count: number; threshold: number }>({
  code: "BCSYNC_E_ENGINE_MASS_DELETE_HELD",
  message: "{mapping}: {count} deletions exceed the threshold of {threshold}; they are held for approval.",
  status: 409,
  fix: "List the held deletions with `npx bcsync deletions`, then `npx bcsync deletions approve ID` or `npx bcsync deletions reject ID`, or raise massDeleteThreshold.",
});

export const ENGINE_MAPPING_NOT_FOUND = defineError<{ mapping: string }>({
  code: "BCSYNC_E_ENGINE_MAPPING_NOT_FOUND",
  message: "The table mapping {mapping} is referenced but not defined.",
  status: 400,
  fix: "Define the table mapping, or correct the reference (lookup, parent or dependsOn).",
});

export const ENGINE_NO_FIELDS = defineError<{ mapping: string; direction: string }>({
  code: "BCSYNC_E_ENGINE_NO_FIELDS",
  message: "{mapping} has no enabled field mappings for direction {direction}.",
  status: 400,
  fix: "Enable at least one field mapping with that direction (or bidirectional), or change the mapping's direction.",
});

export const ENGINE_OPTION_NOT_IN_DATAVERSE = defineError<{
  mapping: string;
  code: string;
  table: string;
  attribute: string;
  labels: string;
}>({
  code: "BCSYNC_E_ENGINE_OPTION_NOT_IN_DATAVERSE",
  message:
    "{mapping}: Business Central code {code} has no option labelled {code} in Dataverse {table}.{attribute} (options: {labels}).",
  status: 422,
  fix: "Add an option labelled {code} to the {attribute} column of the {table} table in Sales (Power Apps → Tables → {table} → Columns → {attribute} → Choices), or give the code in Business Central an existing option's label; then run {mapping} again; or set insertMissingOptions on the mapping (the integration defaults have it) so bcsync inserts the option itself, as Business Central does.",
});

export const ENGINE_OPTION_SET_NOT_FOUND = defineError<{ mapping: string; table: string; attribute: string }>({
  code: "BCSYNC_E_ENGINE_OPTION_SET_NOT_FOUND",
  message: "{mapping}: Dataverse table {table} has no option-set (choice) column {attribute}.",
  status: 404,
  fix: "Check the option-set mapping's Dataverse table and key field (the choice column), or reinstall the integration solution.",
});

export const ENGINE_VALUE_TOO_LONG = defineError<{
  mapping: string;
  record: string;
  field: string;
  length: number;
  max: number;
}>({
  code: "BCSYNC_E_ENGINE_VALUE_TOO_LONG",
  message:
    "{mapping}: record {record}, field {field}: the value has {length} characters and the other side takes at most {max}; it was not sent (never cut short).",
  status: 422,
  fix: "Shorten the value at its source and the next run writes the record (or retry it now with `npx bcsync errors --retry-all`); to cut such values on purpose, give the field mapping the truncate transform with maxLength {max}.",
});

// Values the target would refuse, found before writing from its metadata (issue 14.6): the record fails with its
// name, id and field, nothing is sent for it, and the other records of its batch are written.

export const ENGINE_MATCH_QUERY_REFUSED = defineError<{
  mapping: string;
  record: string;
  field: string;
  side: string;
  reason: string;
}>({
  code: "BCSYNC_E_ENGINE_MATCH_QUERY_REFUSED",
  message:
    "{mapping}: record {record}, field {field}: {side} refused the query that looks for a record with the same value, so the record was neither coupled nor created: {reason}",
  status: 422,
  fix: "Correct the value at its source (or couple the record by hand with `npx bcsync couple`), then `npx bcsync errors --retry-all`; if no record should be looked up by this field, remove its match setting in the table mapping (`npx bcsync mappings export`, edit, `npx bcsync mappings import`).",
});

export const ENGINE_VALUE_REQUIRED = defineError<{ mapping: string; record: string; field: string; side: string }>({
  code: "BCSYNC_E_ENGINE_VALUE_REQUIRED",
  message:
    "{mapping}: record {record}, field {field}: {side} requires a value and the source has none; it was not sent.",
  status: 422,
  fix: "Fill in the field at its source and the next run writes the record (or retry it now with `npx bcsync errors --retry-all`); or give the field mapping a default or constant value.",
});

export const ENGINE_VALUE_NOT_EMAIL = defineError<{ mapping: string; record: string; field: string; value: string }>({
  code: "BCSYNC_E_ENGINE_VALUE_NOT_EMAIL",
  message:
    "{mapping}: record {record}, field {field}: '{value}' is not an e-mail address (name@domain.tld, several separated by ';'); it was not sent.",
  status: 422,
  fix: "Correct the e-mail address at its source and the next run writes the record (or retry it now with `npx bcsync errors --retry-all`).",
});

export const ENGINE_OPTION_VALUE_INVALID = defineError<{
  mapping: string;
  record: string;
  field: string;
  value: string;
  valid: string;
}>({
  code: "BCSYNC_E_ENGINE_OPTION_VALUE_INVALID",
  message:
    "{mapping}: record {record}, field {field}: {value} is not one of the target's options ({valid}); it was not sent.",
  status: 422,
  fix: "Map the value to one of the target's options (the field mapping's option map), or add it to the choice column on the target; then `npx bcsync errors --retry-all`.",
});
