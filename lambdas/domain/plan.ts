// The plan: what a rollout will do, step by step, and what it costs in Step Functions terms.
import type { RolloutInput } from './input.ts';
import type { NotRepresentable, StepWeights } from './shares.ts';
import { weightsFor, type PairWeights } from './weights.ts';

export interface PlanStep {
  index: number;
  percent: number;
  weights: PairWeights;
  /** A human must approve before traffic moves to this step. */
  approval: boolean;
}

export interface Plan {
  steps: PlanStep[];
  bakeSeconds: number;
  pollSeconds: number;
  pollsPerStep: number;
  approvalGates: number;
  /** Bake time only; approvals add however long people take. */
  estimatedSeconds: number;
  stateTransitions: number;
  historyEvents: number;
  /** Standard workflow price: $0.025 per 1,000 state transitions (us-east-1). */
  estimatedCostUsd: number;
}

export const PRICE_PER_TRANSITION_USD = 0.025 / 1000;

// History events per state kind in the execution history (entered + exited, plus the Lambda
// scheduled/started/succeeded events for a Lambda task; a task-token task also reports
// TaskSubmitted).
const EVENTS = { lambdaTask: 5, tokenTask: 6, wait: 2, choice: 2, terminal: 2, execution: 2 } as const;

/** A plan does not depend on which target group is the canary (targetGroups inputs plan the same way). */
type PlanInput = Omit<RolloutInput, 'target'>;

export function buildPlan(input: PlanInput): Plan {
  const steps = input.steps.map((percent, index) => ({
    index,
    percent,
    weights: weightsFor(percent),
    approval: input.approvals.before.includes(percent),
  }));
  const pollsPerStep = pollsPer(input);
  const approvalGates = steps.filter((s) => s.approval).length;
  return {
    steps,
    bakeSeconds: input.bakeSeconds,
    pollSeconds: input.pollSeconds,
    pollsPerStep,
    approvalGates,
    estimatedSeconds: steps.length * pollsPerStep * input.pollSeconds,
    stateTransitions: stateTransitions(input),
    historyEvents: historyEvents(input),
    estimatedCostUsd: Math.round(stateTransitions(input) * PRICE_PER_TRANSITION_USD * 10_000) / 10_000,
  };
}

/** How long a step may hold past bakeSeconds while an alarm has INSUFFICIENT_DATA, unless the input says. */
export const DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS = 1800;

/** The longest a step may hold past bakeSeconds for INSUFFICIENT_DATA (0 when it cannot hold at all). */
export function holdSeconds(input: Pick<RolloutInput, 'alarms' | 'insufficientData' | 'insufficientDataWaitSeconds'>): number {
  if (input.insufficientData !== 'wait' || input.alarms.length === 0) return 0;
  return input.insufficientDataWaitSeconds ?? DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS;
}

/** Evaluations of the longest step: baking, then holding to the insufficientData "wait" bound. */
export function worstPollsPerStep(input: Pick<RolloutInput, 'bakeSeconds' | 'pollSeconds' | 'alarms' | 'insufficientData' | 'insufficientDataWaitSeconds'>): number {
  return Math.ceil((input.bakeSeconds + holdSeconds(input)) / input.pollSeconds);
}

/** Bake waits per step: the step is evaluated after each poll until bakeSeconds have passed. */
function pollsPer(input: Pick<RolloutInput, 'bakeSeconds' | 'pollSeconds'>): number {
  return Math.ceil(input.bakeSeconds / input.pollSeconds);
}

/** Transitions of the longest path: Prepare, per step (gate, approval?, shift, polls × (bake, evaluate, choice)), then Finalize or Rollback + end. */
export function stateTransitions(input: PlanInput): number {
  const gates = input.approvals.before.length;
  const perStep = 2 + pollsPer(input) * 3;
  return 1 + input.steps.length * perStep + gates + 2;
}

/** History events of the longest path (holds included), the figure Step Functions caps at 25,000. */
export function historyEvents(input: PlanInput): number {
  const gates = input.approvals.before.length;
  const perPoll = EVENTS.wait + EVENTS.lambdaTask + EVENTS.choice;
  const perStep = EVENTS.choice + EVENTS.lambdaTask + worstPollsPerStep(input) * perPoll;
  return EVENTS.execution + EVENTS.lambdaTask + input.steps.length * perStep + gates * EVENTS.tokenTask + EVENTS.lambdaTask + EVENTS.terminal;
}

/**
 * The plan's steps against the forward action's weights as they are (the listener read by `plan
 * --read-listener`, or Prepare's recorded original): each step's full weights and shares, or why
 * it cannot be represented. Without a listener the plan shows the pair's weights only.
 */
export function planShares(plan: Pick<Plan, 'steps'>, weightsAt: (percent: number) => StepWeights | NotRepresentable): (StepWeights | NotRepresentable)[] {
  return plan.steps.map((s) => weightsAt(s.percent));
}
