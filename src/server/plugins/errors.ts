// One error shape for every route: `{ "error": { "code", "message", "fix" } }`, the code from the catalogue. A
// catalogued error keeps its own code and status; Fastify's own refusals (schema validation, rate limit, unknown
// route) are mapped to server codes; anything else is a bug and says so without leaking internals.

import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import fp from "fastify-plugin";
import {
  BcsyncError,
  bcsyncError,
  SERVER_BAD_REQUEST,
  SERVER_CSRF_MISSING,
  SERVER_NOT_FOUND,
  SERVER_RATE_LIMITED,
} from "../../errors/catalogue.ts";
import { scrubSecrets } from "../../log/logger.ts";

export function sendError(reply: FastifyReply, error: BcsyncError): FastifyReply {
  return reply.status(error.status).send({
    error: { code: error.code, message: scrubSecrets(error.message), fix: scrubSecrets(error.fix) },
  });
}

/** A Fastify or plugin error as the catalogued error a client can act on; undefined for a bug. */
function catalogued(error: FastifyError): BcsyncError | undefined {
  if (error instanceof BcsyncError) return error;
  if (error.validation) return bcsyncError(SERVER_BAD_REQUEST, { reason: error.message });
  if (error.statusCode === 429) return bcsyncError(SERVER_RATE_LIMITED, { retryAfter: "a minute" });
  if (error.code?.startsWith("FST_CSRF")) return bcsyncError(SERVER_CSRF_MISSING, {});
  if (error.statusCode === 404) return bcsyncError(SERVER_NOT_FOUND, { what: "The resource" });
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return bcsyncError(SERVER_BAD_REQUEST, { reason: error.message });
  return undefined;
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = catalogued(error);
    if (known) return sendError(reply, known);
    request.log.error({ err: error }, "unexpected error");
    return reply.status(500).send({
      error: {
        code: "BCSYNC_E_INTERNAL",
        message: "An unexpected error occurred (a bug); the service log has its details.",
        fix: "Report it with the service log's entry for this request id.",
      },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, bcsyncError(SERVER_NOT_FOUND, { what: `${request.method} ${request.url.split("?")[0]}` })),
  );
});
