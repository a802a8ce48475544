// Each emulated service builds its errors through one factory: real code, message and HTTP status in one place.

export interface ODataError {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
  /** Extra members placed on the `error` object (e.g. Business Central's `target`). */
  extra?: Record<string, unknown>;
}

export interface ErrorSpec<A extends unknown[]> {
  status: number;
  code: string;
  message: (...args: A) => string;
}

/** A catalogue of a service's errors; `factory.make(name, ...args)` yields the ODataError. */
// biome-ignore lint/suspicious/noExplicitAny: message argument lists differ per error; make() re-types them.
export function createErrorFactory<C extends Record<string, ErrorSpec<any[]>>>(catalogue: C) {
  return {
    catalogue,
    make<K extends keyof C>(name: K, ...args: Parameters<C[K]["message"]>): ODataError {
      const spec = catalogue[name];
      return { status: spec.status, code: spec.code, message: spec.message(...args) };
    },
  };
}

/** The standard OData JSON error body. */
export function errorBody(error: ODataError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message, ...error.extra } });
}

export function isODataError(value: unknown): value is ODataError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ODataError).status === "number" &&
    typeof (value as ODataError).code === "string" &&
    typeof (value as ODataError).message === "string"
  );
}
