// The plan: steps with exact weights and approval gates, time/transition/event estimates, and the
// refusal of plans over 80% of Step Functions' 25,000-event history limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HISTORY_EVENT_BUDGET, validateInput, type RolloutInput, type RolloutInputRaw } from '../../lambdas/domain/input.ts';
import { buildPlan, historyEvents, PRICE_PER_TRANSITION_USD, stateTransitions } from '../../lambdas/domain/plan.ts';

const target = {
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067',
  canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/83e2d6bc24d8a068',
};

function input(over: Partial<RolloutInputRaw> = {}): RolloutInput {
  const r = validateInput({ target, ...over });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.input;
}

describe('buildPlan', () => {
  it('default plan: five steps, exact weights, 50 minutes, and what it costs', () => {
    const plan = buildPlan(input());
    expect(plan.steps).toEqual([
      { index: 0, percent: 1, weights: { stable: 99, canary: 1 }, approval: false },
      { index: 1, percent: 10, weights: { stable: 9, canary: 1 }, approval: false },
      { index: 2, percent: 20, weights: { stable: 4, canary: 1 }, approval: false },
      { index: 3, percent: 50, weights: { stable: 1, canary: 1 }, approval: false },
      { index: 4, percent: 100, weights: { stable: 0, canary: 1 }, approval: false },
    ]);
    expect(plan).toMatchObject({
      bakeSeconds: 600,
      pollSeconds: 30,
      pollsPerStep: 20,
      approvalGates: 0,
      estimatedSeconds: 3000,
      // Prepare + 5 × (gate, shift, 20 × (bake, evaluate, decide)) + Finalize + Promoted
      stateTransitions: 1 + 5 * (2 + 20 * 3) + 2,
      // start/end 2, Prepare 5, 5 × (gate 2 + shift 5 + (20 bake polls + 10 polls the judge may extend the
      // bake by, maxExtendSeconds 300 s) × (wait 2 + evaluate 5 + choice 2)), Finalize 5, Succeed 2
      historyEvents: 2 + 5 + 5 * (2 + 5 + (20 + 10) * 9) + 5 + 2,
    });
    expect(plan.stateTransitions).toBe(313);
    expect(plan.historyEvents).toBe(1399);
    expect(buildPlan(input({ judge: 'off' })).historyEvents).toBe(949);
    expect(buildPlan({ ...input(), judged: false }).historyEvents).toBe(949);
    expect(plan.estimatedCostUsd).toBe(0.0078);
  });

  it('marks the approval gates and counts one RequestApproval per gate', () => {
    const withGates = buildPlan(input({ approvals: { before: [50, 100] } }));
    const without = buildPlan(input());
    expect(withGates.steps.map((s) => s.approval)).toEqual([false, false, false, true, true]);
    expect(withGates.approvalGates).toBe(2);
    expect(withGates.stateTransitions - without.stateTransitions).toBe(2);
    // A task-token task: entered, scheduled, started, submitted, succeeded, exited.
    expect(withGates.historyEvents - without.historyEvents).toBe(2 * 6);
    // Bake time only; people take however long they take.
    expect(withGates.estimatedSeconds).toBe(without.estimatedSeconds);
  });

  it('rounds polls per step up (a step is never evaluated before it has baked)', () => {
    const plan = buildPlan(input({ steps: [10, 100], bakeSeconds: 100, pollSeconds: 30 }));
    expect(plan.pollsPerStep).toBe(4);
    expect(plan.estimatedSeconds).toBe(2 * 4 * 30);
    expect(plan.estimatedSeconds).toBeGreaterThanOrEqual(2 * 100);
  });

  it('a one-step plan straight to 100%', () => {
    const plan = buildPlan(input({ steps: [100], bakeSeconds: 60, pollSeconds: 60 }));
    expect(plan.steps).toEqual([{ index: 0, percent: 100, weights: { stable: 0, canary: 1 }, approval: false }]);
    expect(plan.pollsPerStep).toBe(1);
    expect(plan.estimatedSeconds).toBe(60);
    expect(plan.stateTransitions).toBe(1 + (2 + 3) + 2);
  });

  it('prices transitions at the Standard-workflow rate', () => {
    const plan = buildPlan(input({ bakeSeconds: 3600, pollSeconds: 10 }));
    expect(plan.estimatedCostUsd).toBeCloseTo(plan.stateTransitions * PRICE_PER_TRANSITION_USD, 4);
  });
});

describe('plan estimates: properties', () => {
  const arbitraryInput = fc
    .record({
      stepCount: fc.integer({ min: 1, max: 50 }),
      bakeSeconds: fc.integer({ min: 1, max: 86_400 }),
      pollSeconds: fc.integer({ min: 1, max: 3600 }),
      gates: fc.integer({ min: 0, max: 3 }),
    })
    .filter((x) => x.pollSeconds <= x.bakeSeconds);

  it('estimates cover the bake time, grow with polls, and agree with validation about the limit', () => {
    fc.assert(
      fc.property(arbitraryInput, ({ stepCount, bakeSeconds, pollSeconds, gates }) => {
        const steps = Array.from({ length: stepCount }, (_, i) => Math.round(((i + 1) * 1000) / stepCount) / 10);
        const before = steps.slice(-Math.min(gates, stepCount)).slice(0, gates);
        const raw = { target, steps, bakeSeconds, pollSeconds, approvals: { before } };
        // Build the plan from a copy that is surely under the limit, then ask for the real poll.
        const safe = validateInput({ ...raw, pollSeconds: bakeSeconds });
        // Even the rarest poll over the budget (the judge's extension on a tiny bake): the input is refused.
        if (!safe.ok) return void expect(validateInput(raw).ok).toBe(false);
        const full: RolloutInput = { ...safe.input, pollSeconds };
        const plan = buildPlan(full);
        expect(plan.estimatedSeconds).toBeGreaterThanOrEqual(stepCount * bakeSeconds);
        expect(plan.estimatedSeconds).toBeLessThan(stepCount * (bakeSeconds + pollSeconds));
        expect(plan.historyEvents).toBe(historyEvents(full));
        expect(plan.stateTransitions).toBe(stateTransitions(full));
        expect(plan.historyEvents).toBeGreaterThan(plan.stateTransitions);
        expect(plan.approvalGates).toBe(before.length);
        expect(validateInput(raw).ok).toBe(plan.historyEvents <= HISTORY_EVENT_BUDGET);
      }),
      { numRuns: 300 },
    );
  });
});

describe('refusal over the history limit', () => {
  it('the largest plan within the budget (80% of 25,000) is accepted and the next poll down is refused', () => {
    // 5 steps × (1 hour + the judge's 5 min): poll 9 s needs 19,579 events, poll 8 s needs 22,009 (over 20,000).
    const fits = input({ bakeSeconds: 3600, pollSeconds: 9 });
    expect(buildPlan(fits).historyEvents).toBe(19_579);
    const r = validateInput({ target, bakeSeconds: 3600, pollSeconds: 8 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([
      "pollSeconds = 8: this plan needs up to 22,009 Step Functions history events (5 steps × 488 polls, counting up to 5m of the judge's extension per step), over 20,000 (80% of the 25,000-event limit, the rest kept for retries); " +
        'raise pollSeconds to at least 9, or shorten bakeSeconds or judge.maxExtendSeconds, or use fewer steps',
    ]);
  });

  it('suggests the smallest poll that fits for a large plan (100 steps × 1 day, 1 s polls)', () => {
    const steps = Array.from({ length: 100 }, (_, i) => i + 1);
    const r = validateInput({ target, steps, bakeSeconds: 86_400, pollSeconds: 1 });
    expect(r.ok).toBe(false);
    const problem = !r.ok ? r.problems[0]! : '';
    const poll = Number(/at least (\d+)/.exec(problem)?.[1]);
    expect(validateInput({ target, steps, bakeSeconds: 86_400, pollSeconds: poll }).ok).toBe(true);
    expect(validateInput({ target, steps, bakeSeconds: 86_400, pollSeconds: poll - 1 }).ok).toBe(false);
  });
});
