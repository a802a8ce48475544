// SALESORDER-NOTES — sales order notes ⇄ annotation (seed S11, bc-reference §4.4): notes (BC record links of
// type Note) on coupled sales orders, both ways. BC runs its notes job every 5 minutes; it is idle-timed out
// after 5 as BC creates it (On Hold with Inactivity Timeout = interval).

import { integrationDefault } from "./build.ts";
import { field, type IntegrationDefault } from "./types.ts";

export function salesOrderNotes(): IntegrationDefault {
  return integrationDefault(
    {
      name: "SALESORDER-NOTES",
      bc: { api: "companion", entitySet: "salesOrderNotes" },
      dataverse: {
        table: "annotation",
        entitySet: "annotations",
        keyField: "annotationid",
        filter: "objecttypecode eq 'salesorder' and isdocument eq false",
      },
      direction: "bidirectional",
      syncOnlyCoupled: false,
      // A note's parent is polymorphic (objectid): Dataverse binds it only through the typed navigation property.
      parent: {
        mapping: "SALESORDER-ORDER",
        bcParentField: "orderId",
        dataverseParentField: "objectid",
        dataverseParentNavigation: "objectid_salesorder",
      },
      dependsOn: ["SALESORDER-ORDER"],
      runOrder: 172,
      fields: [
        field("description", "subject"),
        field("note", "notetext"),
        field(undefined, "isdocument", "toDataverse", { constant: false }),
      ],
    },
    { intervalMinutes: 5, inactivityTimeoutMinutes: 5 },
  );
}
