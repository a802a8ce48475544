// Settings an administrator changes without the setup (issue 12): the service's own (job queue poll and log
// retention, change triggers, log level — written to the configuration file, read at the next start) and each
// table mapping's policies (conflicts, deletions, mass-deletion threshold, skipping — saved in the store and used
// from the next run). Secrets and the connection are the assisted setup's.

import type { FastifyPluginAsync } from "fastify";
import { findMapping } from "../../admin/couplings.ts";
import { valueOrThrow } from "../../admin/result.ts";
import { type BcsyncConfig, loadConfig, saveConfig } from "../../config/index.ts";
import { toStoredMapping } from "../../engine/index.ts";
import { TableMapping as TableMappingSchema } from "../../engine/model.ts";
import { bcsyncError, SERVER_SETUP_NO_CONFIG_FILE } from "../../errors/catalogue.ts";
import type { ApiPluginOptions } from "./deps.ts";

interface ServiceSettings {
  jobs: BcsyncConfig["jobs"];
  triggers: Omit<BcsyncConfig["triggers"], "secretEnv">;
  log: { level: BcsyncConfig["log"]["level"] };
}

interface MappingPolicies {
  updateConflict: "none" | "bcWins" | "dataverseWins";
  deletionConflict: "none" | "removeCoupling" | "restoreRecord";
  propagateDeletes: boolean;
  massDeleteThreshold: number;
  skipAfterFailures: number;
}

const POLICY_KEYS = [
  "updateConflict",
  "deletionConflict",
  "propagateDeletes",
  "massDeleteThreshold",
  "skipAfterFailures",
] as const;

const serviceOf = (config: BcsyncConfig): ServiceSettings => {
  const { secretEnv: _secretEnv, ...triggers } = config.triggers;
  return { jobs: config.jobs, triggers, log: { level: config.log.level } };
};

const serviceSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    jobs: {
      type: "object",
      additionalProperties: false,
      properties: {
        pollSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
        keepLogDays: { type: "integer", minimum: 1, maximum: 3650 },
      },
    },
    triggers: {
      type: "object",
      additionalProperties: false,
      properties: {
        publicUrl: { type: "string", maxLength: 2000, description: "Empty: where serve listens" },
        businessCentralWebhooks: { type: "boolean" },
        dataverseWebhooks: { type: "boolean" },
        pollSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
        businessCentralFastPoll: { type: "boolean" },
        safetyNetSeconds: { type: "number", exclusiveMinimum: 0, maximum: 86400 },
      },
    },
    log: {
      type: "object",
      additionalProperties: false,
      properties: { level: { type: "string", enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] } },
    },
  },
} as const;

const policiesSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    updateConflict: { type: "string", enum: ["none", "bcWins", "dataverseWins"] },
    deletionConflict: { type: "string", enum: ["none", "removeCoupling", "restoreRecord"] },
    propagateDeletes: { type: "boolean" },
    massDeleteThreshold: { type: "integer", minimum: 0, maximum: 1_000_000 },
    skipAfterFailures: { type: "integer", minimum: 0, maximum: 1000 },
  },
} as const;

const settingsRoutes: FastifyPluginAsync<ApiPluginOptions> = async (app, { deps }) => {
  const { ctx } = deps;
  const configPath = () => {
    if (!ctx.configPath) throw bcsyncError(SERVER_SETUP_NO_CONFIG_FILE, {});
    return ctx.configPath;
  };
  const policiesOf = () =>
    ctx.mappings
      .filter((m) => m.kind === "table" && !m.parent)
      .map((m) => ({ mapping: m.name, ...Object.fromEntries(POLICY_KEYS.map((k) => [k, m[k]])) }));

  app.get(
    "/settings",
    {
      schema: {
        tags: ["settings"],
        summary: "The service's settings (job queue, triggers, log) and each table mapping's policies",
      },
    },
    async () => ({ service: serviceOf(loadConfig({ path: configPath(), env: {} })), mappings: policiesOf() }),
  );

  app.put<{ Body: Partial<{ [K in keyof ServiceSettings]: Partial<ServiceSettings[K]> }> }>(
    "/settings/service",
    {
      schema: {
        tags: ["settings"],
        summary: "Change the service's settings in the configuration file (used from the next start of the service)",
        body: serviceSchema,
      },
    },
    async (request) => {
      const path = configPath();
      // The file as written (no BCSYNC_* overlay), so saving does not copy the environment into it.
      const config = loadConfig({ path, env: {} });
      const { publicUrl, ...triggers } = request.body.triggers ?? {};
      const { publicUrl: _old, ...keptTriggers } = config.triggers;
      const next = {
        ...config,
        jobs: { ...config.jobs, ...request.body.jobs },
        triggers: {
          ...keptTriggers,
          ...triggers,
          // An empty address means "where serve listens", which is the key left out.
          ...(publicUrl === undefined
            ? config.triggers.publicUrl
              ? { publicUrl: config.triggers.publicUrl }
              : {}
            : publicUrl.trim()
              ? { publicUrl: publicUrl.trim() }
              : {}),
        },
        log: { ...config.log, ...request.body.log },
      };
      saveConfig(path, next); // validates first: a bad value is a catalogued BCSYNC_E_CONFIG_INVALID naming the key
      return { restartNeeded: true, service: serviceOf(loadConfig({ path, env: {} })) };
    },
  );

  app.put<{ Params: { mapping: string }; Body: Partial<MappingPolicies> }>(
    "/settings/mappings/:mapping",
    {
      schema: {
        tags: ["settings"],
        summary:
          "Change a table mapping's conflict, deletion and skipping policies (used from its next run; the mapping counts as customized)",
        params: {
          type: "object",
          required: ["mapping"],
          properties: { mapping: { type: "string", minLength: 1 } },
        },
        body: policiesSchema,
      },
    },
    async (request) => {
      const mapping = valueOrThrow(findMapping(ctx, request.params.mapping));
      const updated = TableMappingSchema.parse({ ...mapping, ...request.body });
      await ctx.store.mappings.save(toStoredMapping(updated));
      // The engine looks mappings up in this list: the next run uses the new policies without a restart.
      const i = ctx.mappings.findIndex((m) => m.name === mapping.name);
      ctx.mappings[i] = updated;
      return policiesOf().find((p) => p.mapping === mapping.name);
    },
  );
};

export default settingsRoutes;
