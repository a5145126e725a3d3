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
}

export interface Service {
  name: string;
  url: string;
  /** Replace the current fault; `setFault({})` heals the service. */
  setFault(fault: Fault): void;
  close(): Promise<void>;
}

export async function startService(name: string, options: { port?: number } = {}): Promise<Service> {
  let fault: Fault = {};
  let faultFrom = 0;
  // Error budget: +errorRate per request, a 500 each time it reaches 1.
  let errorCredit = 0;
  const pending = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    req.resume();
    const active = Date.now() >= faultFrom;
    let status = 200;
    if (active && fault.errorRate) {
      errorCredit += fault.errorRate;
      if (errorCredit >= 1) {
        errorCredit -= 1;
        status = 500;
      }
    }
    const answer = () => {
      pending.delete(timer);
      res.writeHead(status, { 'content-type': 'application/json', 'x-service': name });
      res.end(JSON.stringify(status === 200 ? { color: name } : { color: name, error: 'injected fault' }));
    };
    const timer = setTimeout(answer, active ? (fault.latencyMs ?? 0) : 0);
    pending.add(timer);
  });
  const listening = await listenLocal(server, options.port);
  return {
    name,
    url: listening.url,
    setFault(next) {
      if (next.errorRate !== undefined && !(next.errorRate >= 0 && next.errorRate <= 1)) throw new Error(`errorRate ${next.errorRate} is not between 0 and 1`);
      fault = { ...next };
      faultFrom = Date.now() + (next.fromMs ?? 0);
      errorCredit = 0;
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
