// Builds a ServiceClient from connector settings: one token provider and one throttle per principal.
import { createTokenProvider } from "../auth/token-provider.ts";
import { allPrincipals, type ConnectorSettings, trustedCa } from "../settings.ts";
import { ServiceClient, type ServiceClientOptions } from "./service-client.ts";
import type { ThrottleLimits } from "./throttle.ts";

export function createServiceClient(
  service: string,
  baseUrl: string,
  scope: string,
  settings: ConnectorSettings,
  defaultLimits: ThrottleLimits,
  defaultHeaders: Record<string, string>,
  limitOf429?: ServiceClientOptions["limitOf429"],
): ServiceClient {
  const caPem = trustedCa(settings);
  const principals = allPrincipals(settings).map((p) =>
    createTokenProvider({
      tenantId: p.tenantId,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      certificate: p.certificate,
      ...(p.user ? { user: p.user } : {}),
      authority: settings.authority,
      caPem,
      scope,
    }),
  );
  return new ServiceClient({
    service,
    baseUrl,
    principals,
    limits: { ...defaultLimits, ...settings.limits },
    retry: settings.retry,
    transport: { ...settings.transport, caPem: settings.transport?.caPem ?? caPem },
    defaultHeaders,
    limitOf429,
    onCall: settings.onCall,
  });
}
