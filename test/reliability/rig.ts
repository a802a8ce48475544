// Shared by the reliability tests: the emulators on a data directory (so data written fault-free can be served
// again with faults on), clients with a short backoff, seeding by another app's user, and reading every row.
import { DEMO_INTEGRATION_APP_2 } from "../../emulators/identity/demo-apps.ts";
import type { RunningEmulators, StartEmulatorsOptions } from "../../emulators/index.ts";
import type { BusinessCentralClient, DataverseClient, Row } from "../../src/connectors/index.ts";
import { businessCentralClient, dataverseClient, startTestEmulators } from "../connectors/emulators.ts";

// Short backoff: the policy (which statuses, how often) is what is under test, not the waiting.
export const RETRY = { maxAttempts: 8, baseDelayMs: 2, maxDelayMs: 20 };

export interface Rig {
  emulators: RunningEmulators;
  dv: DataverseClient;
  bc: BusinessCentralClient;
  companyId: string;
  close(): Promise<void>;
}

export async function rig(dataDir: string, options: StartEmulatorsOptions = {}): Promise<Rig> {
  const emulators = await startTestEmulators({ seed: "empty", dataDir, ...options });
  const dv = dataverseClient(emulators, { retry: RETRY });
  const bc = businessCentralClient(emulators, { retry: RETRY });
  return {
    emulators,
    dv,
    bc,
    companyId: emulators.info.businessCentral.companies[0].id,
    async close() {
      await dv.close();
      await bc.close();
      await emulators.close();
    },
  };
}

export async function all(
  pages: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>,
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of pages) {
    if (!page.ok) throw page.error;
    rows.push(...page.value.rows);
  }
  return rows;
}

export interface SeedRecord {
  name: string;
  phone?: string;
  email?: string;
}

/** Writes customers in BC and accounts in Sales (by another app's user), fault-free, into `dataDir`. */
export async function seed(
  dataDir: string,
  bc: SeedRecord[],
  dv: SeedRecord[],
  options: StartEmulatorsOptions = {},
): Promise<void> {
  const clean = await rig(dataDir, options);
  // Written by another app's user: what the integration user writes is never synced back (an echo).
  const other = dataverseClient(clean.emulators, {
    clientId: DEMO_INTEGRATION_APP_2.clientId,
    clientSecret: DEMO_INTEGRATION_APP_2.clientSecret,
  });
  try {
    const written = await clean.bc.company(clean.companyId).batch(
      bc.map((r) => ({
        method: "POST" as const,
        url: "customers",
        body: {
          displayName: r.name,
          ...(r.phone ? { phoneNumber: r.phone } : {}),
          ...(r.email ? { email: r.email } : {}),
        },
      })),
    );
    if (!written.ok) throw written.error;
    const refused = written.value.filter((r) => r.error);
    if (refused.length > 0) throw refused[0].error;
    const accounts = await other.createMultiple(
      "accounts",
      "account",
      dv.map((r) => ({
        name: r.name,
        ...(r.phone ? { telephone1: r.phone } : {}),
        ...(r.email ? { emailaddress1: r.email } : {}),
      })),
    );
    if (!accounts.ok) throw accounts.error;
    const failed = accounts.value.outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
  } finally {
    await other.close();
    await clean.close();
  }
}
