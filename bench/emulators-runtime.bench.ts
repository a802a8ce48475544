// What the emulators' request gate costs: admit()+done() of the limits in process, and a Fastify route over
// HTTP with and without the shared pipeline (token verification + limits). Prints one JSON object; the ratio
// is what to compare across machines.

import Fastify from "fastify";
import { Pool } from "undici";
import { DEMO_INTEGRATION_APP } from "../emulators/identity/demo-apps.ts";
import { startIdentityEmulator } from "../emulators/identity/index.ts";
import { installPipeline } from "../emulators/runtime/http.ts";
import { DATAVERSE_LIMITS, NO_LIMITS, ServiceProtection } from "../emulators/runtime/limits.ts";

async function gateOpsPerSecond(limits: ServiceProtection, principals: number, n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const admission = await limits.admit(`app-${i % principals}`);
    if (admission.ok) admission.done(1);
  }
  return Math.round(n / ((performance.now() - started) / 1000));
}

async function httpRequestsPerSecond(withPipeline: boolean, n: number, concurrency: number): Promise<number> {
  const identity = await startIdentityEmulator();
  const app = Fastify({ logger: false });
  let url = "";
  if (withPipeline) {
    installPipeline(app, {
      tokens: identity.verifier,
      audiences: () => [url],
      limits: new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: Number.POSITIVE_INFINITY }),
      formatRejection: (r) => ({ status: r.kind === "auth" ? 401 : 429, body: r }),
    });
  }
  app.get("/ping", async () => ({ ok: true }));
  url = await app.listen({ host: "127.0.0.1", port: 0 });
  const token = identity.issueToken(DEMO_INTEGRATION_APP.clientId, url);
  const pool = new Pool(url, { connections: concurrency });
  const headers = { authorization: `Bearer ${token}` };
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next++ < n) {
      const response = await pool.request({ method: "GET", path: "/ping", headers });
      if (response.statusCode !== 200) failures++;
      await response.body.dump();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker)); // warm-up round
  next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = Math.round(n / ((performance.now() - started) / 1000));
  await pool.close();
  await app.close();
  await identity.close();
  if (failures > 0) throw new Error(`${failures} requests failed`);
  return rate;
}

const gateN = 200_000;
const httpN = 4000;
const gateRealistic = await gateOpsPerSecond(
  new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: Number.POSITIVE_INFINITY }),
  1,
  gateN,
);
const gateManyPrincipals = await gateOpsPerSecond(
  new ServiceProtection({ ...DATAVERSE_LIMITS, maxRequestsPerWindow: Number.POSITIVE_INFINITY }),
  50,
  gateN,
);
const gateOff = await gateOpsPerSecond(new ServiceProtection(NO_LIMITS), 1, gateN);
const bare = await httpRequestsPerSecond(false, httpN, 8);
const gated = await httpRequestsPerSecond(true, httpN, 8);

process.stdout.write(
  `${JSON.stringify({
    gate: {
      admitsPerSecondOnePrincipal: gateRealistic,
      admitsPerSecondFiftyPrincipals: gateManyPrincipals,
      admitsPerSecondLimitsOff: gateOff,
    },
    http: {
      requests: httpN,
      concurrency: 8,
      bareRequestsPerSecond: bare,
      pipelineRequestsPerSecond: gated,
      pipelineToBareRatio: Number((gated / bare).toFixed(2)),
    },
  })}\n`,
);
