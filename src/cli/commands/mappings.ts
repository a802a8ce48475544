// `bcsync mappings list|export|import|reset`: the table mappings with direction, filters, run order and job
// queue defaults (so the defaults can be checked against the seed's tables), in the engine's file format.

import { writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { readUtf8File } from "../../config/read-text.ts";
import { type MappingFormat, parseMappings, serializeMappings } from "../../engine/model.ts";
import { bcsyncError, INTEGRATION_MAPPING_FILE_INVALID } from "../../errors/catalogue.ts";
import { type CommonCliOptions, withIntegration, withStore } from "../../integration/cli.ts";
import { applyDefaults, customMappings, loadMappings, saveMappings } from "../../integration/reset.ts";
import { parseIntegrationSettings } from "../../integration/settings.ts";
import { runSequence } from "../../integration/sync.ts";
import { printJson, printTable } from "../output.ts";

interface ListOptions extends CommonCliOptions {}

export async function listMappingsAction(options: ListOptions): Promise<void> {
  // Only bcsync's own store: listing, exporting and importing mappings needs no connection and no secret.
  await withStore(options, async (store) => {
    const queue = await store.queue.list();
    const rows = runSequence(await loadMappings(store)).map((m, i) => {
      const entry = queue.find((e) => e.mappingName === m.name);
      return {
        name: m.name,
        bc: `${m.bc.api === "companion" ? "companion:" : ""}${m.bc.entitySet}`,
        dataverse: m.dataverse.table,
        direction: m.direction,
        bcFilter: m.bc.filter ?? "",
        dataverseFilter: m.dataverse.filter ?? "",
        runOrder: i + 1,
        dependsOn: m.dependsOn,
        parent: m.parent?.mapping ?? null,
        jobIntervalMinutes: entry?.intervalMinutes ?? null,
        inactivityTimeoutMinutes: entry?.inactivityTimeoutMinutes ?? null,
        jobStatus: entry?.status ?? null,
        fields: m.fields.filter((f) => f.enabled).length,
        userDefined: m.userDefined,
      };
    });
    const other = queue
      .filter((e) => e.mappingName === null)
      .map((e) => ({
        kind: e.kind,
        description: e.description,
        intervalMinutes: e.intervalMinutes,
        status: e.status,
      }));
    if (options.json) {
      printJson({ mappings: rows, jobs: other });
      return;
    }
    printTable(
      rows.map((r) => ({
        ...r,
        job: r.jobIntervalMinutes ? `${r.jobIntervalMinutes} / ${r.inactivityTimeoutMinutes}` : "-",
      })),
      ["runOrder", "name", "direction", "bc", "dataverse", "bcFilter", "dataverseFilter", "job"],
    );
    process.stdout.write("\nOther job queue entries:\n");
    printTable(other);
  });
}

export async function exportMappingsAction(
  options: CommonCliOptions & { out?: string; format?: string },
): Promise<void> {
  await withStore(options, async (store) => {
    const format = formatOf(options.format, options.out);
    const text = serializeMappings(await loadMappings(store), format);
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
  });
}

export async function importMappingsAction(file: string, options: CommonCliOptions): Promise<void> {
  const read = readUtf8File(file);
  if (!read.ok) throw bcsyncError(INTEGRATION_MAPPING_FILE_INVALID, { file, issue: read.reason });
  const parsed = parseMappings(read.text, formatOf(undefined, file));
  if (!parsed.ok) throw bcsyncError(INTEGRATION_MAPPING_FILE_INVALID, { file, issue: parsed.issues[0] });
  await withStore(options, async (store, config) => {
    const settings = parseIntegrationSettings(config.integration);
    if (!settings.ok) throw settings.error;
    await saveMappings(store, settings.value, parsed.value);
    const names = parsed.value.map((m) => m.name);
    if (options.json) printJson({ imported: names });
    else process.stdout.write(`imported ${names.length} table mapping(s): ${names.join(", ")}\n`);
  });
}

export async function resetMappingsAction(options: CommonCliOptions & { yes?: boolean }): Promise<void> {
  await withIntegration(options, async (ctx) => {
    const custom = await customMappings(ctx.store, ctx.settings);
    const r = await applyDefaults(ctx.store, ctx.settings, {
      confirmed: options.yes === true,
      exportDir: join(options.data ?? ctx.config.dataDir, "exports"),
    });
    if (!r.ok) throw r.error;
    if (options.json) printJson(r.value);
    else {
      if (r.value.exportedTo) process.stdout.write(`previous mappings exported to ${r.value.exportedTo}\n`);
      if (custom.length) process.stdout.write(`discarded custom mappings: ${custom.join(", ")}\n`);
      process.stdout.write(
        `applied ${r.value.applied.length} default table mappings and ${r.value.jobQueueEntries} job queue entries\n`,
      );
    }
  });
}

function formatOf(format: string | undefined, file: string | undefined): MappingFormat {
  if (format === "json" || format === "yaml") return format;
  return file && extname(file).toLowerCase() === ".json" ? "json" : "yaml";
}
