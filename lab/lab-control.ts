// Serve mode's control endpoint (127.0.0.1 only): what green and blue do and how much traffic flows,
// changed while the lab serves. `canary-switch lab fault green 50%` parses its words here and POSTs
// the result; anything that speaks HTTP can do the same (curl, a test).
//
//   fault <blue|green> <spec…>    spec words, in any order:
//     <n>%  or  errors <n>%       answer n% of requests with 500
//     latency <n>ms|<n>s          add that much time to every answer
//     unhealthy | healthy         the target's health as DescribeTargetHealth reports it
//     off                         heal: no errors, no added latency, healthy
//   A fault command replaces the service's errors and latency (words it omits are off);
//   health changes only with healthy / unhealthy / off.
//   traffic <n>                   requests per second through each listener
import { createServer } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './aws/local-server.ts';

export type ServiceName = 'blue' | 'green';

export interface FaultSpec {
  service: ServiceName;
  /** 0..1; absent with `health` only. */
  errorRate?: number;
  latencyMs?: number;
  health?: 'healthy' | 'unhealthy';
  /** Whether errors/latency are being set (false: a health-only command). */
  setsFault: boolean;
}

export class ControlUsageError extends Error {}

/** `["green", "50%", "latency", "400ms"]` → a FaultSpec, or a ControlUsageError naming the word and the fix. */
export function parseFault(words: readonly string[]): FaultSpec {
  const [service, ...rest] = words;
  if (service !== 'blue' && service !== 'green') throw new ControlUsageError(`fault: the first word names the service, blue or green; got ${JSON.stringify(service ?? '')}`);
  if (rest.length === 0) throw new ControlUsageError('fault: say what the service does, e.g. "50%", "latency 400ms", "unhealthy" or "off"');
  const spec: FaultSpec = { service, setsFault: false };
  for (let i = 0; i < rest.length; i++) {
    const word = (rest[i] ?? '').toLowerCase();
    if (word === 'off' || word === 'heal') {
      Object.assign(spec, { errorRate: 0, latencyMs: 0, health: 'healthy', setsFault: true });
    } else if (word === 'healthy' || word === 'unhealthy') {
      spec.health = word;
    } else if (word === 'errors' || word === 'latency') {
      const value = rest[++i];
      if (value === undefined) throw new ControlUsageError(`fault: "${word}" needs a value, e.g. ${word === 'errors' ? '"errors 50%"' : '"latency 400ms"'}`);
      if (word === 'errors') spec.errorRate = percent(value);
      else spec.latencyMs = duration(value);
      spec.setsFault = true;
    } else if (word.endsWith('%')) {
      spec.errorRate = percent(word);
      spec.setsFault = true;
    } else if (/^\d+(\.\d+)?(ms|s)$/.test(word)) {
      spec.latencyMs = duration(word);
      spec.setsFault = true;
    } else {
      throw new ControlUsageError(`fault: "${rest[i]}" is not understood; use <n>%, errors <n>%, latency <n>ms, healthy, unhealthy or off`);
    }
  }
  return spec;
}

function percent(value: string): number {
  const m = /^(\d+(\.\d+)?)%$/.exec(value);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 100)) throw new ControlUsageError(`fault: "${value}" is not a percentage from 0% to 100%`);
  return n / 100;
}

function duration(value: string): number {
  const m = /^(\d+(\.\d+)?)(ms|s)$/.exec(value.toLowerCase());
  if (!m) throw new ControlUsageError(`fault: "${value}" is not a duration like 400ms or 2s`);
  const ms = Number(m[1]) * (m[3] === 's' ? 1000 : 1);
  if (ms > 60_000) throw new ControlUsageError(`fault: latency ${value} is over 60s; the proxy gives up on a backend after 10s anyway`);
  return ms;
}

/** What the control endpoint changes and reports; serve.ts implements it. */
export interface LabControls {
  applyFault(spec: FaultSpec): void;
  setRate(perListener: number): void;
  state(): unknown;
}

export async function startControl(controls: LabControls, options: { port?: number } = {}): Promise<LocalServer> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    readBody(req, 10_000)
      .then((text) => {
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        if (req.method === 'GET' && req.url === '/state') return reply(200, controls.state());
        if (req.method === 'POST' && req.url === '/fault') {
          controls.applyFault(parseFault(Array.isArray(body.words) ? body.words.map(String) : []));
          return reply(200, controls.state());
        }
        if (req.method === 'POST' && req.url === '/traffic') {
          const rate = Number(body.rate);
          if (!(rate > 0 && rate <= 5000)) throw new ControlUsageError(`traffic: requests per second per listener must be above 0 and at most 5000; got ${String(body.rate)}`);
          controls.setRate(rate);
          return reply(200, controls.state());
        }
        reply(404, { error: 'use GET /state, POST /fault {"words": ["green", "50%"]} or POST /traffic {"rate": 100}' });
      })
      .catch((err: unknown) => reply(err instanceof ControlUsageError || err instanceof SyntaxError ? 400 : 500, { error: (err as Error).message }));
  });
  return listenLocal(server, options.port);
}
