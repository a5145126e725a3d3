// The lab's CloudWatch GetMetricData through the real SDK v3 client in each protocol CloudWatch speaks, answered
// from the proxy's per-target-group counts (TrafficMetrics with an injected clock, so no test waits): ALB metric
// names and dimensions as AWS formats them, no datapoint for a minute without samples, statistics (Sum,
// SampleCount, p99, percentile rank PR), ScanBy, MaxDatapoints/NextToken paging, and CloudWatch's refusals.
import { CloudWatchClient, GetMetricDataCommand, paginateGetMetricData, type GetMetricDataCommandInput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabAlb } from '../../lab/aws/lab-alb.ts';
import { startCloudWatchApi, type CloudWatchApi } from '../../lab/aws/cloudwatch-api.ts';
import { elbDimensions } from '../../lab/providers/alb.ts';
import { albMetricData } from '../../lab/traffic/alb-metric-data.ts';
import { TrafficMetrics } from '../../lab/traffic/metrics.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const t0 = Date.UTC(2025, 0, 15, 10, 0, 0);
const MINUTE = 60_000;

// Real-time minutes (the lab's minute = 60 s) so timestamps read as CloudWatch's would.
let now = t0;
const metrics = new TrafficMetrics(() => now);
const lab = createLabAlb();
const groups = () => [lab.blueArn, lab.greenArn].map((key) => ({ key, dimensions: elbDimensions(key, lab.loadBalancerArn) }));
const recordAt = (ms: number, arn: string, status: number, latencyMs: number) => {
  now = ms;
  metrics.record(arn, status, latencyMs);
};
// Minute 0: blue 200 requests (1 × 500, latencies 1..200 ms), green 50 (2 × 500, 300 ms each).
for (let i = 1; i <= 200; i++) recordAt(t0 + i * 100, lab.blueArn, i === 7 ? 500 : 200, i);
for (let i = 0; i < 50; i++) recordAt(t0 + 30_000 + i * 100, lab.greenArn, i < 2 ? 503 : 200, 300);
// Minute 1: nothing at all. Minute 2: blue 10 requests, no 5xx; green 1 request at 40 ms.
for (let i = 0; i < 10; i++) recordAt(t0 + 2 * MINUTE + i * 1000, lab.blueArn, 200, 5);
recordAt(t0 + 2 * MINUTE + 59_000, lab.greenArn, 200, 40);
// Minute 3 is in progress: not published yet.
recordAt(t0 + 3 * MINUTE + 10_000, lab.greenArn, 500, 1);
now = t0 + 3 * MINUTE + 30_000;

const LB = elbDimensions(lab.blueArn, lab.loadBalancerArn).LoadBalancer as string;
const dims = (arn: string) => Object.entries(elbDimensions(arn, lab.loadBalancerArn)).map(([Name, Value]) => ({ Name, Value }));
const query = (Id: string, MetricName: string, Stat: string, Dimensions = dims(lab.greenArn), more: Partial<MetricDataQuery> = {}): MetricDataQuery => ({
  Id,
  MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName, Dimensions }, Period: 60, Stat },
  ...more,
});
const window = { StartTime: new Date(t0), EndTime: new Date(t0 + 10 * MINUTE) };
const at = (minute: number) => new Date(t0 + minute * MINUTE);

let api: CloudWatchApi;
beforeAll(async () => {
  api = await startCloudWatchApi(
    { describeAlarms: () => ({ metricAlarms: [], compositeAlarms: [] }) },
    { throttle: false, metricData: albMetricData(metrics, groups, { minuteSeconds: 60 }) },
  );
});
afterAll(() => api.close());

it('publishes under the dimensions as AWS formats them', () => {
  expect(dims(lab.greenArn)).toEqual([
    { Name: 'TargetGroup', Value: expect.stringMatching(/^targetgroup\/green\/[0-9a-f]+$/) },
    { Name: 'LoadBalancer', Value: expect.stringMatching(/^app\/web\/[0-9a-f]+$/) },
  ]);
});

const protocols = [
  ['JSON 1.0', undefined],
  ['awsQuery', AwsQueryProtocol],
  ['RPC v2 CBOR', AwsSmithyRpcV2CborProtocol],
] as const;

describe.each(protocols)('GetMetricData over %s with the SDK', (_name, protocol) => {
  let cw: CloudWatchClient;
  beforeAll(() => {
    cw = new CloudWatchClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1, ...(protocol ? { protocol } : {}) });
  });
  afterAll(() => cw.destroy());
  const get = (input: Partial<GetMetricDataCommandInput>) => cw.send(new GetMetricDataCommand({ ...window, MetricDataQueries: [], ...input }));

  it('answers each query from the per-target-group counts; a minute without samples has no datapoint', async () => {
    const out = await get({
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        query('greenRequests', 'RequestCount', 'Sum'),
        query('greenErrors', 'HTTPCode_Target_5XX_Count', 'Sum'),
        query('blueRequests', 'RequestCount', 'Sum', dims(lab.blueArn)),
        query('blueErrors', 'HTTPCode_Target_5XX_Count', 'Sum', dims(lab.blueArn), { Label: 'blue 5xx' }),
        query('blueP99', 'TargetResponseTime', 'p99', dims(lab.blueArn)),
        query('blueSamples', 'TargetResponseTime', 'SampleCount', dims(lab.blueArn)),
        query('blueFast', 'TargetResponseTime', 'PR(:0.05)', dims(lab.blueArn)),
        query('hidden', 'RequestCount', 'Sum', dims(lab.blueArn), { ReturnData: false }),
      ],
    });
    const results = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
    expect(Object.keys(results)).toEqual(['greenRequests', 'greenErrors', 'blueRequests', 'blueErrors', 'blueP99', 'blueSamples', 'blueFast']);
    expect(results.greenRequests).toEqual({ Id: 'greenRequests', Label: 'RequestCount', Timestamps: [at(0), at(2)], Values: [50, 1], StatusCode: 'Complete', Messages: [] });
    // Minute 2 had green requests but no 5xx: no datapoint (the ALB reports the count only when nonzero).
    expect(results.greenErrors).toMatchObject({ Timestamps: [at(0)], Values: [2] });
    expect(results.blueRequests).toMatchObject({ Timestamps: [at(0), at(2)], Values: [200, 10] });
    expect(results.blueErrors).toMatchObject({ Label: 'blue 5xx', Timestamps: [at(0)], Values: [1] });
    // p99 of 1..200 ms (nearest rank) in seconds; SampleCount = requests; 50 of 200 answers ≤ 50 ms → 25%.
    expect(results.blueP99).toMatchObject({ Timestamps: [at(0), at(2)], Values: [0.198, 0.005] });
    expect(results.blueSamples).toMatchObject({ Values: [200, 10] });
    expect(results.blueFast).toMatchObject({ Values: [25, 100] });
    expect(out.NextToken).toBeUndefined();
  });

  it('newest first by default; LoadBalancer alone sums its target groups; Minimum/Maximum/Average of a count are 1', async () => {
    const out = await get({
      MetricDataQueries: [query('all', 'RequestCount', 'Sum', [{ Name: 'LoadBalancer', Value: LB }]), query('avg', 'RequestCount', 'Average'), query('max', 'TargetResponseTime', 'Maximum')],
    });
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Timestamps, r.Values])).toEqual([
      ['all', [at(2), at(0)], [11, 250]],
      ['avg', [at(2), at(0)], [1, 1]],
      ['max', [at(2), at(0)], [0.04, 0.3]],
    ]);
  });

  it('a metric nobody publishes, or another unit, is an empty result, not an error', async () => {
    const out = await get({
      MetricDataQueries: [
        query('unknownGroup', 'RequestCount', 'Sum', [{ Name: 'TargetGroup', Value: 'targetgroup/red/0' }, { Name: 'LoadBalancer', Value: LB }]),
        query('groupAlone', 'RequestCount', 'Sum', [{ Name: 'TargetGroup', Value: elbDimensions(lab.greenArn, lab.loadBalancerArn).TargetGroup as string }]),
        query('otherName', 'HTTPCode_Target_4XX_Count', 'Sum'),
        { Id: 'wrongUnit', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: dims(lab.greenArn) }, Period: 60, Stat: 'p99', Unit: 'Milliseconds' } },
      ],
    });
    for (const r of out.MetricDataResults ?? []) expect([r.Id, r.Timestamps, r.Values, r.StatusCode]).toEqual([r.Id, [], [], 'Complete']);
    expect(out.MetricDataResults).toHaveLength(4);
  });

  it('StartTime rounds down to the minute; periods of 120 s; a high-resolution period still answers per minute', async () => {
    const twoMinutes = await get({ StartTime: new Date(t0 + 20_000), MetricDataQueries: [{ ...query('r', 'RequestCount', 'Sum', dims(lab.blueArn)), MetricStat: { ...query('r', 'RequestCount', 'Sum', dims(lab.blueArn)).MetricStat!, Period: 120 } }] });
    expect(twoMinutes.MetricDataResults?.[0]).toMatchObject({ Timestamps: [at(2), at(0)], Values: [10, 200] });
    const tenSeconds = await get({ MetricDataQueries: [{ ...query('r', 'RequestCount', 'Sum'), MetricStat: { ...query('r', 'RequestCount', 'Sum').MetricStat!, Period: 10 } }] });
    expect(tenSeconds.MetricDataResults?.[0]).toMatchObject({ Timestamps: [at(2), at(0)], Values: [1, 50] });
  });

  it('pages by MaxDatapoints across queries with NextToken (PartialData until a query is complete); the SDK paginator follows', async () => {
    const input = { MaxDatapoints: 3, ScanBy: 'TimestampAscending' as const, MetricDataQueries: [query('g', 'RequestCount', 'Sum'), query('b', 'RequestCount', 'Sum', dims(lab.blueArn))] };
    const first = await get(input);
    expect(first.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([
      ['g', [50, 1], 'Complete'],
      ['b', [200], 'PartialData'],
    ]);
    const second = await get({ ...input, NextToken: first.NextToken });
    expect(second.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([
      ['g', [], 'Complete'],
      ['b', [10], 'Complete'],
    ]);
    expect(second.NextToken).toBeUndefined();
    const values: number[] = [];
    for await (const page of paginateGetMetricData({ client: cw, pageSize: 1 }, { ...window, ...input, MaxDatapoints: undefined })) {
      values.push(...(page.MetricDataResults ?? []).flatMap((r) => r.Values ?? []));
    }
    expect(values).toEqual([50, 1, 200, 10]);
  });

  it('refuses what CloudWatch refuses: ValidationError / InvalidNextToken, HTTP 400, naming the parameter', async () => {
    const refused = (input: Partial<GetMetricDataCommandInput>, message: RegExp, name = 'ValidationException') =>
      expect(get(input)).rejects.toMatchObject({ name, message: expect.stringMatching(message), $metadata: { httpStatusCode: 400 } });
    await refused({ StartTime: window.EndTime, EndTime: window.StartTime, MetricDataQueries: [query('a', 'RequestCount', 'Sum')] }, /StartTime must be less than the parameter EndTime/);
    await refused({ MetricDataQueries: [] }, /MetricDataQueries is required/);
    await refused({ MetricDataQueries: [query('a', 'RequestCount', 'Sum'), query('a', 'RequestCount', 'Sum')] }, /member\.2\.Id is used by another query/);
    await refused({ MetricDataQueries: [query('Upper', 'RequestCount', 'Sum')] }, /member\.1\.Id is not valid/);
    await refused({ MetricDataQueries: [query('a', 'RequestCount', 'tm99')] }, /member\.1\.MetricStat\.Stat is not valid/);
    await refused({ MetricDataQueries: [query('a', 'RequestCount', 'PR(:)')] }, /Stat is not valid/);
    await refused({ MetricDataQueries: [{ ...query('a', 'RequestCount', 'Sum'), MetricStat: { ...query('a', 'RequestCount', 'Sum').MetricStat!, Period: 45 } }] }, /Period is not valid: it must be 1, 5, 10, 20, 30 or a multiple of 60/);
    await refused({ MetricDataQueries: [{ Id: 'e', Expression: 'FILL(m, 0)' }] }, /does not evaluate metric math/);
    await refused({ MetricDataQueries: [query('a', 'RequestCount', 'Sum')], NextToken: 'forged' }, /NextToken is not valid/, 'InvalidNextToken');
    const first = await get({ MaxDatapoints: 1, MetricDataQueries: [query('a', 'RequestCount', 'Sum')] });
    await refused({ MaxDatapoints: 1, MetricDataQueries: [query('b', 'RequestCount', 'Sum')], NextToken: first.NextToken }, /not valid for this request/, 'InvalidNextToken');
  });
});

describe('the lab minute (time scaling)', () => {
  it('with a 1-second lab minute the ALB publishes every second: Period 1 reads one lab minute, Period 5 five; the running second is not published', async () => {
    let clock = t0;
    const scaled = new TrafficMetrics(() => clock);
    for (const [ms, status] of [[100, 200], [900, 500], [1500, 200], [3200, 200], [4100, 500], [5200, 200], [6300, 200]] as const) {
      clock = t0 + ms;
      scaled.record(lab.greenArn, status, 10);
    }
    clock = t0 + 6_500;
    const small = await startCloudWatchApi({ describeAlarms: () => ({ metricAlarms: [], compositeAlarms: [] }) }, { throttle: false, metricData: albMetricData(scaled, groups, { minuteSeconds: 1 }) });
    const cw = new CloudWatchClient({ region: 'us-east-1', endpoint: small.url, credentials, maxAttempts: 1 });
    const withPeriod = (q: MetricDataQuery, Period: number) => ({ ...q, MetricStat: { ...q.MetricStat!, Period } });
    try {
      const out = await cw.send(
        new GetMetricDataCommand({
          ...window,
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [withPeriod(query('n', 'RequestCount', 'Sum'), 1), withPeriod(query('x', 'HTTPCode_Target_5XX_Count', 'Sum'), 1), withPeriod(query('five', 'RequestCount', 'Sum'), 5)],
        }),
      );
      expect(out.MetricDataResults?.map((r) => [r.Id, r.Timestamps?.map((d) => d.getTime() - t0), r.Values])).toEqual([
        ['n', [0, 1000, 3000, 4000, 5000], [2, 1, 1, 1, 1]],
        ['x', [0, 4000], [1, 1]],
        ['five', [0, 5000], [5, 1]],
      ]);
    } finally {
      cw.destroy();
      await small.close();
    }
  });

  it('refuses a lab minute that is not a whole number of seconds', () => {
    expect(() => albMetricData(metrics, () => [], { minuteSeconds: 0.5 })).toThrow(/whole number of seconds/);
  });
});
