// The judge through the real ASL and handlers: GetMetricData answered from per-target-group counts
// that follow the listener's live weights. A canary at 5% 5xx against stable's 0.5% is rolled back
// to the exact original; a healthy canary is promoted; "hold" turns the failure into an approval.
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../lambdas/domain/decide.ts';
import type { RolloutState } from '../../lambdas/domain/rollout.ts';
import { client } from '../../lambdas/providers/clients.ts';
import { RolloutStore } from '../../lambdas/providers/store.ts';
import type { WorkflowOptions } from '../../lab/local-workflow.ts';
import { BLUE, GREEN, OTHER, TABLE, execArn, originalActions, rolloutInput, runRollout, type Bench, withBench } from './harness.ts';

let bench: Bench;
let runs = 0;
withBench((b) => (bench = b));

/** Requests per minute through the pair, and each side's 5xx rate. */
const traffic = { perMinute: 6000, stableRate: 0.005, canaryRate: 0.005 };

/** AWS/ApplicationELB as GetMetricData answers it: Sums per period, TargetResponseTime SampleCount, PR(:T) and p99. */
function answerMetrics(b: Bench): void {
  b.cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[]; StartTime: Date; EndTime: Date }) => {
    const w = b.weights();
    const share = (w[GREEN] ?? 0) / ((w[GREEN] ?? 0) + (w[BLUE] ?? 0));
    return {
      MetricDataResults: input.MetricDataQueries.map((q) => {
        const stat = q.MetricStat!;
        const canary = stat.Metric!.Dimensions!.some((d) => d.Name === 'TargetGroup' && GREEN.endsWith(d.Value!));
        const requests = Math.round(traffic.perMinute * (canary ? share : 1 - share));
        const errors = Math.round(requests * (canary ? traffic.canaryRate : traffic.stableRate));
        const value = stat.Stat === 'Sum' ? (stat.Metric!.MetricName === 'RequestCount' ? requests : errors) : stat.Stat === 'SampleCount' ? requests : stat.Stat === 'p99' ? 0.2 : 99;
        const times: Date[] = [];
        for (let t = input.StartTime.getTime(); t < input.EndTime.getTime(); t += stat.Period! * 1000) if (requests > 0) times.push(new Date(t));
        return { Id: q.Id, StatusCode: 'Complete', Timestamps: times, Values: times.map(() => value) };
      }),
    };
  });
}

const run = (input: Record<string, unknown>, options: Partial<WorkflowOptions> = {}) => {
  answerMetrics(bench);
  return runRollout(bench, execArn(`judge-${++runs}`), input, options);
};
/** Judge on (its defaults), no alarms: the judge alone decides. */
const judged = (over: Record<string, unknown> = {}) => rolloutInput({ steps: [10, 50, 100], bakeSeconds: 600, pollSeconds: 60, alarms: [], judge: {}, ...over });
const decisions = (events: { type: string; state?: string; output?: unknown }[]) =>
  events.filter((e) => e.type === 'StateExited' && e.state === 'Evaluate').map((e) => (e.output as RolloutState).decision as Decision);

describe('the judge in the workflow', () => {
  it('canary 5% 5xx vs stable 0.5% at 10%: rolled back to the exact original, with the evidence in the decision and the audit trail', async () => {
    Object.assign(traffic, { canaryRate: 0.05 });
    const r = run(judged());
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect((result as { cause: string }).cause).toMatch(/^judge: error rate: canary worse than stable: canary 30\/600 5xx \(5\.00%\) vs stable 27\/5400 \(0\.50%\); log-LR 15\.\d+ at ρ1 2, mixed \d+\.\d+ \(ρ 2, 6\.3\d, 20\); rollback at 6\.86 \(mixed\)/);
    expect(bench.actions).toEqual(originalActions());
    expect(bench.weights()).toEqual({ [BLUE]: 1, [GREEN]: 0, [OTHER]: 1 });
    const last = decisions(r.events).at(-1);
    expect(last?.action).toBe('rollback');
    const verdict = last?.checks?.find((v) => v.check === 'judge');
    expect(verdict?.evidence).toMatchObject({
      verdict: 'fail',
      judgedFrom: '2026-11-22T10:01:00.000Z',
      judgedThrough: '2026-11-22T10:02:00.000Z',
      errors: { verdict: 'fail', stable: { requests: 5400, events: 27 }, canary: { requests: 600, events: 30 }, rho1: 2 },
      bounds: { alpha: 0.001, beta: 0.05 },
    });
    const trail = await new RolloutStore(client('dynamo'), TABLE).auditTrail(r.executionArn);
    const entry = trail.find((e) => e.action === 'rollback');
    expect(entry?.why).toMatch(/^judge: error rate: canary worse than stable/);
    expect(entry?.evidence).toEqual(last?.checks);
  });

  it('a healthy canary (0.5% like stable) is promoted: no false rollback, each step decided by the test', async () => {
    Object.assign(traffic, { canaryRate: 0.005 });
    const r = run(judged());
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
    const moves = decisions(r.events).filter((d) => d.action !== 'bake');
    expect(moves.map((d) => d.action)).toEqual(['advance', 'advance', 'promote']);
    expect(moves[0]?.reason).toMatch(/^step 10% baked 600s with 0 alarms OK, 2 canary targets healthy, judge pass: advancing to 50%$/);
    // The verdicts that advanced each step are in the audit trail with the shift, and in the output.
    const trail = await new RolloutStore(client('dynamo'), TABLE).auditTrail(r.executionArn);
    expect(trail.filter((e) => e.action === 'shift').map((e) => (e.evidence as { check: string; status: string }[] | undefined)?.find((v) => v.check === 'judge')?.status)).toEqual([undefined, 'pass', 'pass']);
    expect((result as { output: { checks: { check: string; status: string }[] } }).output.checks.find((v) => v.check === 'judge')?.status).toBe('pass');
  });

  it('response "hold" for the judge: the step waits for a human instead of rolling back; rejecting rolls back', async () => {
    Object.assign(traffic, { canaryRate: 0.05 });
    const held: RolloutState[] = [];
    const r = run(judged({ responses: { judge: 'hold' } }), {
      approval: async ({ state }) => {
        held.push(state);
        throw Object.assign(new Error('rejected by the on-call engineer'), { name: 'Rejected' });
      },
    });
    const result = await r.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(held).toHaveLength(1);
    expect(held[0]?.next).toEqual({ index: 0, percent: 10, approval: true });
    expect(held[0]?.decision?.reason).toMatch(/^holding step 10% for a human \(response "hold"\): judge: error rate: canary worse than stable/);
    expect(bench.actions).toEqual(originalActions());
  });

  it('approving a held step re-applies it (no write), restarts its test, and the rollout goes on once the canary is healthy', async () => {
    Object.assign(traffic, { canaryRate: 0.05 });
    const held: RolloutState[] = [];
    const r = run(judged({ responses: { judge: 'hold' } }), {
      approval: async ({ state }) => {
        held.push(state);
        Object.assign(traffic, { canaryRate: 0.005 }); // the fix is out
        return { approvedBy: 'U123', at: new Date(bench.clock.now).toISOString() };
      },
    });
    const result = await r.result;
    expect(result.status).toBe('SUCCEEDED');
    expect(held.map((s) => s.next?.percent)).toEqual([10]);
    expect(bench.weights()).toEqual({ [BLUE]: 0, [GREEN]: 1, [OTHER]: 1 });
    // 10% written once (the approved re-apply found it in place), then 50% and 100%.
    expect(bench.modifyCalls()).toBe(3);
    const judgedSteps = r.events.filter((e) => e.type === 'StateExited' && e.state === 'Evaluate').map((e) => (e.output as RolloutState).judge?.step);
    expect(new Set(judgedSteps)).toEqual(new Set([0, 1, 2]));
  });
});
