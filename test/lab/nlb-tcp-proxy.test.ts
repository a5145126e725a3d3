// The lab NLB's data plane on loopback: the TCP proxy picks a target group once per new connection by
// the weights of the moment; an open connection stays on its target group after a weight change while
// new connections follow the new weights. It meters the HTTP it relays per target group, and the load
// generator's connection recycling opens a new connection every N requests.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabNlb } from '../../lab/aws/lab-fleet.ts';
import { HttpMeter } from '../../lab/traffic/http-meter.ts';
import { runLoad } from '../../lab/traffic/loadgen.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';
import { startTcpProxy, type TcpProxy } from '../../lab/traffic/tcp-proxy.ts';
import { startServices, type Service } from '../../lab/traffic/services.ts';

/** One GET on `agent`: who answered, and whether it went over a connection the agent already had open. */
const get = (url: string, agent: Agent) =>
  new Promise<{ service: string; reused: boolean }>((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ service: String(res.headers['x-service']), reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });

describe('NLB TCP proxy', () => {
  let services: { blue: Service; green: Service; close(): Promise<void> };
  let lab: ReturnType<typeof createLabNlb>;
  let proxy: TcpProxy;
  const metrics = new TrafficMetrics();
  const setWeights = (blue: number, green: number) =>
    lab.model.modifyListener(lab.listenerArn, { defaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: blue }, { TargetGroupArn: lab.greenArn, Weight: green }] } }] });

  beforeAll(async () => {
    services = await startServices();
    lab = createLabNlb({ blue: Number(new URL(services.blue.url).port), green: Number(new URL(services.green.url).port) });
    proxy = await startTcpProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue.url, [lab.greenArn]: services.green.url }, metrics });
  });
  afterAll(async () => {
    await proxy.close();
    await services.close();
  });

  it('an open connection stays on blue after the weights move to green; new connections go to green', async () => {
    setWeights(1, 0);
    const open = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(proxy.url, open)).toEqual({ service: 'blue', reused: false });
    setWeights(0, 1);
    expect(proxy.weights()).toEqual({ [lab.blueArn]: 0, [lab.greenArn]: 1 });
    // The same connection: still blue, three requests later, though blue's weight is 0.
    for (let i = 0; i < 3; i++) expect(await get(proxy.url, open)).toEqual({ service: 'blue', reused: true });
    // New connections follow the weights.
    for (let i = 0; i < 3; i++) {
      const fresh = new Agent({ keepAlive: false });
      expect(await get(proxy.url, fresh)).toEqual({ service: 'green', reused: false });
    }
    expect(proxy.connections()[lab.blueArn]).toMatchObject({ opened: 1, open: 1 });
    expect(proxy.connections()[lab.greenArn]?.opened).toBe(3);
    open.destroy();
    // Metered per target group as requests, the way the alarms read them.
    expect(metrics.window(lab.blueArn, 60)).toMatchObject({ requests: 4, errors5xx: 0 });
    expect(metrics.window(lab.greenArn, 60)).toMatchObject({ requests: 3, errors5xx: 0 });
  });

  it('meters 5xx answers on the side that gave them', async () => {
    setWeights(0, 1);
    services.green.setFault({ errorRate: 1 });
    const before = metrics.window(lab.greenArn, 60);
    await runLoad({ url: proxy.url, requests: 10, ratePerSecond: 10_000, concurrency: 1 });
    services.green.setFault({});
    const after = metrics.window(lab.greenArn, 60);
    expect([after.requests - before.requests, after.errors5xx - before.errors5xx]).toEqual([10, 10]);
  });

  it('with requestsPerConnection 5, the load generator opens a new connection every 5 requests, each picked by the weights', async () => {
    setWeights(1, 1);
    const opened = () => Object.values(proxy.connections()).reduce((n, c) => n + c.opened, 0);
    const before = opened();
    const result = await runLoad({ url: proxy.url, requests: 40, ratePerSecond: 10_000, concurrency: 1, requestsPerConnection: 5 });
    expect(result.ok).toBe(40);
    expect(opened() - before).toBe(8);
    // Each connection's five requests were answered by one side: per side, a multiple of five.
    expect(Object.values(result.byService).map((n) => n % 5)).toEqual(Object.values(result.byService).map(() => 0));
  });

  it('a connection arriving while every weight is 0 is reset; nothing is metered', async () => {
    setWeights(0, 0);
    const result = await runLoad({ url: proxy.url, requests: 2, ratePerSecond: 10_000, concurrency: 1 });
    expect(result.failed).toBe(2);
    expect(result.outcomes.every((o) => o.status === 0)).toBe(true);
  });
});

describe('HTTP meter', () => {
  it('reads statuses across Content-Length and chunked bodies split anywhere', () => {
    const seen: number[] = [];
    let clock = 0;
    const meter = new HttpMeter((status) => seen.push(status), () => clock++);
    const responses = [
      'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
    ];
    for (const r of responses) {
      meter.request(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      // One byte at a time: no chunk boundary may matter.
      for (const byte of Buffer.from(r)) meter.response(Buffer.from([byte]));
    }
    expect(seen).toEqual([200, 503, 204]);
  });
});
