// The lab's traffic plane over loopback: services, the weighted proxy, its metrics, alarms and the load generator.
import { ElasticLoadBalancingV2Client, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLabAlb, type LabAlb } from '../../lab/aws/lab-alb.ts';
import { startElbv2Api } from '../../lab/aws/elbv2-api.ts';
import type { LocalServer } from '../../lab/aws/local-server.ts';
import { LabAlarms } from '../../lab/traffic/alarms.ts';
import { runLoad, shareOf, startLoad } from '../../lab/traffic/loadgen.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';
import { startProxy, type Proxy } from '../../lab/traffic/proxy.ts';
import { startService, startServices, type Service } from '../../lab/traffic/services.ts';

/** TCP servers and sockets this process holds open. */
const openTcp = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap');

describe('traffic plane', () => {
  // The metrics clock is ours to move, so alarm periods pass without waiting; the traffic is real.
  let clock = Date.now();
  const metrics = new TrafficMetrics(() => clock);
  let services: { blue: Service; green: Service; close(): Promise<void> };
  let lab: LabAlb;
  let proxy: Proxy;
  let api: LocalServer;
  let elb: ElasticLoadBalancingV2Client;

  const setWeights = (blue: number, green: number) =>
    lab.model.modifyListener(lab.listenerArn, {
      defaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: blue }, { TargetGroupArn: lab.greenArn, Weight: green }] } }],
    });
  const load = (requests: number) => runLoad({ url: proxy.url, requests, ratePerSecond: 50_000, concurrency: 16 });

  beforeAll(async () => {
    services = await startServices();
    lab = createLabAlb();
    proxy = await startProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue.url, [lab.greenArn]: services.green.url }, metrics });
    api = await startElbv2Api(lab.model);
    elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1', endpoint: api.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    elb.destroy();
    await Promise.all([proxy.close(), api.close(), services.close()]);
  });

  it('starts on the lab ALB default action: all traffic to blue', async () => {
    expect(proxy.weights()).toEqual({ [lab.blueArn]: 1, [lab.greenArn]: 0 });
    const result = await load(50);
    expect(result.byService).toEqual({ blue: 50 });
  });

  it('spreads requests by weight: 900:100 gives ~10% to green over 2,000 requests', async () => {
    clock += 100_000;
    setWeights(900, 100);
    const result = await load(2000);
    expect(result.ok).toBe(2000);
    expect(shareOf(result, 'green')).toBeGreaterThan(0.075);
    expect(shareOf(result, 'green')).toBeLessThan(0.125);
    // The proxy's per-target-group counts are the same requests.
    expect(metrics.window(lab.greenArn, 10).requests).toBe(result.byService.green);
    expect(metrics.window(lab.blueArn, 10).requests).toBe(result.byService.blue);
    expect(metrics.overhead().count).toBeGreaterThan(0);
  });

  it('a weight change through the ELBv2 API applies to the very next request', async () => {
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: lab.listenerArn,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: 0 }, { TargetGroupArn: lab.greenArn, Weight: 1 }] } }],
      }),
    );
    expect((await load(100)).byService).toEqual({ green: 100 });
    setWeights(1, 0);
    expect((await load(100)).byService).toEqual({ blue: 100 });
    expect(proxy.weightHistory().map((h) => h.weights[lab.greenArn])).toEqual([0, 100, 1, 0]);
  });

  it('counts a faulty green’s 5xx against green only', async () => {
    clock += 100_000;
    setWeights(500, 500);
    services.green.setFault({ errorRate: 0.5 });
    const result = await load(400);
    services.green.setFault({});
    const green = metrics.window(lab.greenArn, 10);
    const blue = metrics.window(lab.blueArn, 10);
    expect(green.requests).toBe(result.byService.green);
    expect(green.errors5xx).toBe(Math.floor(green.requests * 0.5));
    expect(blue.errors5xx).toBe(0);
    expect(result.failed).toBe(green.errors5xx);
  });

  it('a delayed fault starts later', async () => {
    setWeights(0, 1);
    services.green.setFault({ errorRate: 1, fromMs: 60_000 });
    expect((await load(20)).failed).toBe(0);
    services.green.setFault({});
  });

  it('alarms go to ALARM from real traffic and back to OK', async () => {
    const alarms = new LabAlarms(metrics, [
      { name: 'web-green-5xx', type: 'MetricAlarm', targetGroup: lab.greenArn, loadBalancer: lab.loadBalancerArn, metric: '5xxRate', threshold: 0.05, periodSeconds: 10, evaluationPeriods: 1, minRequests: 10 },
      { name: 'web-green-p99', type: 'MetricAlarm', targetGroup: lab.greenArn, metric: 'p99Ms', threshold: 200, periodSeconds: 10, evaluationPeriods: 1, minRequests: 10 },
      { name: 'web-green', type: 'CompositeAlarm', children: ['web-green-5xx', 'web-green-p99'] },
    ]);
    clock += 100_000;
    setWeights(0, 1);
    alarms.evaluate();
    expect(alarms.state('web-green-5xx')).toBe('INSUFFICIENT_DATA');

    services.green.setFault({ errorRate: 0.25 });
    await load(100);
    alarms.evaluate();
    expect([alarms.state('web-green-5xx'), alarms.state('web-green-p99'), alarms.state('web-green')]).toEqual(['ALARM', 'OK', 'ALARM']);
    const described = alarms.describeAlarms().metricAlarms[0];
    expect(described?.StateReason).toMatch(/^Threshold Crossed: 1 datapoint \[0\.25 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(0\.05\)\.$/);
    expect(described?.StateUpdatedTimestamp).toEqual(new Date(clock));

    services.green.setFault({});
    clock += 20_000;
    await load(100);
    alarms.evaluate();
    expect([alarms.state('web-green-5xx'), alarms.state('web-green')]).toEqual(['OK', 'OK']);

    services.green.setFault({ latencyMs: 300 });
    clock += 20_000;
    await load(16);
    services.green.setFault({});
    alarms.evaluate();
    expect([alarms.state('web-green-5xx'), alarms.state('web-green-p99'), alarms.state('web-green')]).toEqual(['OK', 'ALARM', 'ALARM']);

    expect(alarms.transitions().map((t) => `${t.name}:${t.from}->${t.to}`)).toEqual([
      'web-green:INSUFFICIENT_DATA->OK', // no child in ALARM
      'web-green-5xx:INSUFFICIENT_DATA->ALARM',
      'web-green-p99:INSUFFICIENT_DATA->OK',
      'web-green:OK->ALARM',
      'web-green-5xx:ALARM->OK',
      'web-green:ALARM->OK',
      'web-green-p99:OK->ALARM',
      'web-green:OK->ALARM',
    ]);
  });

  it('keeps a per-second timeline for the chart', () => {
    const timeline = metrics.timeline(lab.greenArn);
    expect(timeline.length).toBeGreaterThan(100);
    expect(timeline.reduce((n, p) => n + p.requests, 0)).toBeGreaterThan(0);
    expect(timeline.some((p) => p.errors5xx > 0)).toBe(true);
  });
});

describe('proxy failures', () => {
  it('answers 502 for a backend that is gone and 503 when no target group has weight', async () => {
    const lab = createLabAlb();
    const gone = await startService('green');
    await gone.close();
    const proxy = await startProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: gone.url } });
    const result = await runLoad({ url: proxy.url, requests: 5, ratePerSecond: 1000 });
    expect(result.outcomes.map((o) => o.status)).toEqual([502, 502, 502, 502, 502]);
    expect(proxy.metrics.window(lab.blueArn, 60)).toMatchObject({ requests: 5, errors5xx: 5, errorRate: 1 });

    lab.model.modifyListener(lab.listenerArn, { defaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: 0 }] } }] });
    expect((await runLoad({ url: proxy.url, requests: 1, ratePerSecond: 1000 })).outcomes[0]?.status).toBe(503);
    await proxy.close();
  });
});

describe('load generator bounds', () => {
  it('stops after its duration, or when told to, and everything closes', async () => {
    const service = await startService('blue');
    const byDuration = await runLoad({ url: service.url, durationMs: 300, ratePerSecond: 100 });
    expect(byDuration.sent).toBe(30);

    const run = startLoad({ url: service.url, durationMs: 60_000, ratePerSecond: 50 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = await run.stop();
    expect(stopped.sent).toBeGreaterThan(0);
    expect(stopped.sent).toBeLessThan(60);
    await service.close();
  });

  it('leaves nothing listening or connected', async () => {
    await vi.waitFor(() => expect(openTcp()).toEqual([]));
  });
});
