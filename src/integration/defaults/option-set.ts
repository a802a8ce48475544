// Option-set mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT): BC code tables → Dataverse account option sets
// (bc-reference §2.2.6–2.2.8). The Dataverse "key" is the option-set attribute; a coupling's Dataverse id is
// `account.<attribute>=<value>` (src/engine/options.ts). Both directions are normalised to BC → DV as BC's
// ResetOptionMappingConfiguration does (§9.5): codes are coupled to options by label.

import { every30, integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

/** Sales documents whose own choice columns copy the account's payment terms, freight terms and shipping method. */
export const SALES_DOCUMENTS = ["quote", "salesorder", "invoice"] as const;

export function optionMapping(
  name: string,
  runOrder: number,
  bc: { api: "v2.0" | "companion"; entitySet: string },
  optionSet: string,
  /** The same option set on Sales documents (their own local choice columns), kept in step on inserts. */
  documentCopies: readonly { table: string; attribute: string }[] = [],
): IntegrationDefault {
  return integrationDefault(
    {
      name,
      kind: "optionSet",
      // BC inserts a code that has no option in Sales as a new option value (bc-reference §3.12); so do the defaults.
      insertMissingOptions: true,
      optionSetCopies: [...documentCopies],
      description: `Option-set mapping: ${bc.entitySet} codes ↔ account.${optionSet} options`,
      bc,
      dataverse: { table: "account", entitySet: "accounts", keyField: optionSet },
      direction: "toDataverse",
      runOrder,
      fields: [field("code", optionSet, "toDataverse", { match: { priority: 0, caseSensitive: false } })],
    },
    every30(1440),
    "option",
  );
}
