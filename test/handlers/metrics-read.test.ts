// The judge's CloudWatch reads ask only for periods GetMetricData accepts (1, 5, 10, 30 or a
// multiple of 60): anything else is a ValidationException in AWS, which would fail Evaluate.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readP99 } from '../../lambdas/providers/metrics-read.ts';
import type { MetricSource } from '../../lambdas/providers/traffic/provider.ts';

const cw = mockClient(CloudWatchClient);
const source: MetricSource = {
  namespace: 'AWS/ApplicationELB',
  stable: [{ Name: 'TargetGroup', Value: 'targetgroup/blue/1' }],
  canary: [{ Name: 'TargetGroup', Value: 'targetgroup/green/2' }],
  metrics: { requests: 'RequestCount', errors: 'HTTPCode_Target_5XX_Count', latency: 'TargetResponseTime', latencyUnit: 'Seconds' },
};

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

describe('readP99: one period over the whole window', () => {
  it.each([
    [2, 5],
    [30, 30],
    [31, 60],
    [547, 600],
    [600, 600],
  ])('a %i-s window asks for a %i-s period', async (window, period) => {
    const from = Date.parse('2026-12-02T10:00:00Z');
    await readP99(new CloudWatchClient({}), source, from, from + window * 1000);
    const queries = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries ?? [];
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q.MetricStat?.Period).toBe(period);
  });
});
