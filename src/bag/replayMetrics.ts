// /metrics, /healthz and /readyz while a replay runs: the node core's prom-client Metrics and HTTP adapter
// (src/telemetry), on the given port; closed when the replay ends (after --linger-sec).
import type { Server } from 'node:http';
import type { PolicyNode } from '../node/api.js';
import type { PolicySpec } from '../policy/policySpec.js';
import { listen } from '../telemetry/httpServer.js';
import { PromMetrics } from '../telemetry/promMetrics.js';

export class ReplayMetrics {
  readonly metrics: PromMetrics;
  #server: Server | null = null;

  constructor(spec: PolicySpec, executionMode: string) {
    this.metrics = new PromMetrics({ model: { name: spec.name, method: spec.method, modelId: spec.modelId, executionMode } });
  }

  /** Serve on `port`; `node` answers /readyz. Resolves with the bound port. */
  async listen(port: number, node: PolicyNode, done: () => boolean): Promise<number> {
    this.#server = await listen(port, this.metrics.registry, {
      healthy: () => ({ ok: true, detail: done() ? 'replay finished' : 'replaying' }),
      ready: () => ({ ok: node.ready, detail: `watchdog ${node.state}` }),
    });
    const addr = this.#server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : port;
  }

  close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server === null) return Promise.resolve();
    return new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  }
}
