// HTTP adapter: GET /metrics (Prometheus text), /healthz (the process and loop are alive), /readyz (the node has
// reached RUNNING and is not SAFE). `handleRequest` is separate from `listen` so tests call it without a socket.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export type HealthSource = {
  /** Alive: the control loop has ticked recently. */
  healthy(): { ok: boolean; detail: string };
  /** Ready: the policy is producing chunks (RUNNING or DEGRADED after the first RUNNING). */
  ready(): { ok: boolean; detail: string };
};

export type HttpResponse = { status: number; contentType: string; body: string };

export async function handleRequest(method: string, url: string, registry: Registry, health: HealthSource): Promise<HttpResponse> {
  if (method !== 'GET') return { status: 405, contentType: 'text/plain', body: 'method not allowed\n' };
  const path = url.split('?')[0];
  if (path === '/metrics') return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
  if (path === '/healthz' || path === '/readyz') {
    const { ok, detail } = path === '/healthz' ? health.healthy() : health.ready();
    return { status: ok ? 200 : 503, contentType: 'text/plain', body: `${ok ? 'ok' : 'not ok'}: ${detail}\n` };
  }
  return { status: 404, contentType: 'text/plain', body: 'not found: try /metrics, /healthz, /readyz\n' };
}

/** Starts the server on `port` (0 = an ephemeral port); resolves with the server once listening. */
export function listen(port: number, registry: Registry, health: HealthSource, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    handleRequest(req.method ?? 'GET', req.url ?? '/', registry, health).then(
      (r) => {
        res.writeHead(r.status, { 'Content-Type': r.contentType });
        res.end(r.body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
