// The lab's backends: tiny HTTP services answering `200 {"color":"<name>"}` on any path, with an
// `x-service` header so clients can tell who answered. A service can be told to fail or slow down.
import { createServer } from 'node:http';
import { listenLocal } from '../aws/local-server.ts';

export interface Fault {
  /** Share of requests answered 500, 0..1 (spread evenly, not at random, so short runs see the exact rate). */
  errorRate?: number;
  /** Added to every response. */
  latencyMs?: number;
  /** The fault starts this many ms after setFault (default at once). */
  fromMs?: number;
  /** The fault ends (the service recovers by itself) this many ms after it started (default: it lasts). */
  forMs?: number;
  /** 0..1 source: each request fails with probability errorRate (independent draws, as real errors come) instead of evenly. */
  random?: () => number;
}

/** What a service does with each request under a fault: pure, so the model is tested without sockets. */
export class FaultModel {
  private fault: Fault = {};
  private from = 0;
  // Error budget when spread evenly: +errorRate per request, a 500 each time it reaches 1.
  private credit = 0;

  /** Replace the current fault at `now` (epoch ms); `{}` heals. */
  set(next: Fault, now: number): void {
    if (next.errorRate !== undefined && !(next.errorRate >= 0 && next.errorRate <= 1)) throw new Error(`errorRate ${next.errorRate} is not between 0 and 1`);
    this.fault = { ...next };
    this.from = now + (next.fromMs ?? 0);
    this.credit = 0;
  }

  /** Whether the fault is in effect at `now`. */
  active(now: number): boolean {
    return now >= this.from && (this.fault.forMs === undefined || now < this.from + this.fault.forMs);
  }

  /** The answer to one request arriving at `now`: its status and the delay added before answering. */
  answer(now: number): { status: number; delayMs: number } {
    if (!this.active(now)) return { status: 200, delayMs: 0 };
    const { errorRate = 0, latencyMs = 0, random } = this.fault;
    let failed = false;
    if (random) failed = errorRate > 0 && random() < errorRate;
    else if (errorRate > 0) {
      this.credit += errorRate;
      if (this.credit >= 1) {
        this.credit -= 1;
        failed = true;
      }
    }
    return { status: failed ? 500 : 200, delayMs: latencyMs };
  }
}

export interface Service {
  name: string;
  url: string;
  /** Replace the current fault; `setFault({})` heals the service. */
  setFault(fault: Fault): void;
  close(): Promise<void>;
}

export async function startService(name: string, options: { port?: number } = {}): Promise<Service> {
  const model = new FaultModel();
  const pending = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    req.resume();
    const { status, delayMs } = model.answer(Date.now());
    const answer = () => {
      pending.delete(timer);
      res.writeHead(status, { 'content-type': 'application/json', 'x-service': name });
      res.end(JSON.stringify(status === 200 ? { color: name } : { color: name, error: 'injected fault' }));
    };
    const timer = setTimeout(answer, delayMs);
    pending.add(timer);
  });
  const listening = await listenLocal(server, options.port);
  return {
    name,
    url: listening.url,
    setFault(next) {
      model.set(next, Date.now());
    },
    async close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await listening.close();
    },
  };
}

/** The stable (blue) and canary (green) services. */
export async function startServices(): Promise<{ blue: Service; green: Service; close(): Promise<void> }> {
  const [blue, green] = await Promise.all([startService('blue'), startService('green')]);
  return { blue, green, close: async () => void (await Promise.all([blue.close(), green.close()])) };
}
