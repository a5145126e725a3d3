// GetMetricData over real traffic: real requests through the weighted proxy to the lab's services (green
// failing 20% at random, seeded, and 80 ms slower), then the SDK reads the per-target-group ALB metrics back and
// finds exactly what the load generator saw. The metrics clock is ours, so the lab minute closes without waiting.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { startCloudWatchApi, type CloudWatchApi } from '../../lab/aws/cloudwatch-api.ts';
import { elbDimensions } from '../../lab/providers/alb.ts';
import { albMetricData } from '../../lab/traffic/alb-metric-data.ts';
import { runLoad } from '../../lab/traffic/loadgen.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';
import { startProxy, type Proxy } from '../../lab/traffic/proxy.ts';
import { seededRandom } from '../../lab/traffic/random.ts';
import { startServices, type Service } from '../../lab/traffic/services.ts';

const t0 = Date.UTC(2025, 0, 15, 10, 0, 0);
let clock = t0 + 10_000;
const metrics = new TrafficMetrics(() => clock);
const lab = createLabAlb();
const groups = () => [lab.blueArn, lab.greenArn].map((key) => ({ key, dimensions: elbDimensions(key, lab.loadBalancerArn) }));
let services: { blue: Service; green: Service; close(): Promise<void> };
let proxy: Proxy;
let api: CloudWatchApi;
let cw: CloudWatchClient;

beforeAll(async () => {
  services = await startServices();
  proxy = await startProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue.url, [lab.greenArn]: services.green.url }, metrics, random: seededRandom(5) });
  api = await startCloudWatchApi({ describeAlarms: () => ({ metricAlarms: [], compositeAlarms: [] }) }, { throttle: false, metricData: albMetricData(metrics, groups, { minuteSeconds: 60 }) });
  cw = new CloudWatchClient({ region: 'us-east-1', endpoint: api.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});
afterAll(async () => {
  cw.destroy();
  await Promise.all([proxy.close(), api.close(), services.close()]);
});

it('answers RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime from what the proxy served', async () => {
  lab.model.modifyListener(lab.listenerArn, {
    defaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: 1 }, { TargetGroupArn: lab.greenArn, Weight: 1 }] } }],
  });
  services.green.setFault({ errorRate: 0.2, latencyMs: 80, random: seededRandom(9) });
  const result = await runLoad({ url: proxy.url, requests: 400, ratePerSecond: 50_000, concurrency: 16 });
  const green = result.byService.green ?? 0;
  const greenFailed = result.outcomes.filter((o) => o.service === 'green' && o.status === 500).length;
  expect(green).toBeGreaterThan(100);

  // The minute is still running: nothing is published yet.
  const dims = (arn: string) => Object.entries(elbDimensions(arn, lab.loadBalancerArn)).map(([Name, Value]) => ({ Name, Value }));
  const read = () =>
    cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(t0),
        EndTime: new Date(t0 + 120_000),
        MetricDataQueries: [
          { Id: 'requests', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dims(lab.greenArn) }, Period: 60, Stat: 'Sum' } },
          { Id: 'errors', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dims(lab.greenArn) }, Period: 60, Stat: 'Sum' } },
          { Id: 'fast', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: dims(lab.greenArn) }, Period: 60, Stat: 'PR(:0.05)' } },
          { Id: 'blue', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dims(lab.blueArn) }, Period: 60, Stat: 'Sum' } },
        ],
      }),
    );
  expect((await read()).MetricDataResults?.map((r) => r.Values)).toEqual([[], [], [], []]);

  clock = t0 + 60_000;
  const values = Object.fromEntries(((await read()).MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
  expect(values.requests).toEqual([green]);
  expect(values.blue).toEqual([result.byService.blue]);
  // Every green answer took at least the injected 80 ms: none is at or under 50 ms.
  expect(values.fast).toEqual([0]);
  expect(values.errors).toEqual([greenFailed]);
  expect(values.errors?.[0]).toBeGreaterThan(green * 0.1);
  expect(values.errors?.[0]).toBeLessThan(green * 0.3);
  // Blue never failed: every failed answer is one of green's 5xx.
  expect(result.failed).toBe(greenFailed);
});
