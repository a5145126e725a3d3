// decide() with the checks seam: graded responses (rollback | hold | notify) per alarm and per
// check, the judge's verdicts in order (drift first, then checks, then bake timing), and the
// input's validation of `judge` and `responses`.
import { describe, expect, it } from 'vitest';
import { decide, type DecisionPolicy, type Observations, type Position } from '../../lambdas/domain/decide.ts';
import { addPeriod, judge, judgeSettings, startProgress, type JudgeReport } from '../../lambdas/domain/judge.ts';
import { validateInput } from '../../lambdas/domain/input.ts';
import type { PlanStep } from '../../lambdas/domain/plan.ts';
import { weightsFor } from '../../lambdas/domain/weights.ts';

const STEPS: PlanStep[] = [1, 10, 100].map((percent, index) => ({ index, percent, weights: weightsFor(percent), approval: false }));
const TG = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const PAIR = { stable: TG('blue'), canary: TG('green') };
const W = { [PAIR.stable]: 9, [PAIR.canary]: 1 };
const T = Date.UTC(2026, 11, 2, 10, 0, 0);
const S = judgeSettings();
const policy = (over: Partial<DecisionPolicy> = {}): DecisionPolicy => ({ bakeSeconds: 600, insufficientData: 'fail', minHealthyTargets: 1, steps: STEPS, ...over });
const pos: Position = { stepIndex: 1, stepStartedAt: T, expected: W, pair: PAIR };
const obs = (over: Partial<Observations> = {}): Observations => ({ now: T + 120_000, alarms: [{ name: 'web-5xx', state: 'OK' }, { name: 'web-p99', state: 'OK' }], canaryHealthy: 2, weights: W, ...over });

/** A report from whole periods: stable 900/`s` 5xx, canary 100/`c` 5xx, `n` of them. */
function report(c: number, s = 4, n = 4): JudgeReport {
  let p = startProgress(1, T, { phi: 1, stable: { requests: 54_000, events: 270 }, latencyThresholdMs: 200, thresholdFrom: 'stable-p99' }, S);
  for (let i = 0; i < n; i += 1) p = addPeriod(p, { start: new Date(T + i * 60_000).toISOString(), stable: { requests: 900, errors: s, samples: 900, slow: 9 }, canary: { requests: 100, errors: c, samples: 100, slow: 1 } }, S);
  return judge(p, S);
}

describe('decide: graded responses', () => {
  it('an alarm answered by "hold" holds the step for a human; the reason names it', () => {
    const d = decide(obs({ alarms: [{ name: 'web-5xx', state: 'OK' }, { name: 'web-p99', state: 'ALARM' }] }), policy({ responses: { 'web-p99': 'hold' } }), pos);
    expect(d.action).toBe('hold');
    expect(d.reason).toBe('holding step 10% for a human (response "hold"): alarm web-p99 in ALARM at step 10%');
  });

  it('"notify" tells and carries on: the bake goes on, the notice is in the decision', () => {
    const d = decide(obs({ alarms: [{ name: 'web-5xx', state: 'ALARM' }, { name: 'web-p99', state: 'OK' }] }), policy({ responses: { alarms: 'notify' } }), pos);
    expect(d.action).toBe('bake');
    expect(d.notices).toEqual(['alarm web-5xx in ALARM at step 10%']);
    expect(d.reason).toBe('baking step 10%: 120s of 600s, 2 alarms OK, 2 canary targets healthy; told, not acted on (response "notify"): alarm web-5xx in ALARM at step 10%');
  });

  it('a rollback among holds wins; alarms with different responses are grouped', () => {
    const alarms = [
      { name: 'web-5xx', state: 'ALARM' as const },
      { name: 'web-p99', state: 'ALARM' as const },
    ];
    const d = decide(obs({ alarms }), policy({ responses: { 'web-5xx': 'hold' } }), pos);
    expect(d).toMatchObject({ action: 'rollback', reason: 'alarm web-p99 in ALARM at step 10%' });
    expect(d.checks?.filter((v) => v.status === 'fail').map((v) => v.response)).toEqual(['hold', 'rollback']);
  });

  it('drift always rolls back, whatever the responses say', () => {
    const d = decide(obs({ weights: { [PAIR.stable]: 1, [PAIR.canary]: 1 } }), policy({ responses: { alarms: 'notify', 'canary-health': 'notify', judge: 'notify' } }), pos);
    expect(d.action).toBe('rollback');
    expect(d.reason).toMatch(/^weights changed outside the rollout at step 10%/);
  });

  it('canary health answered by "hold" holds', () => {
    expect(decide(obs({ canaryHealthy: 0 }), policy({ responses: { 'canary-health': 'hold' } }), pos).action).toBe('hold');
  });
});

describe('decide: the judge among the checks', () => {
  it('a failing judge rolls back with its counts and statistic; the verdicts come with the decision', () => {
    const d = decide(obs({ judge: { report: report(8), settings: S } }), policy(), pos);
    expect(d.action).toBe('rollback');
    expect(d.reason).toMatch(/^judge: error rate: canary worse than stable: canary 24\/300 5xx \(8\.00%\) vs stable 12\/2700 \(0\.44%\); log-LR \d+\.\d+ at ρ1 2, mixed \d+\.\d+ \(ρ 2, 6\.3\d, 20\); rollback at 6\.86 \(mixed\)/);
    expect(d.checks?.map((v) => [v.check, v.status])).toEqual([
      ['drift', 'pass'],
      ['canary-health', 'pass'],
      ['judge', 'fail'],
    ]);
  });

  it('alarms come before the judge: an alarm in ALARM names the alarm', () => {
    const d = decide(obs({ alarms: [{ name: 'web-5xx', state: 'ALARM' }], judge: { report: report(8), settings: S } }), policy(), pos);
    expect(d.reason).toBe('alarm web-5xx in ALARM at step 10%');
  });

  it('an open test at the bake end holds (bake) with the judge\'s reason, then advances at the limit', () => {
    const open = report(1, 4, 4);
    expect(open.verdict).toBe('inconclusive');
    const atEnd = decide(obs({ now: T + 600_000, judge: { report: open, settings: S } }), policy(), pos);
    expect(atEnd).toMatchObject({ action: 'bake', reason: expect.stringMatching(/^judge: holding step 10% until the test decides \(600s baked, at most 900s\)/) });
    expect(decide(obs({ now: T + 900_000, judge: { report: open, settings: S } }), policy(), pos).action).toBe('advance');
  });

  it('a passing judge advances after the bake, and says so', () => {
    const d = decide(obs({ now: T + 600_000, judge: { report: report(0, 9, 8), settings: S } }), policy(), pos);
    expect(d).toMatchObject({ action: 'advance', reason: 'step 10% baked 600s with 2 alarms OK, 2 canary targets healthy, judge pass: advancing to 100%' });
  });

  it('advisory: a failing judge is told, the rollout carries on', () => {
    const advisory = judgeSettings({ mode: 'advisory' });
    const d = decide(obs({ now: T + 600_000, judge: { report: report(8), settings: advisory } }), policy(), pos);
    expect(d.action).toBe('advance');
    expect(d.notices?.[0]).toMatch(/^judge \(advisory\): error rate: canary worse than stable/);
  });
});

describe('input: judge and responses', () => {
  const target = { listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2', stable: TG('blue'), canary: TG('green') };
  const problems = (extra: Record<string, unknown>) => {
    const r = validateInput({ target, alarms: ['web-5xx'], ...extra });
    return r.ok ? [] : r.problems;
  };

  it.each([
    [{}],
    [{ judge: 'off' }],
    [{ judge: { mode: 'advisory' } }],
    [{ judge: { minRatio: 3, maxRatio: 10, latencyThresholdMs: 300, periodSeconds: 120, maxExtendSeconds: 0 } }],
    [{ responses: { 'web-5xx': 'hold', judge: 'notify', 'canary-health': 'rollback', alarms: 'notify' } }],
  ])('accepts %j', (extra) => {
    expect(problems(extra)).toEqual([]);
  });

  it.each([
    [{ judge: 'on' }, /^judge = "on": must be "off" or an object of judge settings/],
    [{ judge: { mode: 'shadow' } }, /^judge\.mode = "shadow": must be "enforce" \(roll back on a regression\) or "advisory"/],
    [{ judge: { minRatio: 0.5 } }, /^judge\.minRatio = 0\.5: must be at least 1\.1/],
    [{ judge: { periodSeconds: 45 } }, /^judge\.periodSeconds = 45: must be 1, 5, 10, 30 or a multiple of 60/],
    [{ judge: { baselineSeconds: 3500 } }, /^judge\.baselineSeconds = 3500: must be 0, 1, 5, 10, 30 or a multiple of 60/],
    [{ judge: { alpha: 0.01 } }, /^judge\.alpha: unknown field/],
    [{ judge: { minRatio: 5, maxRatio: 3 } }, /^judge\.maxRatio = 3: below minRatio 5; set maxRatio ≥ minRatio$/],
    [{ responses: { 'web-5xx': 'page' } }, /^responses\.web-5xx = "page": must be "rollback" \(default\), "hold"/],
    [{ responses: { 'web-5xxx': 'hold' } }, /^responses\.web-5xxx: "web-5xxx" is neither an alarm in "alarms" \(web-5xx\) nor a check \(alarms, canary-health, judge\); fix the name or add the alarm to "alarms"$/],
  ])('refuses %j naming the field and the fix', (extra, message) => {
    expect(problems(extra)).toEqual([expect.stringMatching(message)]);
  });
});
