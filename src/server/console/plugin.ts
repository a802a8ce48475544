// The web console (issue 12): a small Preact + htm app served as ES modules straight from node_modules (no build
// step, no CDN). It is only a client of the REST API under /api/v1 — every page reads and changes things through
// the same routes scripts use, so the sign-in, CSRF and error rules are the API's. The page itself is public (it
// holds no data); for a signed-in browser it carries the user name and the CSRF token, so the app never has to
// probe the session with a request that fails.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";
import { sourceFilePath } from "../../runtime/source-files.ts";

export const CONSOLE_PREFIX = "/console/";

const require = createRequire(import.meta.url);
// htm's exports give CommonJS to require(); its ES module sits beside it in dist/.
const htmDist = dirname(require.resolve("htm"));

/** The browser modules the app imports by bare name, each served from its package's own ESM build. */
const VENDOR_MODULES: Record<string, string> = {
  "preact.mjs": require.resolve("preact"),
  "hooks.mjs": require.resolve("preact/hooks"),
  "htm.mjs": join(htmDist, "htm.mjs"),
  // uPlot's package exports only its CommonJS build to require(); the ES module and the stylesheet sit beside it.
  "uplot.mjs": join(dirname(require.resolve("uplot")), "uPlot.esm.js"),
  "uplot.css": join(dirname(require.resolve("uplot")), "uPlot.min.css"),
};

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: `${CONSOLE_PREFIX}vendor/preact.mjs`,
    "preact/hooks": `${CONSOLE_PREFIX}vendor/hooks.mjs`,
    htm: `${CONSOLE_PREFIX}vendor/htm.mjs`,
    uplot: `${CONSOLE_PREFIX}vendor/uplot.mjs`,
  },
});

// The import map is the page's only inline script; its hash lets the policy forbid every other inline script.
const IMPORT_MAP_HASH = createHash("sha256").update(IMPORT_MAP).digest("base64");
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${IMPORT_MAP_HASH}'`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** JSON safe inside a <script> element: no "</script>" or comment opener can end it early. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

/** What the app starts from: who is signed in (with the CSRF token for changes), and which pages exist. */
interface ConsoleBoot {
  session: { username: string; csrfToken: string } | null;
  recordEditor: boolean;
}

function consolePage(boot: ConsoleBoot): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bcsync console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CONSOLE_PREFIX}vendor/uplot.css">
<link rel="stylesheet" href="${CONSOLE_PREFIX}assets/console.css">
<script type="importmap">${IMPORT_MAP}</script>
<script type="application/json" id="bcsync-boot">${scriptJson(boot)}</script>
<script type="module" src="${CONSOLE_PREFIX}assets/app.js"></script>
</head>
<body>
<div id="app"><p class="loading">Loading the bcsync console…</p></div>
<noscript><p>The bcsync console needs JavaScript. The same tasks are in the CLI (<code>npx bcsync --help</code>) and the REST API (<a href="/docs">/docs</a>).</p></noscript>
</body>
</html>
`;
}

export interface ConsoleOptions {
  /** Demo mode: the API has the emulator record editor's routes, so the console shows its page. */
  recordEditor: boolean;
}

export const consolePlugin: FastifyPluginAsync<ConsoleOptions> = async (app, options) => {
  const assetsDir = sourceFilePath(import.meta.url, "assets");
  const vendor = new Map(Object.entries(VENDOR_MODULES).map(([name, path]) => [name, readFileSync(path)]));

  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect(CONSOLE_PREFIX));
  app.get("/console", { schema: { hide: true } }, (_request, reply) => reply.redirect(CONSOLE_PREFIX));
  app.get(CONSOLE_PREFIX, { schema: { hide: true } }, (request, reply) => {
    const session = request.user ? { username: request.user.username, csrfToken: reply.generateCsrf() } : null;
    return reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header("content-security-policy", CONTENT_SECURITY_POLICY)
      .send(consolePage({ session, recordEditor: options.recordEditor }));
  });
  app.get<{ Params: { file: string } }>(
    `${CONSOLE_PREFIX}vendor/:file`,
    { schema: { hide: true } },
    (request, reply) => {
      const body = vendor.get(request.params.file);
      if (!body) return reply.callNotFound();
      return reply
        .header(
          "content-type",
          request.params.file.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
        )
        .header("cache-control", "public, max-age=3600")
        .send(body);
    },
  );
  await app.register(fastifyStatic, {
    root: assetsDir,
    prefix: `${CONSOLE_PREFIX}assets/`,
    decorateReply: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply) => reply.header("cache-control", "no-cache"),
  });
};
