// Prometheus metrics (prom-client) on /metrics: records synchronized and failed per mapping and direction, runs and
// their duration, job queue depth by status, and each connector's requests and throttling. A service that connects
// several Business Central companies labels the run and queue figures with the company (its slug). /metrics needs a
// sign-in like the API (Prometheus sends an API token as a bearer token): counters name the tables in use.

import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ConnectorMetrics } from "../../connectors/http/metrics.ts";
import type { PassReport } from "../../engine/runner.ts";
import type { Store } from "../../store/index.ts";

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly records = new Counter({
    name: "bcsync_records_total",
    help: "Records handled by synchronization passes, by mapping, direction and result",
    labelNames: ["company", "mapping", "direction", "result"] as const,
    registers: [this.registry],
  });
  private readonly runs = new Counter({
    name: "bcsync_sync_runs_total",
    help: "Synchronization passes by mapping, direction and status",
    labelNames: ["company", "mapping", "direction", "status"] as const,
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: "bcsync_job_run_seconds",
    help: "Job queue entry run time (a change's latency to the other side is at most poll + debounce + this)",
    labelNames: ["company", "entry"] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  /** The job queue of each connected company, by company slug. */
  private readonly queues = new Map<string, Store>();

  /** `company` labels the first company's figures (its slug; empty when the service connects one company). */
  constructor(store: Store, connectors: Record<string, () => ConnectorMetrics>, company = "") {
    const registry = this.registry;
    const queues = this.queues;
    queues.set(company, store);
    new Gauge({
      name: "bcsync_queue_entries",
      help: "Job queue entries by status",
      labelNames: ["company", "status"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [company, store] of queues)
          for (const e of await store.queue.list()) this.inc({ company, status: e.status });
      },
    });
    const connectorGauge = (name: string, help: string, read: (m: ConnectorMetrics) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["service"] as const,
        registers: [registry],
        collect() {
          for (const [service, metrics] of Object.entries(connectors)) this.set({ service }, read(metrics()));
        },
      });
    connectorGauge("bcsync_connector_requests", "HTTP requests sent to the service (every attempt)", (m) => m.requests);
    connectorGauge("bcsync_connector_throttled", "Answers 429 (service protection limits)", (m) => m.throttled429);
    connectorGauge("bcsync_connector_retries", "Attempts beyond the first", (m) => m.retries);
    connectorGauge(
      "bcsync_connector_throttled_seconds",
      "Time requests waited for the throttle",
      (m) => m.throttledMs / 1000,
    );
  }

  /** Another connected company: its job queue is counted too. */
  addCompany(company: string, store: Store): void {
    this.queues.set(company, store);
  }

  /** Counts a finished pass. */
  recordPass(pass: PassReport, company = ""): void {
    const labels = { company, mapping: pass.mapping, direction: pass.direction };
    this.runs.inc({ ...labels, status: pass.status });
    for (const result of ["inserted", "modified", "deleted", "failed", "coupled"] as const) {
      const n = pass.counters[result];
      if (n > 0) this.records.inc({ ...labels, result }, n);
    }
  }
}

export const metricsPlugin = fp(async (app: FastifyInstance, options: { metrics: ServiceMetrics }) => {
  app.get("/metrics", { schema: { hide: true }, preValidation: app.requireUser }, async (_request, reply) => {
    reply.header("content-type", options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
});
