// The lab's ALB data plane: a weighted HTTP reverse proxy. It routes each request to a target group picked by
// the forward weights of the lab ALB model, which it re-reads on every change event (ALB weight changes
// take effect at once), and records per-target-group metrics the alarms are computed from.
// Target group stickiness is honoured as an ALB does it (AWSALBTG cookie, see stickiness.ts). Kept simple
// on purpose: no health-based routing (an ALB fails open into unhealthy targets anyway), authenticate-*
// actions are skipped (no IdP in the lab).
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Action, AlbModel } from '../aws/alb-model.ts';
import { listenLocal } from '../aws/local-server.ts';
import { TrafficMetrics } from './metrics.ts';
import { pinnedTargetGroup, stickinessOf, stickyCookies, type StickinessConfig } from './stickiness.ts';

/** Where the proxy's weights come from when it plays another layer (API Gateway stage canary, CloudFront policy). */
export interface WeightSource {
  /** Weight of each key of `targets` now. */
  weights(): Record<string, number>;
  /** Calls `listener` after every change; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export interface ProxyOptions {
  /** The lab ALB and the listener whose forward action routes; unless `source` plays another layer. */
  model?: AlbModel;
  listenerArn?: string;
  /** Weights from another layer's lab model instead of an ALB listener (no ALB stickiness then). */
  source?: WeightSource;
  /** Route by this rule's forward action (as if every request matched it) instead of the listener's default action. */
  ruleArn?: string;
  /** Target group ARN → base URL of the service behind it. */
  targets: Record<string, string>;
  /** Shared with the alarms; a new one by default. */
  metrics?: TrafficMetrics;
  /** 0..1 source for the weighted pick (tests may make it deterministic). */
  random?: () => number;
  /** Give up on a backend after this long and answer 504 (default 10 s). */
  timeoutMs?: number;
  port?: number;
}

export interface WeightChange {
  /** epoch ms (the metrics clock) */
  at: number;
  weights: Record<string, number>;
}

export interface Proxy {
  url: string;
  metrics: TrafficMetrics;
  /** Forward weights in effect, by target group ARN. */
  weights(): Record<string, number>;
  /** Weights at start, then after every change. */
  weightHistory(): WeightChange[];
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const { targets } = options;
  const metrics = options.metrics ?? new TrafficMetrics();
  const random = options.random ?? Math.random;
  const source = options.source ?? albSource(options.model, options.ruleArn ?? options.listenerArn);
  let weights = source.weights();
  let stickiness = stickinessFrom(source);
  const history: WeightChange[] = [{ at: metrics.now(), weights }];
  const unsubscribe = source.onChange(() => {
    weights = source.weights();
    stickiness = stickinessFrom(source);
    history.push({ at: metrics.now(), weights });
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const server = createServer((req, res) => {
    const arrived = performance.now();
    // A valid AWSALBTG cookie wins over the weights (a weight of 0 included) while stickiness is on.
    const now = metrics.now();
    const targetGroup = (stickiness.enabled ? pinnedTargetGroup(req.headers.cookie, weights, now) : undefined) ?? pick(weights, random);
    const cookies = stickiness.enabled && targetGroup ? stickyCookies(targetGroup, stickiness, now) : [];
    const base = targetGroup && targets[targetGroup];
    if (!targetGroup || !base) {
      // An ALB answers 503 when the forward action leaves it nowhere to send the request.
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(targetGroup ? `no service for target group ${targetGroup}` : 'no target group with a weight above 0');
      return;
    }
    const upstream = new URL(req.url ?? '/', base);
    const headers: IncomingHttpHeaders = { ...withoutHopByHop(req.headers), host: upstream.host, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http' };
    const dispatched = performance.now();
    let backendDone = dispatched;
    let recorded = false;
    let clientGone = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      metrics.record(targetGroup, status, performance.now() - dispatched);
    };
    const upstreamReq = request(upstream, { method: req.method, headers, agent, timeout: options.timeoutMs ?? 10_000 }, (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      // Like the ALB's TargetResponseTime: until the target starts answering.
      record(status);
      const headers = withoutHopByHop(upstreamRes.headers);
      if (cookies.length > 0) headers['set-cookie'] = [...(headers['set-cookie'] ?? []), ...cookies];
      res.writeHead(status, headers);
      upstreamRes.pipe(res);
      upstreamRes.on('end', () => (backendDone = performance.now()));
    });
    upstreamReq.on('timeout', () => upstreamReq.destroy(new TimeoutError()));
    upstreamReq.on('error', (err) => {
      if (clientGone) return; // we cut the backend off because the client left: not the backend's failure
      const status = err instanceof TimeoutError ? 504 : 502;
      record(status);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 504 ? 'Gateway Timeout' : 'Bad Gateway');
    });
    req.pipe(upstreamReq);
    res.on('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      upstreamReq.destroy();
    });
    // The proxy's own time: before dispatching plus after the backend's last byte.
    res.on('finish', () => metrics.recordOverhead(dispatched - arrived + Math.max(0, performance.now() - backendDone)));
  });

  const listening = await listenLocal(server, options.port);
  return {
    url: listening.url,
    metrics,
    weights: () => ({ ...weights }),
    weightHistory: () => history.map((h) => ({ at: h.at, weights: { ...h.weights } })),
    async close() {
      unsubscribe();
      await listening.close();
      agent.destroy();
    },
  };
}

class TimeoutError extends Error {}

type AlbSource = WeightSource & { stickiness(): StickinessConfig };

/** ALB target group stickiness when the source is the lab ALB; off for other layers. */
function stickinessFrom(source: WeightSource | AlbSource): StickinessConfig {
  return 'stickiness' in source ? source.stickiness() : stickinessOf([]);
}

/** The lab ALB listener's (or rule's) forward action as a weight source, with its target group stickiness. */
function albSource(model: AlbModel | undefined, arn: string | undefined): AlbSource {
  if (!model || !arn) throw new Error('startProxy needs model and listenerArn, or a weight source');
  return {
    weights: () => forwardWeights(model.actionsOf(arn)),
    stickiness: () => stickinessOf(model.actionsOf(arn)),
    onChange: (listener) =>
      model.onChange((event) => {
        if (event.arn === arn) listener();
      }),
  };
}

/**
 * Weight of each target group in the forward action; a bare TargetGroupArn weighs 1, as on an ALB.
 * Deliberately not lambdas/providers/alb.ts's twin: the lab plays AWS, and a fake that shared the
 * provider's code would agree with its bugs instead of exposing them.
 */
export function forwardWeights(actions: readonly Action[]): Record<string, number> {
  const forward = actions.find((a) => a.Type === 'forward');
  const groups = forward?.ForwardConfig?.TargetGroups;
  if (groups?.length) return Object.fromEntries(groups.map((g) => [g.TargetGroupArn ?? '', g.Weight ?? 1]));
  return forward?.TargetGroupArn ? { [forward.TargetGroupArn]: 1 } : {};
}

/** A target group drawn with probability weight / total; undefined if all weights are 0. */
export function pick(weights: Record<string, number>, random: () => number): string | undefined {
  const entries = Object.entries(weights).filter(([, w]) => w > 0);
  let r = random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [arn, w] of entries) {
    r -= w;
    if (r < 0) return arn;
  }
  return entries.at(-1)?.[0];
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  return out;
}
