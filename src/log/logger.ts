import pino, { type Logger } from "pino";

export type { Logger } from "pino";

// Paths pino blanks out wherever they appear in a log line: secrets never reach logs.
const REDACT = [
  "clientSecret",
  "*.clientSecret",
  "*.*.clientSecret",
  "password",
  "*.password",
  "*.*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "accessToken",
  "*.accessToken",
  "client_secret",
  "*.client_secret",
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go (tests pass a stream); default stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const base = { level: options.level ?? "info", redact: { paths: REDACT, censor: "[redacted]" } };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  if (pretty)
    return pino({ ...base, transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } } });
  return pino(base);
}

/** Replaces anything that looks like a secret in free text (URLs with passwords, bearer tokens, secret= pairs). */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(\/\/[^:/@\s]+:)[^@\s]*@/g, "$1***@")
    .replace(/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, "$1***")
    .replace(/((?:client_secret|client_assertion|password|secret|pwd)\s*[=:]\s*)[^;&\s"]+/gi, "$1***");
}
