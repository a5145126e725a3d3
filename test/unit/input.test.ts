// Input validation: defaults, every rule, and every problem reported at once (field, value, fix).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, HISTORY_EVENT_BUDGET, validateInput } from '../../lambdas/domain/input.ts';
import { buildPlan } from '../../lambdas/domain/plan.ts';

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2';
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068';
const target = { listenerArn: LISTENER, stable: BLUE, canary: GREEN };

function problemsOf(raw: unknown): string[] {
  const r = validateInput(raw);
  if (r.ok) throw new Error(`expected problems, got a valid input: ${JSON.stringify(r.input)}`);
  return r.problems;
}

/** The one problem for a single-field mistake. */
function onlyProblem(raw: unknown): string {
  const problems = problemsOf(raw);
  expect(problems, problems.join('\n')).toHaveLength(1);
  return problems[0]!;
}

describe('validateInput: defaults', () => {
  it('fills every default when only the target is given', () => {
    const r = validateInput({ target });
    expect(r).toEqual({
      ok: true,
      input: {
        target,
        steps: [1, 10, 20, 50, 100],
        bakeSeconds: 600,
        pollSeconds: 30,
        alarms: [],
        insufficientData: 'fail',
        minHealthyTargets: 1,
        approvals: { before: [], timeoutSeconds: 3600, onTimeout: 'rollback' },
      },
    });
  });

  it('fills approval defaults inside a partial approvals object', () => {
    const r = validateInput({ target, approvals: { before: [50] } });
    expect(r.ok && r.input.approvals).toEqual({ before: [50], timeoutSeconds: DEFAULTS.approvalTimeoutSeconds, onTimeout: 'rollback' });
  });

  it('keeps a full, valid input as given (ruleArn, slack, one-decimal steps)', () => {
    const raw = {
      target: { ...target, ruleArn: RULE },
      steps: [0.1, 0.5, 2.5, 10, 50, 100],
      bakeSeconds: 300,
      pollSeconds: 15,
      alarms: ['web-green-5xx', 'web-green-p99'],
      insufficientData: 'wait',
      minHealthyTargets: 2,
      approvals: { before: [50, 100], timeoutSeconds: 1800, onTimeout: 'proceed' },
      slack: { channel: 'C0123456' },
    } as const;
    expect(validateInput(raw)).toEqual({ ok: true, input: raw });
  });

  it('does not share the default steps array between inputs', () => {
    const a = validateInput({ target });
    const b = validateInput({ target });
    if (!a.ok || !b.ok) throw new Error('valid');
    a.input.steps.push(999);
    expect(b.input.steps).toEqual([1, 10, 20, 50, 100]);
    expect(DEFAULTS.steps).toEqual([1, 10, 20, 50, 100]);
  });
});

describe('validateInput: every problem at once', () => {
  it('lists each problem of a many-problem input, naming field, value and fix', () => {
    const problems = problemsOf({
      target: { listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1', stable: BLUE, canary: 'green', colour: 'x' },
      steps: [10, 5, 0.15, 90],
      bakeSeconds: 60,
      pollSeconds: 120,
      approvals: { before: [33] },
      insufficientData: 'maybe',
      minHealthyTargets: 0,
      sllack: { channel: 'C0123456' },
    });
    const expected: [string, RegExp][] = [
      ['listener ARN', /^target\.listenerArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/web\/1": is not a listener ARN; expected e\.g\. arn:aws:elasticloadbalancing:.*:listener\//],
      ['canary ARN', /^target\.canary = "green": is not a target group ARN; expected e\.g\. arn:.*:targetgroup\/green\//],
      ['unknown target field', /^target\.colour: unknown field; remove it/],
      ['unknown top-level field', /^sllack: unknown field; remove it/],
      ['one decimal', /^steps\[2\] = 0\.15: may have at most one decimal \(ALB weights are integers 0–999, so 0\.1% is the finest step\)/],
      ['increasing (5 after 10)', /^steps\[1\] = 5: steps must strictly increase \(the step before is 10\)/],
      ['increasing (0.15 after 5)', /^steps\[2\] = 0\.15: steps must strictly increase \(the step before is 5\)/],
      ['ends at 100', /^steps = \[10,5,0\.15,90\]: the last step must be 100 .*append 100/],
      ['poll > bake', /^pollSeconds = 120: .*\(bakeSeconds = 60\); set pollSeconds ≤ bakeSeconds/],
      ['approval not a step', /^approvals\.before\[0\] = 33: not one of the steps \[10,5,0\.15,90\]; name a step percentage/],
      ['insufficientData', /^insufficientData = "maybe": must be "fail" \(roll back\), "ignore" \(treat as OK\) or "wait"/],
      ['minHealthyTargets', /^minHealthyTargets = 0: must be at least 1/],
    ];
    for (const [what, pattern] of expected) {
      expect(problems.some((p) => pattern.test(p)), `${what}: ${pattern} not in\n${problems.join('\n')}`).toBe(true);
    }
    expect(problems).toHaveLength(expected.length);
  });

  it('reports a missing target and a bad field together', () => {
    const problems = problemsOf({ bakeSeconds: 'ten minutes' });
    expect(problems).toEqual([
      'target = missing: is required: an object { listenerArn, stable, canary } (ruleArn optional), or { listenerArn, targetGroups: [A, B] }',
      'bakeSeconds = "ten minutes": must be a whole number of seconds',
    ]);
  });

  it('reports the history-event limit even when other cross-field rules also fail', () => {
    const problems = problemsOf({ target: { ...target, canary: BLUE }, bakeSeconds: 3600, pollSeconds: 1, approvals: { before: [33] } });
    expect(problems).toHaveLength(3);
    expect(problems.some((p) => /^target\.canary = ".*blue.*": stable and canary are the same target group/.test(p)), problems.join('\n')).toBe(true);
    expect(problems.some((p) => /^approvals\.before\[0\] = 33: not one of the steps/.test(p)), problems.join('\n')).toBe(true);
    expect(problems.some((p) => /^pollSeconds = 1: .*80% of the 25,000-event limit/.test(p)), problems.join('\n')).toBe(true);
  });

  it.each([
    ['a string', 'target'],
    ['null', null],
    ['an array', [target]],
    ['a number', 42],
  ])('refuses %s as the whole input with one problem', (_what, raw) => {
    expect(onlyProblem(raw)).toMatch(/^input: .* is not a JSON object; paste an object like \{"target"/);
  });
});

describe('validateInput: one rule at a time', () => {
  it.each([
    ['listenerArn', { ...target, listenerArn: BLUE }, /^target\.listenerArn = ".*targetgroup\/blue.*": is not a listener ARN; expected e\.g\. /],
    ['listenerArn (rule ARN given)', { ...target, listenerArn: RULE }, /^target\.listenerArn = .*: is not a listener ARN/],
    ['ruleArn', { ...target, ruleArn: LISTENER }, /^target\.ruleArn = .*: is not a listener rule ARN; expected e\.g\. .*listener-rule\/.*or leave it out/],
    ['stable', { ...target, stable: 'blue' }, /^target\.stable = "blue": is not a target group ARN; expected e\.g\. arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/blue\//],
    ['canary missing', { listenerArn: LISTENER, stable: BLUE }, /^target\.canary = missing: is required: the ARN \(a string\) of the new target group/],
    ['canary not a string', { ...target, canary: 7 }, /^target\.canary = 7: must be the ARN \(a string\) of the new target group/],
    ['wrong service', { ...target, stable: 'arn:aws:ec2:us-east-1:123456789012:targetgroup/blue/1' }, /^target\.stable = .*is not a target group ARN/],
    ['short account', { ...target, stable: 'arn:aws:elasticloadbalancing:us-east-1:1234:targetgroup/blue/1' }, /^target\.stable = .*is not a target group ARN/],
  ])('ARN shape: %s', (_what, t, pattern) => {
    expect(onlyProblem({ target: t })).toMatch(pattern);
  });

  it('accepts ARNs of other partitions (aws-cn, aws-us-gov)', () => {
    const cn = (s: string) => s.replace('arn:aws:', 'arn:aws-cn:').replace('us-east-1', 'cn-north-1');
    expect(validateInput({ target: { listenerArn: cn(LISTENER), stable: cn(BLUE), canary: cn(GREEN) } }).ok).toBe(true);
    const gov = (s: string) => s.replace('arn:aws:', 'arn:aws-us-gov:').replace('us-east-1', 'us-gov-west-1');
    expect(validateInput({ target: { listenerArn: gov(LISTENER), stable: gov(BLUE), canary: gov(GREEN) } }).ok).toBe(true);
  });

  it('refuses the same target group as stable and canary', () => {
    expect(onlyProblem({ target: { ...target, canary: BLUE } })).toMatch(/^target\.canary = ".*": stable and canary are the same target group; canary must be the new target group$/);
  });

  it.each([
    [[10, 10, 100], ['steps[1] = 10: steps must strictly increase (the step before is 10); list them in ascending order, e.g. [1, 10, 20, 50, 100]']],
    [[50, 20, 100], ['steps[1] = 20: steps must strictly increase (the step before is 50); list them in ascending order, e.g. [1, 10, 20, 50, 100]']],
    [[1, 10, 50], ['steps = [1,10,50]: the last step must be 100 so the rollout ends fully on the canary; append 100']],
    [[100, 50], ['steps[1] = 50: steps must strictly increase (the step before is 100); list them in ascending order, e.g. [1, 10, 20, 50, 100]', 'steps = [100,50]: the last step must be 100 so the rollout ends fully on the canary; append 100']],
  ])('steps %j: order and last step', (steps, expected) => {
    expect(problemsOf({ target, steps })).toEqual(expected);
  });

  it.each([
    [[0, 100], /^steps\[0\] = 0: must be greater than 0/],
    [[-5, 100], /^steps\[0\] = -5: must be greater than 0/],
    [[50, 101], /^steps\[1\] = 101: must be at most 100/],
    [[0.05, 100], /^steps\[0\] = 0\.05: may have at most one decimal/],
    [[12.25, 100], /^steps\[0\] = 12\.25: may have at most one decimal/],
    [['10', 100], /^steps\[0\] = "10": must be a number, e.g\. 10 or 0\.1/],
    [[], /^steps = \[\]: must list at least one step/],
    ['1,10,100', /^steps = "1,10,100": must be a list of percentages/],
  ])('steps %j: each step on its own', (steps, pattern) => {
    const problems = problemsOf({ target, steps });
    expect(problems.some((p) => pattern.test(p)), problems.join('\n')).toBe(true);
  });

  it('accepts 0.1% steps (the finest ALB weights allow) and [100] alone', () => {
    expect(validateInput({ target, steps: [0.1, 0.2, 0.3, 100] }).ok).toBe(true);
    expect(validateInput({ target, steps: [100] }).ok).toBe(true);
  });

  it.each([
    [{ pollSeconds: 601 }, /^pollSeconds = 601: polls less often than a step bakes \(bakeSeconds = 600\); set pollSeconds ≤ bakeSeconds, e\.g\. 60$/],
    [{ bakeSeconds: 0 }, /^bakeSeconds = 0: bakeSeconds must be at least 1 second$/],
    [{ bakeSeconds: 86_401 }, /^bakeSeconds = 86401: must be at most 86400/],
    [{ pollSeconds: 2.5 }, /^pollSeconds = 2\.5: must be a whole number of seconds$/],
    [{ minHealthyTargets: 1.5 }, /^minHealthyTargets = 1\.5: must be a whole number ≥ 1$/],
    [{ alarms: 'web-green-5xx' }, /^alarms = "web-green-5xx": must be a list of CloudWatch alarm names/],
    [{ alarms: [''] }, /^alarms\[0\] = "": must be a CloudWatch alarm name/],
    [{ approvals: { before: [50], timeoutSeconds: 30 } }, /^approvals\.timeoutSeconds = 30: approvals\.timeoutSeconds must be at least 60 seconds$/],
    [{ approvals: { onTimeout: 'skip' } }, /^approvals\.onTimeout = "skip": must be "rollback" \(default\) or "proceed"$/],
    [{ approvals: { befor: [50] } }, /^approvals\.befor: unknown field; remove it/],
    [{ slack: { channel: '#deploys' } }, /^slack\.channel = "#deploys": must be a Slack channel id like C0123456 \(not a #name\)$/],
  ])('%j', (over, pattern) => {
    expect(onlyProblem({ target, ...over })).toMatch(pattern);
  });

  it('poll equal to bake is fine (one evaluation per step)', () => {
    expect(validateInput({ target, bakeSeconds: 60, pollSeconds: 60 }).ok).toBe(true);
  });

  it('approvals.before must name a step, each offender by index', () => {
    expect(problemsOf({ target, approvals: { before: [30, 50, 75, 100] } })).toEqual([
      'approvals.before[0] = 30: not one of the steps [1,10,20,50,100]; name a step percentage',
      'approvals.before[2] = 75: not one of the steps [1,10,20,50,100]; name a step percentage',
    ]);
  });

  it('names several unknown fields in one problem', () => {
    expect(onlyProblem({ target, bake: 1, poll: 2 })).toBe('bake, poll: unknown fields; remove them (check the spelling against the input reference)');
  });
});

describe('validateInput: Step Functions history-event limit', () => {
  it('refuses a plan over 80% of 25,000 events with the numbers and the smallest poll that fits', () => {
    const problem = onlyProblem({ target, bakeSeconds: 3600, pollSeconds: 1 });
    expect(problem).toBe(
      "pollSeconds = 1: this plan needs up to 175,549 Step Functions history events (5 steps × 3900 polls, counting up to 5m of the judge's extension per step), over 20,000 (80% of the 25,000-event limit, the rest kept for retries); " +
        'raise pollSeconds to at least 9, or shorten bakeSeconds or judge.maxExtendSeconds, or use fewer steps',
    );
    // The suggested poll really is the smallest that fits.
    const at = (pollSeconds: number) => buildPlan((validateInput({ target, bakeSeconds: 3600, pollSeconds }) as { ok: true; input: never }).input).historyEvents;
    expect(at(9)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
    expect(validateInput({ target, bakeSeconds: 3600, pollSeconds: 8 }).ok).toBe(false);
    expect(validateInput({ target, bakeSeconds: 3600, pollSeconds: 9 }).ok).toBe(true);
  });

  it('refuses exactly when the plan would pass the limit (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 7200 }),
        fc.integer({ min: 1, max: 120 }),
        (stepCount, bakeSeconds, pollSeconds) => {
          fc.pre(pollSeconds <= bakeSeconds);
          const steps = Array.from({ length: stepCount }, (_, i) => Math.round(((i + 1) * 1000) / stepCount) / 10);
          const r = validateInput({ target, steps, bakeSeconds, pollSeconds });
          const valid = validateInput({ target, steps, bakeSeconds, pollSeconds: bakeSeconds });
          // Polling as rarely as the bake allows still over the budget (the judge's 300-s extension on
          // a tiny bake): then no poll fits, and the given one is refused too.
          if (!valid.ok) return void expect(r.ok).toBe(false);
          const events = buildPlan({ ...valid.input, pollSeconds }).historyEvents;
          expect(r.ok).toBe(events <= HISTORY_EVENT_BUDGET);
          if (!r.ok) {
            expect(r.problems).toHaveLength(1);
            expect(r.problems[0]).toContain(`up to ${events.toLocaleString('en-US')} Step Functions history events`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('validateInput: properties', () => {
  const oneDecimal = fc.integer({ min: 1, max: 999 }).map((t) => t / 10);
  const validSteps = fc.uniqueArray(oneDecimal, { maxLength: 20 }).map((xs) => [...xs.sort((a, b) => a - b), 100]);

  it('any strictly increasing list of one-decimal percentages ending at 100 is valid', () => {
    fc.assert(
      fc.property(validSteps, (steps) => {
        const r = validateInput({ target, steps, bakeSeconds: 600, pollSeconds: 60 });
        expect(r.ok ? [] : r.problems).toEqual([]);
      }),
    );
  });

  it('swapping two steps is always reported with the index of the offender', () => {
    fc.assert(
      fc.property(validSteps.filter((s) => s.length >= 3), fc.nat(), (steps, k) => {
        const i = k % (steps.length - 2); // never move 100
        const swapped = [...steps];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        const problems = problemsOf({ target, steps: swapped, bakeSeconds: 600, pollSeconds: 60 });
        expect(problems.some((p) => p.startsWith(`steps[${i + 1}] = ${swapped[i + 1]}: steps must strictly increase`))).toBe(true);
      }),
    );
  });

  it('never throws and always names a field, whatever JSON comes in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        const r = validateInput(raw);
        if (!r.ok) {
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) expect(p).toMatch(/^(input|target|steps|bakeSeconds|pollSeconds|alarms|insufficientData|minHealthyTargets|approvals|slack)\b|: unknown fields?; remove/);
        }
      }),
    );
  });
});
