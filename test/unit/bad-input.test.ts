// Inputs that used to slip through validation (issue #9 §6): off-grid percentages, huge lists,
// ARNs that contradict each other, plans that outgrow the execution, unbounded holds.
import { describe, expect, it } from 'vitest';
import { HISTORY_EVENT_BUDGET, MAX_PROBLEMS_LISTED, validateInput } from '../../lambdas/domain/input.ts';
import { worstCaseSeconds } from '../../lambdas/domain/limits.ts';
import { buildPlan } from '../../lambdas/domain/plan.ts';

const ACCOUNT = '123456789012';
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const BLUE = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/blue/73e2d6bc24d8a067`;
const GREEN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/green/83e2d6bc24d8a068`;
const target = { listenerArn: LISTENER, stable: BLUE, canary: GREEN };

function problemsOf(raw: unknown, limits = {}): string[] {
  const r = validateInput(raw, limits);
  if (r.ok) throw new Error(`expected problems, got a valid input: ${JSON.stringify(r.input)}`);
  return r.problems;
}

const ONE_DECIMAL = 'may have at most one decimal (ALB weights are integers 0–999, so 0.1% is the finest step)';

describe('percentages exactly on the 0.1 grid', () => {
  it.each([5e-324, 5e-11, 99.99999999999, 50.00000000001])('step %d is refused', (p) => {
    expect(problemsOf({ target, steps: [p, 100] })).toEqual([`steps[0] = ${JSON.stringify(p)}: ${ONE_DECIMAL}`]);
  });

  it.each([5e-324, 5e-11, 99.99999999999, 50.00000000001])('approvals.before %d is refused', (p) => {
    expect(problemsOf({ target, steps: [50, 100], approvals: { before: [p] } })).toContain(`approvals.before[0] = ${JSON.stringify(p)}: ${ONE_DECIMAL}`);
  });

  it('every tenth from 0.1 to 100 is accepted, as JSON gives it', () => {
    for (let tenth = 1; tenth <= 1000; tenth++) {
      const p = JSON.parse((tenth / 10).toFixed(1)) as number;
      expect(validateInput({ target, steps: p === 100 ? [100] : [p, 100] }).ok, String(p)).toBe(true);
    }
  });

  it('two steps that would share a weight can no longer both pass (50 then 50.00000000001)', () => {
    expect(problemsOf({ target, steps: [50, 50.00000000001, 100] })).toEqual([`steps[1] = 50.00000000001: ${ONE_DECIMAL}`]);
  });
});

describe('list sizes', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ((i % 1000) + 1) / 10);

  it('125,000 steps: one short problem, no stack overflow', () => {
    const problems = problemsOf({ target, steps: many(125_000) });
    expect(problems).toEqual(['steps: 125,000 items; at most 100 steps are allowed (other fields are checked once it is at most 100)']);
  });

  it('125,000 equal steps (each out of order) and 125,000 approval gates: still two short problems', () => {
    const problems = problemsOf({ target, steps: Array(125_000).fill(1), approvals: { before: Array(125_000).fill(1) } });
    expect(problems).toEqual([
      'steps: 125,000 items; at most 100 steps are allowed (other fields are checked once it is at most 100)',
      'approvals.before: 125,000 items; at most 100 approval gates are allowed (other fields are checked once it is at most 100)',
    ]);
  });

  it('100 steps and 100 gates are fine; 101 of either is refused', () => {
    const steps = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(validateInput({ target, steps, bakeSeconds: 60, pollSeconds: 60, approvals: { before: steps } }).ok).toBe(true);
    expect(problemsOf({ target, steps: [0.5, ...steps] })).toEqual(['steps: 101 items; at most 100 steps are allowed (other fields are checked once it is at most 100)']);
    expect(problemsOf({ target, steps, approvals: { before: [0.5, ...steps] } })).toEqual([
      'approvals.before: 101 items; at most 100 approval gates are allowed (other fields are checked once it is at most 100)',
    ]);
  });

  it(`at most ${MAX_PROBLEMS_LISTED} problems are listed, the rest counted`, () => {
    const steps = Array.from({ length: 99 }, (_, i) => (i + 1) / 100 + 0.001);
    const problems = problemsOf({ target, steps: [...steps, 100] });
    expect(problems).toHaveLength(MAX_PROBLEMS_LISTED + 1);
    expect(problems[MAX_PROBLEMS_LISTED]).toBe('… and 74 more problems; fix these and validate again');
  });

  it('approval gates each once, ascending', () => {
    expect(problemsOf({ target, approvals: { before: [50, 50] } })).toEqual([
      'approvals.before[1] = 50: approval gates must strictly increase (the one before is 50); list each step once, in ascending order',
    ]);
  });
});

describe('ARNs of one target agree', () => {
  const inRegion = (arn: string, region: string) => arn.replace(':us-east-1:', `:${region}:`);
  const inAccount = (arn: string, account: string) => arn.replace(`:${ACCOUNT}:`, `:${account}:`);

  it('a canary in another region', () => {
    const canary = inRegion(GREEN, 'eu-west-1');
    expect(problemsOf({ target: { ...target, canary } })).toEqual([
      `target.canary = "${canary}": in eu-west-1, account ${ACCOUNT}, but target.listenerArn is in us-east-1, account ${ACCOUNT}; ` +
        "a listener forwards only to target groups (and has rules) of its own region and account: use the ARN from the listener's region and account",
    ]);
  });

  it('a stable target group in another account', () => {
    const stable = inAccount(BLUE, '210987654321');
    expect(problemsOf({ target: { ...target, stable } })).toEqual([
      `target.stable = "${stable}": in us-east-1, account 210987654321, but target.listenerArn is in us-east-1, account ${ACCOUNT}; ` +
        "a listener forwards only to target groups (and has rules) of its own region and account: use the ARN from the listener's region and account",
    ]);
  });

  it('a rule of another partition is named with it', () => {
    const ruleArn = RULE.replace('arn:aws:', 'arn:aws-cn:');
    expect(problemsOf({ target: { ...target, ruleArn } })[0]).toMatch(/^target\.ruleArn = ".*": in us-east-1, account 123456789012, partition aws-cn, but target\.listenerArn is in us-east-1/);
  });

  it("a rule of another listener (same region and account) names the rule's listener", () => {
    const ruleArn = RULE.replace('/f2f7dc8efc522ab2/', '/0000000000000000/');
    const other = LISTENER.replace('/f2f7dc8efc522ab2', '/0000000000000000');
    expect(problemsOf({ target: { ...target, ruleArn } })).toEqual([
      `target.ruleArn = "${ruleArn}": belongs to listener ${other}, not target.listenerArn ${LISTENER}; give that listener's ARN, or a rule of this listener`,
    ]);
  });

  it('a rule of this listener is fine', () => {
    expect(validateInput({ target: { ...target, ruleArn: RULE } }).ok).toBe(true);
  });
});

describe('plans that outgrow the execution', () => {
  it('refused when longer than the execution timeout, with the numbers', () => {
    const raw = { target, steps: [10, 50, 100], bakeSeconds: 3600, pollSeconds: 60, approvals: { before: [50, 100], timeoutSeconds: 3600 }, judge: 'off' };
    expect(validateInput(raw, { executionTimeoutSeconds: 5 * 3600 }).ok).toBe(true);
    expect(problemsOf(raw, { executionTimeoutSeconds: 5 * 3600 - 1 })).toEqual([
      "input: this rollout may take up to 5h (3 steps × 60 polls of 1m, + 2 approvals of up to 1h), longer than the state machine's execution timeout of 17999s; " +
        "raise the stack's executionTimeout or shorten the plan",
    ]);
  });

  it('not checked offline (no timeout known)', () => {
    expect(validateInput({ target, steps: [100], bakeSeconds: 86_400, pollSeconds: 600 }).ok).toBe(true);
  });
});

describe("the judge's hold is counted where the judge runs", () => {
  const alb = { target, steps: [10, 50, 100], bakeSeconds: 600, pollSeconds: 60 };
  const nlb = { ...alb, target: { ...target, listenerArn: LISTENER.replace('listener/app/', 'listener/net/') } };
  const fits = (raw: object, seconds: number) => validateInput(raw, { executionTimeoutSeconds: seconds }).ok;

  it('on (the default): each step may run maxExtendSeconds (300) past the bake', () => {
    expect(fits(alb, 3 * 900)).toBe(true);
    expect(problemsOf(alb, { executionTimeoutSeconds: 3 * 900 - 1 })).toEqual([
      "input: this rollout may take up to 45m (3 steps × 15 polls of 1m, counting up to 5m of the judge's extension per step), " +
        "longer than the state machine's execution timeout of 2699s; raise the stack's executionTimeout or shorten the plan",
    ]);
    expect(fits({ ...alb, judge: { maxExtendSeconds: 120 } }, 3 * 720)).toBe(true);
    expect(fits({ ...alb, judge: { maxExtendSeconds: 120 } }, 3 * 720 - 1)).toBe(false);
  });

  it('with insufficientData "wait", the judge may hold insufficientDataWaitSeconds more, with or without alarms', () => {
    const raw = { ...alb, insufficientData: 'wait', insufficientDataWaitSeconds: 600 };
    expect(fits(raw, 3 * 1500)).toBe(true);
    expect(fits(raw, 3 * 1500 - 1)).toBe(false);
    const r = validateInput(raw);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(worstCaseSeconds(r.input)).toBe(3 * 1500);
  });

  it('advisory or off: it never holds, nothing is added', () => {
    expect(fits({ ...alb, judge: { mode: 'advisory' }, insufficientData: 'wait' }, 3 * 600)).toBe(true);
    expect(fits({ ...alb, judge: 'off' }, 3 * 600)).toBe(true);
  });

  it('not on a layer without per-side metrics (an NLB): nothing is added', () => {
    expect(fits(nlb, 3 * 600)).toBe(true);
  });

  it('a plan over the history budget names judge.maxExtendSeconds among the fixes', () => {
    const raw = { target, bakeSeconds: 600, pollSeconds: 5, insufficientData: 'wait', insufficientDataWaitSeconds: 3600 };
    // 5 steps × (600 + 300 + 3600) / 5 = 900 polls: 5 × (2 + 5 + 900 × 9) + 14 events.
    expect(problemsOf(raw)).toEqual([
      "pollSeconds = 5: this plan needs up to 40,549 Step Functions history events (5 steps × 900 polls, counting up to 65m per step past the bake (the judge's extension 5m + INSUFFICIENT_DATA hold 1h)), " +
        'over 20,000 (80% of the 25,000-event limit, the rest kept for retries); raise pollSeconds to at least 11, or shorten bakeSeconds, insufficientDataWaitSeconds or judge.maxExtendSeconds, or use fewer steps',
    ]);
    expect(validateInput({ ...raw, judge: { maxExtendSeconds: 0 }, pollSeconds: 10 }).ok).toBe(true);
  });
});

describe('insufficientData "wait" is bounded', () => {
  // The judge off: these are the alarms' hold alone (the judge's is below).
  const waiting = { target, alarms: ['web-green-5xx'], insufficientData: 'wait' as const, judge: 'off' as const };

  it('the hold counts in the worst-case time and events (default 1800 s per step)', () => {
    const r = validateInput(waiting);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(worstCaseSeconds(r.input)).toBe(5 * (600 + 1800));
    const noHold = validateInput({ ...waiting, insufficientData: 'fail' });
    if (!noHold.ok) throw new Error(noHold.problems.join('\n'));
    expect(buildPlan(r.input).historyEvents - buildPlan(noHold.input).historyEvents).toBe(5 * (1800 / 30) * 9);
  });

  it('no alarms, no hold: nothing is added', () => {
    const r = validateInput({ target, insufficientData: 'wait', judge: 'off' });
    expect(r.ok && worstCaseSeconds(r.input)).toBe(5 * 600);
  });

  it('a hold that would pass the history budget is refused naming insufficientDataWaitSeconds', () => {
    const raw = { ...waiting, bakeSeconds: 600, pollSeconds: 5, insufficientDataWaitSeconds: 3600 };
    // 5 steps × (600 + 3600) / 5 = 840 polls: 5 × (2 + 5 + 840 × 9) + 14 events.
    expect(problemsOf(raw)).toEqual([
      'pollSeconds = 5: this plan needs up to 37,849 Step Functions history events (5 steps × 840 polls, counting up to 1h of INSUFFICIENT_DATA hold per step), ' +
        'over 20,000 (80% of the 25,000-event limit, the rest kept for retries); raise pollSeconds to at least 10, or shorten bakeSeconds or insufficientDataWaitSeconds, or use fewer steps',
    ]);
    expect(validateInput({ ...raw, pollSeconds: 10 }).ok).toBe(true);
    expect(validateInput({ ...raw, insufficientDataWaitSeconds: 600 }).ok).toBe(true);
  });

  it('insufficientDataWaitSeconds is whole seconds, 0 to one day', () => {
    expect(problemsOf({ ...waiting, insufficientDataWaitSeconds: -1 })).toEqual(['insufficientDataWaitSeconds = -1: insufficientDataWaitSeconds must be at least 0 seconds']);
    expect(problemsOf({ ...waiting, insufficientDataWaitSeconds: 86_401 })).toEqual(['insufficientDataWaitSeconds = 86401: must be at most 86400 (one day of holding per step)']);
    expect(validateInput({ ...waiting, insufficientDataWaitSeconds: 0 }).ok).toBe(true);
  });
});
