// Evaluate with the judge: the exact GetMetricData it sends (AWS/ApplicationELB per TargetGroup and
// LoadBalancer, closed minutes only, each minute read once), what it records in the state, and
// that "off" (or a layer without per-side metrics) sends nothing.
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/handlers/evaluate.ts';
import { setClock } from '../../lambdas/handlers/deps.ts';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { actionsAtPercent, ARN, baseInput, cw, notified, resetAws, restoreNotifier, stateFor, T0, world } from './fixtures.ts';

const LB = 'app/web/50dc6c495c0c9188';
const dims = (tg: string) => [
  { Name: 'TargetGroup', Value: tg.replace(/^.*:(targetgroup\/.+)$/, '$1') },
  { Name: 'LoadBalancer', Value: LB },
];
const MIN = 60_000;
/** Per minute: stable 900 requests / 4 5xx, canary 100 / `canaryErrors`; every answer recorded. */
let canaryErrors = 0;
function answer(): void {
  cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[]; StartTime: Date; EndTime: Date }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => {
      const canary = q.Id!.startsWith('canary');
      const kind = q.Id!.split('_')[1];
      const value = kind === 'requests' || kind === 'samples' ? (canary ? 100 : 900) : kind === 'errors' ? (canary ? canaryErrors : 4) : kind === 'fast' ? 99 : 0.2;
      const times: Date[] = [];
      for (let t = input.StartTime.getTime(); t < input.EndTime.getTime(); t += q.MetricStat!.Period! * 1000) times.push(new Date(t));
      return { Id: q.Id, Timestamps: times, Values: times.map(() => value) };
    }),
  }));
}

const judged = (over = {}) => stateFor(baseInput({ judge: undefined, ...over }), { position: 1 });

beforeEach(() => {
  resetAws();
  world.listener.DefaultActions = actionsAtPercent(10);
  canaryErrors = 0;
  answer();
});
afterAll(restoreNotifier);

describe('evaluate: the judge', () => {
  it('on by default for an ALB: baseline hour once, then the closed minutes since the shift, with exact queries', async () => {
    setClock(() => T0 + 5 * MIN + 30_000);
    const next = await handler(judged());
    const calls = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    const [baseline, periods] = calls;
    expect(baseline).toMatchObject({ StartTime: new Date(T0 - 60 * MIN), EndTime: new Date(T0), ScanBy: 'TimestampAscending' });
    expect(baseline?.MetricDataQueries?.map((q) => [q.Id, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['stable_requests', 'RequestCount', 'Sum', 60],
      ['stable_errors', 'HTTPCode_Target_5XX_Count', 'Sum', 60],
      ['stable_p99', 'TargetResponseTime', 'p99', 3600],
    ]);
    // 10:05:30 less the 120-s settle: minutes 10:00, 10:01 and 10:02 are closed.
    expect(periods).toMatchObject({ StartTime: new Date(T0), EndTime: new Date(T0 + 3 * MIN) });
    expect(periods?.MetricDataQueries?.map((q) => [q.Id, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat])).toEqual([
      ['stable_requests', 'RequestCount', 'Sum'],
      ['stable_errors', 'HTTPCode_Target_5XX_Count', 'Sum'],
      ['stable_samples', 'TargetResponseTime', 'SampleCount'],
      ['stable_fast', 'TargetResponseTime', 'PR(:0.2)'],
      ['canary_requests', 'RequestCount', 'Sum'],
      ['canary_errors', 'HTTPCode_Target_5XX_Count', 'Sum'],
      ['canary_samples', 'TargetResponseTime', 'SampleCount'],
      ['canary_fast', 'TargetResponseTime', 'PR(:0.2)'],
    ]);
    expect(periods?.MetricDataQueries?.[0]?.MetricStat?.Metric).toEqual({ Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dims(ARN.blue) });
    expect(periods?.MetricDataQueries?.[4]?.MetricStat?.Metric?.Dimensions).toEqual(dims(ARN.green));
    // Warm-up 10:00 counts for the gross guard only; 10:01 and 10:02 are in the test.
    expect(next.judge).toMatchObject({
      step: 1,
      from: new Date(T0 + MIN).toISOString(),
      through: new Date(T0 + 3 * MIN).toISOString(),
      baseline: { phi: 1, stable: { requests: 54_000, events: 240 }, latencyThresholdMs: 200, thresholdFrom: 'stable-p99' },
      errors: { periods: 2, canary: { requests: 200, events: 0 }, stable: { requests: 1800, events: 8 } },
      total: { canary: { requests: 300, events: 0 } },
    });
    expect(next.decision).toMatchObject({ action: 'bake', reason: expect.stringMatching(/^baking step 10%: 330s of 600s, 2 alarms OK, 2 canary targets healthy, judge inconclusive$/) });
    expect(next.decision?.checks?.map((v) => [v.check, v.status])).toEqual([
      ['drift', 'pass'],
      ['canary-health', 'pass'],
      ['judge', 'pass'],
    ]);
  });

  it('adds each closed minute once: the next poll reads only the minutes after `through`, and none while nothing closed', async () => {
    setClock(() => T0 + 5 * MIN + 30_000);
    const first = await handler(judged());
    cw.resetHistory();
    setClock(() => T0 + 5 * MIN + 50_000); // same minute: nothing new is closed
    const same = await handler(first);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(same.judge).toEqual(first.judge);
    setClock(() => T0 + 7 * MIN);
    const later = await handler(same);
    const reads = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(reads.map((r) => [r.StartTime, r.EndTime])).toEqual([[new Date(T0 + 3 * MIN), new Date(T0 + 5 * MIN)]]);
    expect(later.judge?.errors.periods).toBe(4);
  });

  it('a new step restarts the test (fresh baseline and counts)', async () => {
    setClock(() => T0 + 5 * MIN);
    const at10 = await handler(judged());
    const moved: RolloutState = { ...at10, position: 2, stepStartedAt: new Date(T0 + 10 * MIN).toISOString(), expected: at10.expected };
    world.listener.DefaultActions = actionsAtPercent(10);
    setClock(() => T0 + 11 * MIN);
    const next = await handler(moved);
    expect(next.judge).toMatchObject({ step: 2, from: new Date(T0 + 11 * MIN).toISOString(), errors: { periods: 0 } });
  });

  it('canary 10% 5xx against stable 0.44%: rolled back on the judge with its evidence', async () => {
    canaryErrors = 10;
    setClock(() => T0 + 5 * MIN);
    const next = await handler(judged());
    expect(next.decision?.action).toBe('rollback');
    expect(next.decision?.reason).toMatch(/^judge: error rate: canary worse than stable: canary 20\/200 5xx \(10\.0%\) vs stable 8\/1800 \(0\.44%\)/);
  });

  it('response "notify": told to Slack once per signal per step, and the rollout carries on', async () => {
    world.alarms['web-green-5xx'] = { state: 'ALARM', reason: 'Threshold Crossed' };
    setClock(() => T0 + 5 * MIN);
    const first = await handler(stateFor(baseInput({ slack: { channel: 'C0123456' }, responses: { 'web-green-5xx': 'notify' } }), { position: 1 }));
    expect(first.decision?.action).toBe('bake');
    expect(notified).toEqual([{ kind: 'notice', executionArn: ARN.execution, percent: 10, check: 'alarms', reason: 'alarm web-green-5xx in ALARM at step 10% (Threshold Crossed)' }]);
    expect(first.notified).toEqual(['1:alarms:web-green-5xx']);
    setClock(() => T0 + 6 * MIN);
    const second = await handler(first);
    expect(second.decision?.action).toBe('bake');
    expect(notified).toHaveLength(1);
  });

  it('"judge": "off" sends no GetMetricData and records nothing', async () => {
    setClock(() => T0 + 5 * MIN);
    const next = await handler(judged({ judge: 'off' }));
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(next.judge).toBeUndefined();
    expect(next.decision).toEqual({ action: 'bake', reason: 'baking step 10%: 300s of 600s, 2 alarms OK, 2 canary targets healthy' });
  });
});
