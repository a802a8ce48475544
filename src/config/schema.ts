import { z } from "zod";

// The one schema for everything bcsync reads. Secrets are never values here: a credential names the environment
// variable or the file that holds its secret, so the configuration file can be committed and printed safely.

const url = z.url({ message: "a URL such as https://contoso.crm.dynamics.com" });

export const CredentialsSchema = z.strictObject({
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  /** Name of the environment variable holding the client secret. */
  clientSecretEnv: z.string().min(1).optional(),
  /** Path of a file holding the client secret (first line). */
  clientSecretFile: z.string().min(1).optional(),
  /**
   * Sign in as this user account instead of the app (the legacy connection string's `Username`, older on-premises
   * versions, S20); its password comes from `passwordEnv` or `passwordFile`, never from this file.
   */
  username: z.string().min(1).optional(),
  passwordEnv: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  /** Token authority; default `https://login.microsoftonline.com/<tenantId>`. */
  authority: url.optional(),
  /** PEM file of a CA to trust for the authority and the service (local emulators' self-signed certificate). */
  caFile: z.string().min(1).optional(),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

export const DataverseSchema = z.strictObject({
  /** Organization URL, e.g. https://contoso.crm.dynamics.com (the Web API is under /api/data/v9.2/). */
  url,
  credentials: CredentialsSchema,
  /** More principals for the same service, used round-robin to scale past one principal's limits. */
  extraPrincipals: z.array(CredentialsSchema).default([]),
});

export const BusinessCentralSchema = z.strictObject({
  /** Service root, e.g. https://api.businesscentral.dynamics.com (the API is under /v2.0/<tenant>/<environment>/api/). */
  url,
  tenantId: z.string().min(1),
  environment: z.string().min(1),
  companyId: z.string().min(1),
  companyName: z.string().optional(),
  /** Web client base for deep links, e.g. https://businesscentral.dynamics.com/<tenant>/<environment>. */
  webClientUrl: url.optional(),
  credentials: CredentialsSchema,
  extraPrincipals: z.array(CredentialsSchema).default([]),
});

export const ConfigSchema = z.strictObject({
  /** Where the embedded state store and other local state live. */
  dataDir: z.string().min(1).default(".bcsync"),
  store: z
    .strictObject({
      /** postgres://... to keep state in PostgreSQL; absent: embedded SQLite under dataDir. */
      url: z.string().optional(),
    })
    .default({}),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      /** Human-readable lines; default: on when stdout is a terminal. */
      pretty: z.boolean().optional(),
    })
    .default({ level: "info" }),
  dataverse: DataverseSchema.optional(),
  businessCentral: BusinessCentralSchema.optional(),
  /** The Sales integration's options (validated by src/integration/settings.ts). */
  integration: z.looseObject({}).default({}),
  jobs: z
    .strictObject({
      /** How often the scheduler looks for due job queue entries. */
      pollSeconds: z.number().positive().default(5),
      /** Sync log entries older than this are pruned. */
      keepLogDays: z.number().int().positive().default(30),
    })
    .default({ pollSeconds: 5, keepLogDays: 30 }),
  /** Change triggers of `bcsync serve` (src/triggers/). */
  triggers: z
    .strictObject({
      /** bcsync's address as Business Central and Dataverse reach it; default the address `serve` listens on. */
      publicUrl: url.optional(),
      /** Subscribe to Business Central webhooks. */
      businessCentralWebhooks: z.boolean().default(true),
      /** Register Dataverse webhooks; false when the organization cannot reach bcsync: its tables are polled. */
      dataverseWebhooks: z.boolean().default(true),
      /** Poll interval of tables without webhooks, seconds. */
      pollSeconds: z.number().positive().default(5),
      /**
       * Also poll Business Central's mapped entity sets every pollSeconds where webhooks cover them: BC online sends
       * a notification only after a 30-second quiet window (one cheap request per entity set and interval).
       */
      businessCentralFastPoll: z.boolean().default(true),
      /** Safety-net poll of every mapped table, seconds (a lost notification waits at most this long). */
      safetyNetSeconds: z.number().positive().default(60),
      /** Environment variable with the webhook secret shared by every serve process; absent: one per process. */
      secretEnv: z.string().min(1).optional(),
    })
    .default({
      businessCentralWebhooks: true,
      dataverseWebhooks: true,
      pollSeconds: 5,
      businessCentralFastPoll: true,
      safetyNetSeconds: 60,
    }),
});

export type BcsyncConfig = z.infer<typeof ConfigSchema>;
export type BcsyncConfigInput = z.input<typeof ConfigSchema>;

/** Keys whose values are secrets wherever they appear: refused in the file, redacted in logs and errors. */
export const SECRET_KEYS = ["clientSecret", "password", "secret", "accessToken", "authorization"] as const;
