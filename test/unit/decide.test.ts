// decide(): the one judgement per poll, table-tested. Plan: 1 → 10 → 20 → 50 → 100, bake 600 s.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type AlarmObservation, type DecisionPolicy, type Observations, type Position } from '../../lambdas/domain/decide.ts';
import type { PlanStep } from '../../lambdas/domain/plan.ts';
import { weightsFor } from '../../lambdas/domain/weights.ts';

const STEPS: PlanStep[] = [1, 10, 20, 50, 100].map((percent, index) => ({ index, percent, weights: weightsFor(percent), approval: false }));
const TG = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const PAIR = { stable: TG('blue'), canary: TG('green') };
/** The forward action's weights at a step: the pair's, plus legacy (weight 0, so the pair's exact weights apply). */
const mapOf = (w: { stable: number; canary: number }): Record<string, number> => ({ [PAIR.stable]: w.stable, [PAIR.canary]: w.canary, [TG('legacy')]: 0 });
const T = Date.UTC(2025, 0, 6, 1, 0, 0);
const BAKE = 600;

const policy = (over: Partial<DecisionPolicy> = {}): DecisionPolicy => ({ bakeSeconds: BAKE, insufficientData: 'fail', minHealthyTargets: 1, steps: STEPS, ...over });
const at = (stepIndex: number): Position => ({ stepIndex, stepStartedAt: T, expected: mapOf(STEPS[stepIndex]!.weights), pair: PAIR });
const ok = (name: string): AlarmObservation => ({ name, state: 'OK' });
const obs = (stepIndex: number, over: Partial<Observations> = {}): Observations => ({
  now: T + 60_000,
  alarms: [ok('web-green-5xx'), ok('web-green-p99')],
  canaryHealthy: 2,
  weights: mapOf(STEPS[stepIndex]!.weights),
  ...over,
});

describe('decide: table', () => {
  const step10 = 1;
  const cases: [string, Observations, DecisionPolicy, Position, { action: string; reason: string | RegExp }][] = [
    [
      'an alarm in ALARM → rollback naming the alarm and the step',
      obs(step10, { alarms: [ok('web-green-p99'), { name: 'web-green-5xx', state: 'ALARM' }] }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10%' },
    ],
    [
      'the alarm state reason is quoted',
      obs(step10, { alarms: [{ name: 'web-green-5xx', state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [12.0] was greater than 5.0' }] }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10% (Threshold Crossed: 1 datapoint [12.0] was greater than 5.0)' },
    ],
    [
      'several alarms in ALARM are all named',
      obs(step10, { alarms: [{ name: 'web-green-5xx', state: 'ALARM' }, { name: 'web-green-p99', state: 'ALARM' }] }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'alarm web-green-5xx, web-green-p99 in ALARM at step 10%' },
    ],
    [
      'an alarm in ALARM wins even after the bake time (never promote past a firing alarm)',
      obs(4, { now: T + 3_600_000, alarms: [{ name: 'web-green-5xx', state: 'ALARM' }] }),
      policy(),
      at(4),
      { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 100%' },
    ],
    [
      'INSUFFICIENT_DATA with policy fail → rollback',
      obs(step10, { alarms: [ok('web-green-5xx'), { name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'fail' }),
      at(step10),
      { action: 'rollback', reason: 'alarm web-green-p99 has INSUFFICIENT_DATA at step 10% and insufficientData is "fail"' },
    ],
    [
      'INSUFFICIENT_DATA with policy ignore → treated as OK (bakes while baking)',
      obs(step10, { alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'ignore' }),
      at(step10),
      { action: 'bake', reason: /^baking step 10%: 60s of 600s/ },
    ],
    [
      'INSUFFICIENT_DATA with policy ignore → treated as OK (advances once baked)',
      obs(step10, { now: T + 600_000, alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'ignore' }),
      at(step10),
      { action: 'advance', reason: /^step 10% baked 600s .*advancing to 20%$/ },
    ],
    [
      'INSUFFICIENT_DATA with policy wait → bake, even after the bake time',
      obs(step10, { now: T + 900_000, alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'wait' }),
      at(step10),
      { action: 'bake', reason: 'holding step 10%: alarm web-green-p99 has INSUFFICIENT_DATA (900s baked, rolls back at 2400s)' },
    ],
    [
      'INSUFFICIENT_DATA with policy wait → rollback once bakeSeconds + the default 1800 s hold have passed',
      obs(step10, { now: T + 2_400_000, alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'wait' }),
      at(step10),
      {
        action: 'rollback',
        reason:
          'alarm web-green-p99 still has INSUFFICIENT_DATA at step 10% after 2400s (bakeSeconds 600 + insufficientDataWaitSeconds 1800); ' +
          "check that the alarm's metric reports at this traffic share, or raise insufficientDataWaitSeconds",
      },
    ],
    [
      'INSUFFICIENT_DATA with policy wait and insufficientDataWaitSeconds 60 → still holding at 659 s, rollback at 660 s',
      obs(step10, { now: T + 659_000, alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'wait', insufficientDataWaitSeconds: 60 }),
      at(step10),
      { action: 'bake', reason: 'holding step 10%: alarm web-green-p99 has INSUFFICIENT_DATA (659s baked, rolls back at 660s)' },
    ],
    [
      'INSUFFICIENT_DATA with policy wait and insufficientDataWaitSeconds 60 → rollback at 660 s',
      obs(step10, { now: T + 660_000, alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }] }),
      policy({ insufficientData: 'wait', insufficientDataWaitSeconds: 60 }),
      at(step10),
      { action: 'rollback', reason: /^alarm web-green-p99 still has INSUFFICIENT_DATA at step 10% after 660s \(bakeSeconds 600 \+ insufficientDataWaitSeconds 60\)/ },
    ],
    [
      'INSUFFICIENT_DATA with policy wait does not hide an alarm in ALARM',
      obs(step10, { alarms: [{ name: 'web-green-p99', state: 'INSUFFICIENT_DATA' }, { name: 'web-green-5xx', state: 'ALARM' }] }),
      policy({ insufficientData: 'wait' }),
      at(step10),
      { action: 'rollback', reason: 'alarm web-green-5xx in ALARM at step 10%' },
    ],
    [
      'canary healthy targets below minimum → rollback',
      obs(step10, { canaryHealthy: 1 }),
      policy({ minHealthyTargets: 2 }),
      at(step10),
      { action: 'rollback', reason: 'canary has 1 healthy target at step 10%, fewer than minHealthyTargets 2' },
    ],
    [
      'no healthy canary target → rollback',
      obs(step10, { canaryHealthy: 0 }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'canary has 0 healthy targets at step 10%, fewer than minHealthyTargets 1' },
    ],
    [
      'weights changed by someone else → rollback with expected and found',
      obs(step10, { weights: mapOf({ stable: 1, canary: 1 }) }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'weights changed outside the rollout at step 10%: expected 90/10, found 50/50' },
    ],
    [
      'same share with other integers is still a change by someone else',
      obs(step10, { weights: mapOf({ stable: 18, canary: 2 }) }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'weights changed outside the rollout at step 10%: expected 90/10 (9:1), found 90/10 (18:2)' },
    ],
    [
      'another target group in the forward action changed → rollback naming it',
      obs(step10, { weights: { ...mapOf(STEPS[step10]!.weights), [TG('legacy')]: 5 } }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'weights changed outside the rollout at step 10%: target group legacy (expected 0, found 5) changed' },
    ],
    [
      'a target group removed from the forward action → rollback naming it',
      obs(step10, { weights: { [PAIR.stable]: 9, [PAIR.canary]: 1 } }),
      policy(),
      at(step10),
      { action: 'rollback', reason: 'weights changed outside the rollout at step 10%: target group legacy (expected 0, found absent) changed' },
    ],
    [
      'bake time not yet elapsed → bake',
      obs(step10, { now: T + 599_999 }),
      policy(),
      at(step10),
      { action: 'bake', reason: 'baking step 10%: 599s of 600s, 2 alarms OK, 2 canary targets healthy' },
    ],
    [
      'bake time elapsed → advance to the next step',
      obs(step10, { now: T + 600_000 }),
      policy(),
      at(step10),
      { action: 'advance', reason: 'step 10% baked 600s with 2 alarms OK, 2 canary targets healthy: advancing to 20%' },
    ],
    [
      'bake time elapsed after the last step → promote',
      obs(4, { now: T + 601_000, alarms: [ok('web-green-5xx')], canaryHealthy: 1 }),
      policy(),
      at(4),
      { action: 'promote', reason: 'step 100% baked 601s with 1 alarm OK, 1 canary target healthy: promoting' },
    ],
    [
      'no alarms watched: judged on health and time alone',
      obs(0, { now: T + 700_000, alarms: [] }),
      policy(),
      at(0),
      { action: 'advance', reason: 'step 1% baked 700s with 0 alarms OK, 2 canary targets healthy: advancing to 10%' },
    ],
    [
      'a clock behind the step start counts as 0 s baked, not negative',
      obs(step10, { now: T - 5_000 }),
      policy(),
      at(step10),
      { action: 'bake', reason: /^baking step 10%: 0s of 600s/ },
    ],
  ];

  it.each(cases)('%s', (_name, o, p, pos, expected) => {
    const d = decide(o, p, pos);
    expect(d.action).toBe(expected.action);
    if (typeof expected.reason === 'string') expect(d.reason).toBe(expected.reason);
    else expect(d.reason).toMatch(expected.reason);
  });

  it('refuses a position outside the plan', () => {
    expect(() => decide(obs(0), policy(), { ...at(0), stepIndex: 5 })).toThrow(/step index 5 is outside the plan \(5 steps\)/);
  });
});

describe('decide: properties', () => {
  const state = fc.constantFrom('OK', 'ALARM', 'INSUFFICIENT_DATA') as fc.Arbitrary<AlarmObservation['state']>;
  const scenario = fc.record({
    stepIndex: fc.integer({ min: 0, max: STEPS.length - 1 }),
    elapsedMs: fc.integer({ min: 0, max: 2 * BAKE * 1000 }),
    alarms: fc.array(state, { maxLength: 4 }),
    canaryHealthy: fc.integer({ min: 0, max: 5 }),
    minHealthyTargets: fc.integer({ min: 1, max: 3 }),
    insufficientData: fc.constantFrom('fail', 'ignore', 'wait') as fc.Arbitrary<DecisionPolicy['insufficientData']>,
    drift: fc.boolean(),
  });

  it('rolls back exactly when something is wrong, and never moves on before the bake time', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const alarms = s.alarms.map((st, i) => ({ name: `alarm-${i}`, state: st }));
        const pair = STEPS[s.stepIndex]!.weights;
        const expected = mapOf(pair);
        const d = decide(
          { now: T + s.elapsedMs, alarms, canaryHealthy: s.canaryHealthy, weights: s.drift ? mapOf({ stable: pair.stable + 1, canary: pair.canary }) : expected },
          policy({ minHealthyTargets: s.minHealthyTargets, insufficientData: s.insufficientData }),
          { stepIndex: s.stepIndex, stepStartedAt: T, expected, pair: PAIR },
        );
        const wrong =
          s.drift ||
          s.alarms.includes('ALARM') ||
          (s.insufficientData === 'fail' && s.alarms.includes('INSUFFICIENT_DATA')) ||
          s.canaryHealthy < s.minHealthyTargets;
        expect(d.action === 'rollback').toBe(wrong);
        if (d.action === 'advance' || d.action === 'promote') {
          expect(s.elapsedMs).toBeGreaterThanOrEqual(BAKE * 1000);
          expect(d.action === 'promote').toBe(s.stepIndex === STEPS.length - 1);
        }
        expect(d.reason).toContain(`${STEPS[s.stepIndex]!.percent}%`);
      }),
      { numRuns: 2000 },
    );
  });
});
