// Settings both clients accept, and how they become principals (token providers) and limits.
import { readFileSync } from "node:fs";
import { CONNECTOR_CA_FILE_UNREADABLE } from "../errors/codes/connectors.ts";
import { bcsyncError } from "../errors/define.ts";
import type { ClientCertificate } from "./auth/token-provider.ts";
import type { RetryPolicy } from "./http/retry.ts";
import type { CallEvent } from "./http/service-client.ts";
import type { ThrottleLimits } from "./http/throttle.ts";
import type { TransportOptions } from "./http/transport.ts";

export interface PrincipalSettings {
  clientId: string;
  clientSecret?: string;
  certificate?: ClientCertificate;
  /** A user account signed in with its password (the legacy connection string, S20) instead of the app itself. */
  user?: { username: string; password: string };
  /** Defaults to the client's tenant. */
  tenantId?: string;
}

export interface ConnectorSettings {
  /** Dataverse: the environment URL (`https://org.crm4.dynamics.com`). Business Central: see its settings. */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: ClientCertificate;
  user?: PrincipalSettings["user"];
  /** Token authority: `https://host[:port]` (tenant appended) or a full authority URL. Default Entra ID. */
  authority?: string;
  /** Extra CA (PEM) trusted for the authority and the service: the emulators' certificate. */
  caPem?: string;
  /** The same, read from a file (used when caPem is absent). */
  caFile?: string;
  /** OAuth scope; default derived from the service. */
  scope?: string;
  /** More principals (app registrations) used round-robin after the main one, each with its own limits. */
  principals?: PrincipalSettings[];
  /** Per principal. Defaults: the service's documented limits. */
  limits?: Partial<ThrottleLimits>;
  retry?: Partial<RetryPolicy>;
  transport?: TransportOptions;
  /** Called after every HTTP attempt (method, path, status, ms, bytes; never headers, bodies or tokens). */
  onCall?: (event: CallEvent) => void;
}

export function allPrincipals(settings: ConnectorSettings): Array<PrincipalSettings & { tenantId: string }> {
  const main: PrincipalSettings = {
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    certificate: settings.certificate,
    ...(settings.user ? { user: settings.user } : {}),
    tenantId: settings.tenantId,
  };
  return [main, ...(settings.principals ?? [])].map((p) => ({ ...p, tenantId: p.tenantId ?? settings.tenantId }));
}

/** The extra CA to trust: `caPem`, else the contents of `caFile`. An unreadable file is a configuration error. */
export function trustedCa(settings: ConnectorSettings): string | undefined {
  if (settings.caPem) return settings.caPem;
  if (!settings.caFile) return undefined;
  try {
    return readFileSync(settings.caFile, "utf8");
  } catch (err) {
    throw bcsyncError(CONNECTOR_CA_FILE_UNREADABLE, {
      path: settings.caFile,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}
