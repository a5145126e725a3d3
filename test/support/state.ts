// The execution state (lambdas/domain/rollout.ts) as the state machine carries it, built the way the
// handlers build it, one copy for the handler, Slack and CLI tests: what Prepare returns, then moved
// through steps as Shift moves it.
import { validateInput } from '../../lambdas/domain/input.ts';
import { buildPlan } from '../../lambdas/domain/plan.ts';
import { afterShift, nextStep, type ForwardState, type RolloutState } from '../../lambdas/domain/rollout.ts';
import { lockKeyFor } from '../../lambdas/providers/traffic/index.ts';

/** What Prepare returns for `raw` (validated, defaults applied) with `original` recorded: nothing shifted yet. */
export function preparedState(raw: unknown, o: { executionArn: string; startedAt: Date; original: ForwardState }): RolloutState {
  const checked = validateInput(raw);
  if (!checked.ok) throw new Error(`fixture input invalid: ${checked.problems.join('; ')}`);
  const input = checked.input;
  const plan = buildPlan(input);
  return {
    executionArn: o.executionArn,
    startedAt: o.startedAt.toISOString(),
    input,
    plan,
    lockKey: lockKeyFor(input.target)!,
    original: o.original,
    position: -1,
    next: nextStep(plan, 0),
    stepStartedAt: null,
    expected: o.original.weights,
    history: [],
  };
}

/** `state` shifted through steps 0 … `position` (each to `weightsAt(i)`, started at `at`), `next` pointing after it; −1 leaves it as it is. */
export function shiftedTo(state: RolloutState, position: number, weightsAt: (s: RolloutState, i: number) => Record<string, number>, at: Date): RolloutState {
  let out = state;
  for (let i = 0; i <= position; i++) out = afterShift(out, i, weightsAt(out, i), at);
  return position >= 0 ? { ...out, next: nextStep(out.plan, position + 1) } : out;
}
