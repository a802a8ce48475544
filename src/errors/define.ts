// The shape of one catalogued error. Every error bcsync raises on purpose is defined with `defineError`
// in a file under codes/ (one file per area, so areas grow without touching each other), and documented
// in docs/errors.md, which `npm run docs:errors` regenerates from these definitions.

export interface ErrorDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable code, `BCSYNC_E_<AREA>_<WHAT>`. Never renamed once shipped. */
  code: string;
  /** Message template; `{name}` placeholders are filled from the error's params. */
  message: string;
  /** HTTP status the REST API answers with. */
  status: number;
  /** What it means and how to fix it: shown in docs/errors.md and in the CLI under the message. */
  fix: string;
  /** Only to type the params; never set. */
  readonly params?: P;
}

export function defineError<P extends Record<string, unknown>>(
  def: Omit<ErrorDefinition<P>, "params">,
): ErrorDefinition<P> {
  if (!/^BCSYNC_E_[A-Z0-9_]+$/.test(def.code)) throw new Error(`bad error code ${def.code}`);
  return def as ErrorDefinition<P>;
}

export class BcsyncError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fix: string;
  readonly params: Record<string, unknown>;

  constructor(def: ErrorDefinition, params: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(formatMessage(def.message, params), options);
    this.name = "BcsyncError";
    this.code = def.code;
    this.status = def.status;
    this.fix = formatMessage(def.fix, params);
    this.params = params;
  }

  toJSON(): { code: string; message: string; fix: string; params: Record<string, unknown> } {
    return { code: this.code, message: this.message, fix: this.fix, params: this.params };
  }
}

/** Creates the error for a definition; params are type-checked against the definition. */
export function bcsyncError<P extends Record<string, unknown>>(
  def: ErrorDefinition<P>,
  params: P,
  options?: { cause?: unknown },
): BcsyncError {
  return new BcsyncError(def as ErrorDefinition, params, options);
}

export function isBcsyncError(value: unknown, def?: ErrorDefinition): value is BcsyncError {
  return value instanceof BcsyncError && (def === undefined || value.code === def.code);
}

function formatMessage(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}
