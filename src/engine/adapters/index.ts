// Ports over the real connectors: one factory for both sides of every table mapping.

import type { BusinessCentralClient, DataverseClient } from "../../connectors/index.ts";
import type { TableMapping } from "../model.ts";
import type { EntityPort, PortFactory, Side } from "../ports.ts";
import { BusinessCentralPort } from "./businesscentral.ts";
import { DataversePort } from "./dataverse.ts";

export { BusinessCentralPort } from "./businesscentral.ts";
export { DataversePort } from "./dataverse.ts";

export function connectorPorts(clients: {
  dataverse: DataverseClient;
  businessCentral: BusinessCentralClient;
  companyId: string;
}): PortFactory {
  const cache = new Map<string, EntityPort>();
  return {
    forMapping(mapping: TableMapping, side: Side): EntityPort {
      const key = `${mapping.name}:${side}`;
      let port = cache.get(key);
      if (!port) {
        port =
          side === "dataverse"
            ? new DataversePort(clients.dataverse, mapping)
            : new BusinessCentralPort(clients.businessCentral, clients.companyId, mapping);
        cache.set(key, port);
      }
      return port;
    },
  };
}
