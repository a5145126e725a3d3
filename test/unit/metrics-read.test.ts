// metrics-read: GetMetricData answers turned into per-period counts. A missing datapoint is 0 (ALB
// reports nothing for a minute without requests), slow = SampleCount × (1 − PR/100), PR missing
// while there are samples is "unknown" (null), every page is read, points outside the window ignored.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readBaseline, readP99, readPeriods } from '../../lambdas/providers/metrics-read.ts';
import type { MetricSource } from '../../lambdas/providers/traffic/provider.ts';

const cwMock = mockClient(CloudWatchClient);
const cw = new CloudWatchClient({ region: 'us-east-1' });
afterEach(() => cwMock.reset());
const T = Date.parse('2026-12-02T10:00:00Z');
const MIN = 60_000;
const SOURCE: MetricSource = {
  namespace: 'AWS/ApplicationELB',
  stable: [{ Name: 'TargetGroup', Value: 'targetgroup/blue/1' }],
  canary: [{ Name: 'TargetGroup', Value: 'targetgroup/green/2' }],
  metrics: { requests: 'RequestCount', errors: 'HTTPCode_Target_5XX_Count', latency: 'TargetResponseTime', latencyUnit: 'Seconds' },
};
const at = (...minutes: number[]) => minutes.map((m) => new Date(T + m * MIN));

describe('metrics-read', () => {
  it('counts per period: missing = 0, slow from PR, PR missing with samples = null; two pages', async () => {
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'stable_requests', Timestamps: at(0, 1, 2), Values: [1000, 1000, 1000] },
          { Id: 'stable_errors', Timestamps: at(1), Values: [5] },
          { Id: 'stable_samples', Timestamps: at(0, 1, 2), Values: [1000, 1000, 1000] },
          { Id: 'stable_fast', Timestamps: at(0, 1), Values: [99, 98.5] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'canary_requests', Timestamps: at(0, 2, 9), Values: [100, 50, 77] },
          { Id: 'canary_errors', Timestamps: at(2), Values: [3] },
          { Id: 'canary_samples', Timestamps: at(0, 2), Values: [100, 50] },
          { Id: 'canary_fast', Timestamps: at(0, 2), Values: [90, 80] },
        ],
      });
    const periods = await readPeriods(cw, SOURCE, T, T + 3 * MIN, 60, 250);
    expect(periods).toEqual([
      { start: '2026-12-02T10:00:00.000Z', stable: { requests: 1000, errors: 0, samples: 1000, slow: 10 }, canary: { requests: 100, errors: 0, samples: 100, slow: 10 } },
      { start: '2026-12-02T10:01:00.000Z', stable: { requests: 1000, errors: 5, samples: 1000, slow: 15 }, canary: { requests: 0, errors: 0, samples: 0, slow: 0 } },
      { start: '2026-12-02T10:02:00.000Z', stable: { requests: 1000, errors: 0, samples: 1000, slow: null }, canary: { requests: 50, errors: 3, samples: 50, slow: 10 } },
    ]);
    const calls = cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, 'page-2']);
    expect(calls[0]?.MetricDataQueries?.find((q) => q.Id === 'canary_fast')?.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: SOURCE.canary },
      Period: 60,
      Stat: 'PR(:0.25)',
    });
  });

  it('the PR threshold is written in the metric\'s unit without float noise', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await readPeriods(cw, SOURCE, T, T + MIN, 60, 300.0000001 + 0.1 + 0.2 - 0.3);
    expect(cwMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.find((q) => q.Id === 'stable_fast')?.MetricStat?.Stat).toBe('PR(:0.3)');
  });

  it('the baseline: stable totals, φ of its per-minute errors, p99 in ms as the threshold', async () => {
    cwMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'stable_requests', Timestamps: at(-3, -2, -1), Values: [1000, 1000, 1000] },
        { Id: 'stable_errors', Timestamps: at(-3, -2, -1), Values: [0, 30, 0] },
        { Id: 'stable_p99', Timestamps: at(-3), Values: [0.31] },
      ],
    });
    const b = await readBaseline(cw, SOURCE, T + 10_000, 180, 60, undefined);
    expect(b).toMatchObject({ stable: { requests: 3000, events: 30 }, latencyThresholdMs: 310, thresholdFrom: 'stable-p99' });
    expect(b.phi).toBeGreaterThan(10);
    expect(cwMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input).toMatchObject({ StartTime: new Date(T - 3 * MIN), EndTime: new Date(T) });
  });

  it('a threshold from the input is used as is (no p99 read); the p99 window reads both sides', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    expect(await readBaseline(cw, SOURCE, T, 3600, 60, 400)).toEqual({ phi: 1, stable: { requests: 0, events: 0 }, latencyThresholdMs: 400, thresholdFrom: 'input' });
    expect(cwMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.map((q) => q.Id)).toEqual(['stable_requests', 'stable_errors']);
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'stable_p99', Timestamps: at(0), Values: [0.2] }, { Id: 'canary_p99', Timestamps: at(0), Values: [0.29] }, { Id: 'canary_samples', Timestamps: at(0), Values: [1500] }] });
    expect(await readP99(cw, SOURCE, T, T + 5 * MIN)).toEqual({ stableMs: 200, canaryMs: 290, canarySamples: 1500 });
  });
});
