// Load generator: requests to the proxy at a target rate with bounded concurrency, for a bounded number of
// requests and/or a bounded time, recording each outcome and which service answered (its `x-service` header).
import { Agent, request, type AgentOptions, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

export interface LoadOptions {
  url: string;
  ratePerSecond: number;
  /** Stop after this many requests… */
  requests?: number;
  /** …and/or after this long (at least one of the two is required). */
  durationMs?: number;
  /** Requests in flight at most (default 16); when reached, the rate drops rather than queueing without bound. */
  concurrency?: number;
  /** Path to request (default '/'). */
  path?: string;
  /** A request without an answer after this long counts as failed (default 5 s). */
  timeoutMs?: number;
  /** Distinct clients the requests come from, in turn (default 1). */
  clients?: number;
  /** Share (0–1) of those clients that keep cookies, as browsers do (default 0: no client sends cookies). */
  cookieShare?: number;
  /** The clients' cookies, to carry them from one run to the next (default: fresh for this run). */
  cookies?: ClientCookies;
  /** Close each keep-alive connection after this many requests (default: keep it while the server does). */
  requestsPerConnection?: number;
  /** Look the URL's host name up before each request (a DNS layer with its own caching); Host keeps the name. */
  resolve?: (name: string) => Promise<{ address: string; port: number }>;
}

/** Each client's cookie jar, by client number. */
export class ClientCookies {
  private readonly jars = new Map<number, CookieJar>();
  jar(client: number): CookieJar {
    let jar = this.jars.get(client);
    if (!jar) this.jars.set(client, (jar = new CookieJar()));
    return jar;
  }
}

export interface RequestOutcome {
  /** epoch ms */
  startedAt: number;
  /** HTTP status; 0 when there was no answer (see `error`). */
  status: number;
  /** Who answered (`x-service`), if a service did. */
  service?: string;
  /** The client that sent it (0-based), and whether that client keeps cookies. */
  client: number;
  keepsCookies: boolean;
  latencyMs: number;
  error?: string;
}

export interface LoadResult {
  sent: number;
  /** 2xx answers */
  ok: number;
  /** 5xx answers or no answer */
  failed: number;
  /** Answers per service. */
  byService: Record<string, number>;
  outcomes: RequestOutcome[];
  durationMs: number;
}

export interface LoadRun {
  /** Settles when the bound is reached (or after stop) and every request has finished. */
  done: Promise<LoadResult>;
  /** Send no more requests; resolves like `done`. */
  stop(): Promise<LoadResult>;
}

export function startLoad(options: LoadOptions): LoadRun {
  if (options.requests === undefined && options.durationMs === undefined) throw new Error('startLoad needs a bound: requests and/or durationMs');
  if (!(options.ratePerSecond > 0)) throw new Error(`ratePerSecond must be above 0, got ${options.ratePerSecond}`);
  const concurrency = options.concurrency ?? 16;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const target = new URL(options.path ?? '/', options.url);
  const agent = new RecyclingAgent({ keepAlive: true, maxSockets: concurrency }, options.requestsPerConnection);
  const outcomes: RequestOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wake: (() => void) | undefined;

  const clients = Math.max(1, Math.floor(options.clients ?? 1));
  const withCookies = Math.round(clients * Math.min(1, Math.max(0, options.cookieShare ?? 0)));
  const jars = options.cookies ?? new ClientCookies();

  const send = async (client: number): Promise<void> => {
    const startedAt = Date.now();
    const t0 = performance.now();
    let where: { address: string; port: number } | undefined;
    try {
      where = options.resolve ? await options.resolve(target.hostname) : undefined;
    } catch (err) {
      outcomes.push({ startedAt, latencyMs: performance.now() - t0, client, keepsCookies: client < withCookies, status: 0, error: `resolving ${target.hostname}: ${(err as Error).message}` });
      return;
    }
    return new Promise((resolve) => {
      const keepsCookies = client < withCookies;
      const jar = keepsCookies ? jars.jar(client) : undefined;
      const finish = (outcome: Omit<RequestOutcome, 'startedAt' | 'latencyMs' | 'client' | 'keepsCookies'>) => {
        outcomes.push({ startedAt, latencyMs: performance.now() - t0, client, keepsCookies, ...outcome });
        resolve();
      };
      const cookie = jar?.header();
      const headers = { ...(cookie ? { cookie } : {}), ...(where ? { host: target.host } : {}) };
      const answered = (res: IncomingMessage) => {
        jar?.store(res.headers['set-cookie']);
        const service = res.headers['x-service'];
        res.resume();
        res.on('end', () => finish({ status: res.statusCode ?? 0, service: typeof service === 'string' ? service : undefined }));
        res.on('error', (err) => finish({ status: 0, error: err.message }));
      };
      const req = where
        ? request({ host: where.address, port: where.port, path: `${target.pathname}${target.search}`, agent, timeout: timeoutMs, headers }, answered)
        : request(target, { agent, timeout: timeoutMs, headers }, answered);
      req.on('timeout', () => req.destroy(new Error(`no answer after ${timeoutMs} ms`)));
      req.on('error', (err) => finish({ status: 0, error: err.message }));
      req.end();
    });
  };

  const run = async (): Promise<LoadResult> => {
    const start = performance.now();
    for (let i = 0; !stopped && (options.requests === undefined || i < options.requests); i++) {
      const due = start + (i * 1000) / options.ratePerSecond;
      if (options.durationMs !== undefined && (due - start >= options.durationMs || overtime(start, options.durationMs))) break;
      // Timers are ~1 ms coarse: below that, send at once and let later requests catch up.
      const wait = due - performance.now();
      if (wait >= 1) await new Promise<void>((resolve) => setTimeout((wake = resolve), wait));
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (stopped || (options.durationMs !== undefined && overtime(start, options.durationMs))) break;
      const p = send(i % clients).then(() => void inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    agent.destroy();
    return summarize(outcomes, performance.now() - start);
  };

  const done = run();
  return {
    done,
    stop() {
      stopped = true;
      wake?.();
      return done;
    },
  };
}

/** A keep-alive agent that closes a connection once it has carried `limit` requests. */
class RecyclingAgent extends Agent {
  private readonly served = new WeakMap<Duplex, number>();
  constructor(
    options: AgentOptions,
    private readonly limit: number | undefined,
  ) {
    super(options);
  }
  // Node calls this when a request is done with a socket; a falsy answer destroys the socket.
  override keepSocketAlive(socket: Duplex): boolean {
    const served = (this.served.get(socket) ?? 0) + 1;
    this.served.set(socket, served);
    if (this.limit !== undefined && served >= this.limit) return false;
    return super.keepSocketAlive(socket) as unknown as boolean;
  }
}

/**
 * The schedule (request i at i/rate) decides what is sent; the clock only stops a schedule that
 * concurrency has pushed far behind (a rate above what the target can answer), after a grace
 * for ordinary timer lateness.
 */
const LATE_GRACE_MS = 500;
function overtime(start: number, durationMs: number): boolean {
  return performance.now() - start >= durationMs + LATE_GRACE_MS;
}

/** Send load and wait for it to end. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return startLoad(options).done;
}

/** Share of answered requests that `service` answered (0 if none were answered). */
export function shareOf(result: LoadResult, service: string): number {
  const answered = Object.values(result.byService).reduce((a, b) => a + b, 0);
  return answered ? (result.byService[service] ?? 0) / answered : 0;
}

function summarize(outcomes: RequestOutcome[], durationMs: number): LoadResult {
  const byService: Record<string, number> = {};
  for (const o of outcomes) if (o.service) byService[o.service] = (byService[o.service] ?? 0) + 1;
  return {
    sent: outcomes.length,
    ok: outcomes.filter((o) => o.status >= 200 && o.status < 300).length,
    failed: outcomes.filter((o) => o.status === 0 || o.status >= 500).length,
    byService,
    outcomes,
    durationMs,
  };
}

/** A client's cookies: what Set-Cookie gave it, until its Expires passes (as a browser keeps them). */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; expires: number }>();

  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const expiresAttr = attrs.find((a) => a.toLowerCase().startsWith('expires='));
      const expires = expiresAttr ? Date.parse(expiresAttr.slice('expires='.length)) : Number.POSITIVE_INFINITY;
      this.cookies.set(pair.slice(0, eq), { value: pair.slice(eq + 1), expires: Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires });
    }
  }

  header(): string | undefined {
    const now = Date.now();
    const live = [...this.cookies].filter(([, c]) => c.expires > now).map(([name, c]) => `${name}=${c.value}`);
    return live.length > 0 ? live.join('; ') : undefined;
  }
}
