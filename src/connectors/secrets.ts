// Secrets must never reach an error or a log: every text that may quote a request or a service answer passes here.

import { scrubSecrets } from "../log/logger.ts";

export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
  }
  // Bearer tokens and form-encoded secrets that a library may have quoted: the one shared scrubber.
  return scrubSecrets(out);
}
