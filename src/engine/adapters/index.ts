// Ports over the real connectors: one factory for both sides of every table mapping.

import type { BusinessCentralClient, DataverseClient } from "../../connectors/index.ts";
import type { TableMapping } from "../model.ts";
import type { EntityPort, PortFactory, Side } from "../ports.ts";
import { BusinessCentralPort } from "./businesscentral.ts";
import { portError } from "./common.ts";
import { DataversePort, readOptionSet } from "./dataverse.ts";

export { BusinessCentralPort } from "./businesscentral.ts";
export { DataversePort } from "./dataverse.ts";

export function connectorPorts(clients: {
  dataverse: DataverseClient;
  businessCentral: BusinessCentralClient;
  companyId: string;
}): PortFactory {
  // Keyed by the mapping itself: a mapping replaced under the same name (reset, units switch, an edit) gets
  // ports built from its new definition (pages, keys, secondary page).
  const cache = new WeakMap<TableMapping, Partial<Record<Side, EntityPort>>>();
  return {
    forMapping(mapping: TableMapping, side: Side): EntityPort {
      const ports = cache.get(mapping) ?? {};
      cache.set(mapping, ports);
      ports[side] ??=
        side === "dataverse"
          ? new DataversePort(clients.dataverse, mapping)
          : new BusinessCentralPort(clients.businessCentral, clients.companyId, mapping);
      return ports[side];
    },
    optionSet: (table, attribute) => readOptionSet(clients.dataverse, table, attribute),
    insertOption: async (table, attribute, label, value) => {
      const r = await clients.dataverse.insertOptionValue(
        table,
        attribute,
        label,
        value === undefined ? {} : { value },
      );
      if (!r.ok) return { ok: false, error: portError(r.error) };
      return { ok: true, value: r.value ? { value: r.value.value, label } : undefined };
    },
  };
}
