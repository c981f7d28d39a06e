// /metrics while a replay runs: the node core's prom-client Metrics and HTTP server (src/telemetry), started on
// the given port and closed when the replay ends.
import type { Metrics } from '../telemetry/metrics.js';

export interface MetricsServer {
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startReplayMetrics(port: number): Promise<MetricsServer> {
  const promPath = '../telemetry/promMetrics.js';
  const httpPath = '../telemetry/httpServer.js';
  const prom = (await import(promPath)) as Record<string, any>;
  const http = (await import(httpPath)) as Record<string, any>;
  const metrics = new prom.PromMetrics() as Metrics & { registry: unknown };
  const server = await http.startHttpServer({ port, registry: metrics.registry });
  return { metrics, close: () => server.close() };
}
