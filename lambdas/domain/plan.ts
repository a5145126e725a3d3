// The plan: what a rollout will do, step by step, and what it costs in Step Functions terms.
import type { RolloutInput } from './input.ts';
import { JUDGE_DEFAULTS } from './judge.ts';
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

/**
 * A plan does not depend on which target group is the canary (targetGroups inputs plan the same way).
 * `judged: false` when the target's layer publishes no per-side metrics, so the judge never runs and
 * never holds a step (providers' `metricSourceOf`); absent, the judge's hold is counted.
 */
type PlanInput = Omit<RolloutInput, 'target'> & Judged;
/** Whether the judge runs for this target (see PlanInput); absent = it may. */
export interface Judged {
  judged?: boolean;
}

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
    estimatedSeconds: (steps.length * pollsPerStep + postPromotionPolls(input)) * input.pollSeconds,
    stateTransitions: stateTransitions(input),
    historyEvents: historyEvents(input),
    estimatedCostUsd: Math.round(stateTransitions(input) * PRICE_PER_TRANSITION_USD * 10_000) / 10_000,
  };
}

/** How long a step may hold past bakeSeconds while an alarm has INSUFFICIENT_DATA, unless the input says. */
export const DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS = 1800;

type Holding = Pick<RolloutInput, 'alarms' | 'insufficientData' | 'insufficientDataWaitSeconds' | 'judge'> & Judged;

/** How long an alarm with INSUFFICIENT_DATA may hold a step past bakeSeconds (0: it cannot hold). */
export function alarmHoldSeconds(input: Pick<Holding, 'alarms' | 'insufficientData' | 'insufficientDataWaitSeconds'>): number {
  if (input.insufficientData !== 'wait' || input.alarms.length === 0) return 0;
  return input.insufficientDataWaitSeconds ?? DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS;
}

/**
 * How long the judge may hold a step past bakeSeconds (checks/judge.ts): an open test or a shared
 * outage extends the bake up to maxExtendSeconds, then, with insufficientData "wait", up to
 * insufficientDataWaitSeconds more. 0 when the judge is off, advisory (never holds) or not run.
 */
export function judgeHoldSeconds(input: Pick<Holding, 'judge' | 'insufficientData' | 'insufficientDataWaitSeconds' | 'judged'>): number {
  const judge = input.judge;
  if (judge === 'off' || judge?.mode === 'advisory' || input.judged === false) return 0;
  const wait = input.insufficientData === 'wait' ? (input.insufficientDataWaitSeconds ?? DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS) : 0;
  return (judge?.maxExtendSeconds ?? JUDGE_DEFAULTS.maxExtendSeconds) + wait;
}

/** The longest a step may hold past bakeSeconds: the longer of the alarms' and the judge's holds (both run at once). */
export function holdSeconds(input: Holding): number {
  return Math.max(alarmHoldSeconds(input), judgeHoldSeconds(input));
}

/** Evaluations of the longest step: baking, then holding to the longest hold (holdSeconds). */
export function worstPollsPerStep(input: Pick<RolloutInput, 'bakeSeconds' | 'pollSeconds'> & Holding): number {
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
  return 1 + input.steps.length * perStep + gates + 2 + postPromotionPolls(input) * 3;
}

/** History events of the longest path (holds included), the figure Step Functions caps at 25,000. */
export function historyEvents(input: PlanInput): number {
  const gates = input.approvals.before.length;
  const perStep = EVENTS.choice + EVENTS.lambdaTask + worstPollsPerStep(input) * PER_POLL;
  return (
    EVENTS.execution + EVENTS.lambdaTask + input.steps.length * perStep + gates * EVENTS.tokenTask + EVENTS.lambdaTask + EVENTS.terminal +
    postPromotionPolls(input) * PER_POLL + windowHolds(input) * HOLD_EVENTS_PER_CLOSURE
  );
}

// Issue 14 (docs/policy.md): holds and the watch after 100%.
/** One poll: the wait, Evaluate, the Decide choice. */
const PER_POLL = EVENTS.wait + EVENTS.lambdaTask + EVENTS.choice;
/**
 * Evaluations while held through one closed stretch (outside the windows, a blackout), besides the
 * first after Shift and the one at the opening: the hold waits min(opening, now + stretch / this).
 */
export const HOLD_EVALUATIONS = 72;
/** Seconds between evaluations while a freeze or the capacity gate holds (no known end), at most. */
export const UNTIMED_HOLD_POLL_SECONDS = 300;

/** A freeze or capacity hold looks again every min(5 min, bakeSeconds), never more often than pollSeconds. */
export function untimedHoldEvery(input: Pick<RolloutInput, 'pollSeconds' | 'bakeSeconds'>): number {
  return Math.max(input.pollSeconds, Math.min(UNTIMED_HOLD_POLL_SECONDS, input.bakeSeconds));
}
/** A held Shift, its Bake poll, then HOLD_EVALUATIONS + 1 × (Hold, Evaluate, Decide). */
export const HOLD_EVENTS_PER_CLOSURE = EVENTS.lambdaTask + (HOLD_EVALUATIONS + 2) * PER_POLL;
/** A freeze or capacity hold: Shift, Bake poll, Hold wait, Evaluate, Decide every untimedHoldEvery seconds. */
export function untimedHoldEventsPerHour(input: Pick<RolloutInput, 'pollSeconds' | 'bakeSeconds'>): number {
  return Math.ceil(3600 / untimedHoldEvery(input)) * (EVENTS.lambdaTask + 2 * PER_POLL);
}

/** Polls of the watch after the last step (postPromotionSeconds). */
export function postPromotionPolls(input: Pick<RolloutInput, 'pollSeconds' | 'postPromotionSeconds'>): number {
  return Math.ceil((input.postPromotionSeconds ?? 0) / input.pollSeconds);
}

/** Closed stretches a rollout may hold through: each shift at most once (it resumes at the opening and shifts then). */
export function windowHolds(input: Pick<RolloutInput, 'steps' | 'windows' | 'blackouts'>): number {
  return (input.windows?.length ?? 0) > 0 || (input.blackouts?.length ?? 0) > 0 ? input.steps.length : 0;
}

/**
 * The plan's steps against the forward action's weights as they are (the listener read by `plan
 * --read-listener`, or Prepare's recorded original): each step's full weights and shares, or why
 * it cannot be represented. Without a listener the plan shows the pair's weights only.
 */
export function planShares(plan: Pick<Plan, 'steps'>, weightsAt: (percent: number) => StepWeights | NotRepresentable): (StepWeights | NotRepresentable)[] {
  return plan.steps.map((s) => weightsAt(s.percent));
}
