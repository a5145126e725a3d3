// Rollout state transitions and rollbackCause: one line a human can act on, for every way a
// rollout ends in Rollback (decision, Lambda error, approval timeout, rejection).
import { describe, expect, it } from 'vitest';
import { validateInput } from '../../lambdas/domain/input.ts';
import { buildPlan } from '../../lambdas/domain/plan.ts';
import { afterDecision, afterShift, causeMessage, humanSeconds, nextStep, rollbackCause, type RolloutState } from '../../lambdas/domain/rollout.ts';

const target = {
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067',
  canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068',
};

function initial(approvalsBefore: number[] = [50, 100]): RolloutState {
  const r = validateInput({ target, approvals: { before: approvalsBefore } });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  const plan = buildPlan(r.input);
  return {
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:canary-switch:run-1',
    startedAt: '2025-01-06T01:00:00.000Z',
    input: r.input,
    plan,
    lockKey: `lock#${target.listenerArn}`,
    original: { actions: [], weights: { [target.stable]: 1, [target.canary]: 0 } },
    position: -1,
    next: nextStep(plan, 0),
    stepStartedAt: null,
    expected: { [target.stable]: 1, [target.canary]: 0 },
    history: [],
  };
}

const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at handler (file:///var/task/index.mjs:1:1)'] });

describe('state transitions', () => {
  it('afterShift moves to the step, records history and drops the last decision and error', () => {
    const s = { ...initial(), decision: { action: 'advance' as const, reason: 'x' }, error: { Error: 'States.Timeout' } };
    const at = new Date('2025-01-06T01:05:00.000Z');
    const next = afterShift(s, 0, { [target.stable]: 99, [target.canary]: 1 }, at);
    expect(next).toMatchObject({ position: 0, next: null, stepStartedAt: at.toISOString(), expected: { [target.stable]: 99, [target.canary]: 1 } });
    expect(next.history).toEqual([{ percent: 1, startedAt: at.toISOString(), weights: { stable: 99, canary: 1 } }]);
    expect(next).not.toHaveProperty('decision');
    expect(next).not.toHaveProperty('error');
    expect(() => afterShift(s, 9, { [target.stable]: 0, [target.canary]: 1 }, at)).toThrow(RangeError);
  });

  it('afterDecision points `next` at the following step only on advance, carrying its approval gate', () => {
    const s = afterShift(initial(), 2, { [target.stable]: 4, [target.canary]: 1 }, new Date());
    expect(afterDecision(s, { action: 'advance', reason: 'r' }).next).toEqual({ index: 3, percent: 50, approval: true });
    for (const action of ['bake', 'promote', 'rollback'] as const) expect(afterDecision(s, { action, reason: 'r' }).next).toBeNull();
  });
});

describe('rollbackCause', () => {
  it('a rollback decision: its reason, as is', () => {
    const s = afterDecision(afterShift(initial(), 1, { [target.stable]: 9, [target.canary]: 1 }, new Date()), { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10%' });
    expect(rollbackCause(s)).toBe('alarm web-green-5xx in ALARM at step 10%');
  });

  it('a Lambda error while moving to a step: the error name and the message from the JSON cause', () => {
    const s = { ...initial(), next: { index: 1, percent: 10, approval: false }, position: 0, error: { Error: 'InsufficientHealthyTargets', Cause: lambdaCause('InsufficientHealthyTargets', 'refusing to send 10% to green: 0 of 2 targets healthy, minHealthyTargets is 1') } };
    expect(rollbackCause(s)).toBe('InsufficientHealthyTargets: refusing to send 10% to green: 0 of 2 targets healthy, minHealthyTargets is 1 while moving to step 10%');
  });

  it('a Lambda error while baking: names the step in effect', () => {
    const s = { ...afterShift(initial(), 3, { [target.stable]: 1, [target.canary]: 1 }, new Date()), error: { Error: 'AlarmNotFound', Cause: lambdaCause('AlarmNotFound', 'alarm web-green-p99 not found') } };
    expect(rollbackCause(s)).toBe('AlarmNotFound: alarm web-green-p99 not found at step 50%');
  });

  it('an error before the first step, and a plain-text cause', () => {
    const s = { ...initial(), next: null, error: { Error: 'States.TaskFailed', Cause: 'Lambda timed out' } };
    expect(rollbackCause(s)).toBe('States.TaskFailed: Lambda timed out before the first step');
  });

  it('an error without a cause', () => {
    const s = { ...afterShift(initial(), 0, { [target.stable]: 99, [target.canary]: 1 }, new Date()), error: { Error: 'States.Runtime' } };
    expect(rollbackCause(s)).toBe('States.Runtime at step 1%');
  });

  it('an approval timeout: how long it waited and which step it was for', () => {
    const s = afterDecision(afterShift(initial(), 2, { [target.stable]: 4, [target.canary]: 1 }, new Date()), { action: 'advance', reason: 'baked' });
    expect(rollbackCause({ ...s, error: { Error: 'States.Timeout', Cause: 'Task timed out' } })).toBe('approval timed out after 1h before step 50%');
  });

  it.each([
    [90, '90s'],
    [1800, '30m'],
    [5400, '90m'],
    [7200, '2h'],
  ])('an approval timeout of %i s reads %s', (timeoutSeconds, text) => {
    const base = initial([1]);
    const s = { ...base, input: { ...base.input, approvals: { ...base.input.approvals, timeoutSeconds } }, error: { Error: 'States.Timeout' } };
    expect(rollbackCause(s)).toBe(`approval timed out after ${text} before step 1%`);
  });

  it('a rejection: who rejected and why, before which step', () => {
    const s = afterDecision(afterShift(initial(), 2, { [target.stable]: 4, [target.canary]: 1 }, new Date()), { action: 'advance', reason: 'baked' });
    expect(rollbackCause({ ...s, error: { Error: 'Rejected', Cause: 'rejected by U123ABC (@alice): p99 looks off' } })).toBe('rejected by U123ABC (@alice): p99 looks off before step 50%');
    expect(rollbackCause({ ...s, error: { Error: 'Rejected' } })).toBe('approval rejected before step 50%');
  });

  it('the previous advance decision does not mask the error that followed it', () => {
    const s = afterDecision(afterShift(initial(), 0, { [target.stable]: 99, [target.canary]: 1 }, new Date()), { action: 'advance', reason: 'step 1% baked' });
    expect(rollbackCause({ ...s, error: { Error: 'DriftDetected', Cause: lambdaCause('DriftDetected', 'weights changed outside the rollout before step 10%: expected 99/1, found 50/50') } })).toBe(
      'DriftDetected: weights changed outside the rollout before step 10%: expected 99/1, found 50/50 while moving to step 10%',
    );
  });

  it('nothing known: still one line', () => {
    expect(rollbackCause({})).toBe('rolled back before the first step');
  });
});

describe('causeMessage / humanSeconds', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['plain text', 'plain text'],
    ['{"errorType":"X","errorMessage":"boom"}', 'boom'],
    ['{"other":"json"}', '{"other":"json"}'],
    ['null', 'null'],
    ['[1,2]', '[1,2]'],
  ])('causeMessage(%j) = %j', (cause, message) => {
    expect(causeMessage(cause)).toBe(message);
  });

  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [61, '61s'],
    [3600, '1h'],
    [3660, '61m'],
    [86400, '24h'],
  ])('humanSeconds(%i) = %s', (s, text) => {
    expect(humanSeconds(s)).toBe(text);
  });
});
