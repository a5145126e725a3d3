// The lab's NLB data plane: a TCP proxy. Each NEW connection goes to a target group picked by the
// listener's forward weights as they are when it arrives, and stays there until one side closes it;
// a weight change moves no open connection (as an NLB: "new connections are routed to the newly
// configured target group … active connections remain associated to the target"). It meters the
// HTTP it relays per target group (http-meter.ts) so the lab's alarms work as with the ALB proxy.
import { createConnection, createServer, type Socket } from 'node:net';
import type { AlbModel } from '../aws/alb-model.ts';
import { HttpMeter } from './http-meter.ts';
import { TrafficMetrics } from './metrics.ts';
import { forwardWeights, pick, type Proxy, type WeightChange } from './proxy.ts';

export interface TcpProxyOptions {
  model: AlbModel;
  /** A listener/net/… ARN: its default action's weights pick the target group of each new connection. */
  listenerArn: string;
  /** Target group ARN → base URL (`http://127.0.0.1:<port>`) of the service behind it. */
  targets: Record<string, string>;
  metrics?: TrafficMetrics;
  /** 0..1 source for the weighted pick. */
  random?: () => number;
  port?: number;
}

export interface TcpProxy extends Proxy {
  /** Connections by target group: opened since start, and open now. */
  connections(): Record<string, { opened: number; open: number }>;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { model, listenerArn, targets } = options;
  const metrics = options.metrics ?? new TrafficMetrics();
  const random = options.random ?? Math.random;
  let weights = forwardWeights(model.actionsOf(listenerArn));
  const history: WeightChange[] = [{ at: metrics.now(), weights }];
  const unsubscribe = model.onChange((event) => {
    if (event.arn !== listenerArn) return;
    weights = forwardWeights(event.actions);
    history.push({ at: metrics.now(), weights });
  });
  const counts: Record<string, { opened: number; open: number }> = {};
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    // The pick happens once, here: this connection's target group for its whole life.
    const targetGroup = pick(weights, random);
    const base = targetGroup && targets[targetGroup];
    if (!targetGroup || !base) {
      // Nowhere to send it: an NLB resets the connection.
      client.resetAndDestroy();
      return;
    }
    const count = (counts[targetGroup] ??= { opened: 0, open: 0 });
    count.opened++;
    count.open++;
    const url = new URL(base);
    const backend = createConnection({ host: url.hostname, port: Number(url.port) });
    sockets.add(backend);
    const meter = new HttpMeter((status, latencyMs) => metrics.record(targetGroup, status, latencyMs));
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      count.open--;
      client.destroy();
      backend.destroy();
    };
    client.on('data', (chunk: Buffer) => meter.request(chunk));
    backend.on('data', (chunk: Buffer) => {
      try {
        meter.response(chunk);
      } catch {
        // Not HTTP after all: relay it unmetered.
      }
    });
    client.pipe(backend);
    backend.pipe(client);
    for (const socket of [client, backend]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    backend.on('close', () => sockets.delete(backend));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    weights: () => ({ ...weights }),
    weightHistory: () => history.map((h) => ({ at: h.at, weights: { ...h.weights } })),
    connections: () => structuredClone(counts),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
