// A metering pass-through in front of one lab service: it forwards every request as it is and
// records the answer under one side id in TrafficMetrics, as the ALB proxy does per target group.
// Layers that pick the side before the request (Route 53: the client's DNS answer) have no proxy
// that sees both sides, so each side gets its own pass-through (its endpoint's own metrics).
import { Agent, createServer, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { listenLocal, type LocalServer } from '../aws/local-server.ts';
import type { TrafficMetrics } from './metrics.ts';

export async function startPassThrough(side: string, upstream: string, metrics: TrafficMetrics, options: { timeoutMs?: number } = {}): Promise<LocalServer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    const t0 = performance.now();
    let recorded = false;
    const record = (status: number) => {
      if (!recorded) metrics.record(side, status, performance.now() - t0);
      recorded = true;
    };
    const up = request(new URL(req.url ?? '/', upstream), { method: req.method, headers: { ...req.headers, host: new URL(upstream).host }, agent, timeout: options.timeoutMs ?? 10_000 }, (upRes) => {
      record(upRes.statusCode ?? 502);
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('timeout', () => up.destroy(new Error('timeout')));
    up.on('error', (err) => {
      if (res.writableEnded || res.destroyed) return;
      const status = err.message === 'timeout' ? 504 : 502;
      record(status);
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 504 ? 'Gateway Timeout' : 'Bad Gateway');
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  const listening = await listenLocal(server);
  return { url: listening.url, close: async () => void (await listening.close(), agent.destroy()) };
}
