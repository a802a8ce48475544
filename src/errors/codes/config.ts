import { defineError } from "../define.ts";

export const CONFIG_INVALID = defineError<{ key: string; value: string; expected: string }>({
  code: "BCSYNC_E_CONFIG_INVALID",
  message: "Configuration key '{key}' has the value {value}, but {expected}.",
  status: 400,
  fix: "Correct '{key}' in the configuration file or its BCSYNC_* environment variable.",
});

export const CONFIG_FILE_UNREADABLE = defineError<{ path: string; reason: string }>({
  code: "BCSYNC_E_CONFIG_FILE_UNREADABLE",
  message: "Cannot read the configuration file {path}: {reason}.",
  status: 400,
  fix: "Check that the path given to --config exists and holds valid JSON or YAML.",
});

export const CONFIG_SECRET_IN_FILE = defineError<{ key: string }>({
  code: "BCSYNC_E_CONFIG_SECRET_IN_FILE",
  message: "Configuration key '{key}' holds a secret in the configuration file.",
  status: 400,
  fix: "Remove the value from the file; give it in the environment variable named by '{key}Env' or in a file named by '{key}File'.",
});

export const CONFIG_SECRET_MISSING = defineError<{ key: string; source: string }>({
  code: "BCSYNC_E_CONFIG_SECRET_MISSING",
  message: "The secret '{key}' is not set: {source} is empty or missing.",
  status: 400,
  fix: "Set {source}, or run `bcsync setup` again.",
});
