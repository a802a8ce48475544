import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import {
  bcsyncError,
  CONFIG_FILE_UNREADABLE,
  CONFIG_INVALID,
  CONFIG_SECRET_IN_FILE,
  CONFIG_SECRET_MISSING,
} from "../errors/catalogue.ts";
import { readUtf8File } from "./read-text.ts";
import { type BcsyncConfig, type BcsyncConfigInput, ConfigSchema, type Credentials, SECRET_KEYS } from "./schema.ts";

export const DEFAULT_CONFIG_FILES = ["bcsync.config.json", "bcsync.config.yaml", "bcsync.config.yml"];

export interface LoadOptions {
  /** Explicit `--config` path; it must exist. Without it the default files are tried, and none is fine. */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads the configuration file (if any), overlays BCSYNC_* variables, validates, and names the bad key on error. */
export function loadConfig(options: LoadOptions = {}): BcsyncConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? DEFAULT_CONFIG_FILES.find((p) => existsSync(p));
  const fromFile = path ? readConfigFile(path, options.path !== undefined) : {};
  refuseSecrets(fromFile, "");
  const merged = overlayEnvironment(fromFile, env);
  return validateConfig(merged);
}

export function validateConfig(raw: unknown): BcsyncConfig {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue.path.join(".") || "(root)";
  throw bcsyncError(CONFIG_INVALID, {
    key,
    value: describeValue(valueAt(raw, issue.path)),
    expected: expectedFrom(issue),
  });
}

/** Writes a configuration file (JSON or YAML by extension). Secrets cannot be in it: the schema has no place for them. */
export function saveConfig(path: string, config: BcsyncConfigInput): void {
  const checked = validateConfig(config);
  mkdirSync(dirname(path), { recursive: true });
  const ext = extname(path).toLowerCase();
  const text = ext === ".yaml" || ext === ".yml" ? YAML.stringify(checked) : `${JSON.stringify(checked, null, 2)}\n`;
  writeFileSync(path, text);
}

/** Reads a credential's secret from its environment variable or file; the value is never logged. */
/** The user account and its password when the credentials name one (legacy connection string), else undefined. */
export function resolveUser(
  credentials: Credentials,
  key: string,
  env: NodeJS.ProcessEnv = process.env,
): { username: string; password: string } | undefined {
  if (!credentials.username) return undefined;
  const password = readSecret(credentials.passwordEnv, credentials.passwordFile, env);
  if (password) return { username: credentials.username, password };
  const source = credentials.passwordEnv
    ? `environment variable ${credentials.passwordEnv}`
    : credentials.passwordFile
      ? `secret file ${credentials.passwordFile}`
      : `${key}.passwordEnv or ${key}.passwordFile`;
  throw bcsyncError(CONFIG_SECRET_MISSING, { key, source });
}

function readSecret(envName: string | undefined, file: string | undefined, env: NodeJS.ProcessEnv): string {
  if (envName) return env[envName] ?? "";
  if (file && existsSync(file)) return readFileSync(file, "utf8").split(/\r?\n/)[0].trim();
  return "";
}

/** The client secret; optional for a user account (a public client signs the user in without one). */
export function resolveClientSecret(
  credentials: Credentials,
  key: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (credentials.username && !credentials.clientSecretEnv && !credentials.clientSecretFile) return undefined;
  return resolveSecret(credentials, key, env);
}

export function resolveSecret(credentials: Credentials, key: string, env: NodeJS.ProcessEnv = process.env): string {
  if (credentials.clientSecretEnv) {
    const value = env[credentials.clientSecretEnv];
    if (value) return value;
    throw bcsyncError(CONFIG_SECRET_MISSING, { key, source: `environment variable ${credentials.clientSecretEnv}` });
  }
  if (credentials.clientSecretFile) {
    const value = existsSync(credentials.clientSecretFile)
      ? readFileSync(credentials.clientSecretFile, "utf8").split(/\r?\n/)[0].trim()
      : "";
    if (value) return value;
    throw bcsyncError(CONFIG_SECRET_MISSING, { key, source: `secret file ${credentials.clientSecretFile}` });
  }
  throw bcsyncError(CONFIG_SECRET_MISSING, { key, source: `${key}.clientSecretEnv or ${key}.clientSecretFile` });
}

function readConfigFile(path: string, explicit: boolean): unknown {
  if (!existsSync(path)) {
    if (!explicit) return {};
    throw bcsyncError(CONFIG_FILE_UNREADABLE, { path, reason: "no such file" });
  }
  const read = readUtf8File(path);
  if (!read.ok) throw bcsyncError(CONFIG_FILE_UNREADABLE, { path, reason: read.reason });
  const text = read.text;
  try {
    const ext = extname(path).toLowerCase();
    return ext === ".yaml" || ext === ".yml" ? (YAML.parse(text) ?? {}) : JSON.parse(text);
  } catch (error) {
    throw bcsyncError(CONFIG_FILE_UNREADABLE, { path, reason: (error as Error).message });
  }
}

function refuseSecrets(value: unknown, path: string): void {
  if (!value || typeof value !== "object") return;
  for (const [key, inner] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if ((SECRET_KEYS as readonly string[]).includes(key)) throw bcsyncError(CONFIG_SECRET_IN_FILE, { key: here });
    refuseSecrets(inner, here);
  }
}

/**
 * `BCSYNC_<PATH>` overrides a key: path segments joined by `__`, case-insensitive, e.g. `BCSYNC_DATA_DIR` →
 * `dataDir` (underscores inside a segment are dropped when matching), `BCSYNC_DATAVERSE__URL` → `dataverse.url`,
 * `BCSYNC_LOG__LEVEL=debug`. Values that parse as JSON (numbers, booleans, objects) are taken as such.
 */
export function overlayEnvironment(base: unknown, env: NodeJS.ProcessEnv): unknown {
  const result = structuredClone((base ?? {}) as Record<string, unknown>);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("BCSYNC_") || raw === undefined) continue;
    const segments = name.slice("BCSYNC_".length).split("__");
    const keys = resolveKeys(segments);
    if (!keys) continue; // not a configuration key (e.g. a secret variable named by clientSecretEnv)
    let target = result;
    for (const key of keys.slice(0, -1)) {
      if (!target[key] || typeof target[key] !== "object") target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys[keys.length - 1]] = parseEnvValue(raw);
  }
  return result;
}

function resolveKeys(segments: string[]): string[] | undefined {
  let shape: Record<string, z.ZodType> | undefined = objectShape(ConfigSchema);
  const keys: string[] = [];
  for (const segment of segments) {
    if (!shape) return undefined;
    const wanted = segment.replace(/_/g, "").toLowerCase();
    const key = Object.keys(shape).find((k) => k.toLowerCase() === wanted);
    if (!key) return undefined;
    keys.push(key);
    shape = objectShape(shape[key]);
  }
  return keys;
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  let current: unknown = schema;
  for (let i = 0; i < 5 && current; i++) {
    const def = (current as { def?: { type?: string; innerType?: unknown; shape?: Record<string, z.ZodType> } }).def;
    if (!def) return undefined;
    if (def.type === "object") return def.shape;
    current = def.innerType;
  }
  return undefined;
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const key of path) current = (current as Record<PropertyKey, unknown> | undefined)?.[key];
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function expectedFrom(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown key(s) ${issue.keys.join(", ")} are not allowed here`;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}
