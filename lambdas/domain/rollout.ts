// The rollout's execution state: what flows between the states of statemachine/rollout.asl.json.
// Pure transitions; the handlers do the I/O around them.
import type { Decision } from './decide.ts';
import type { RolloutInput } from './input.ts';
import type { Plan } from './plan.ts';
import type { PairWeights } from './weights.ts';

/** A snapshot of the shifted resource: every action exactly as read, plus the forward weights. */
export interface ForwardState {
  /** JSON as the provider's API returns it; restored verbatim on rollback. */
  actions: unknown[];
  /** Weight of every target group in the forward action, by ARN. */
  weights: Record<string, number>;
  /** The forward action's target group stickiness (TargetGroupStickinessConfig), when it has one. */
  stickiness?: Stickiness;
}

export interface Stickiness {
  enabled: boolean;
  durationSeconds?: number;
}

export interface NextStep {
  index: number;
  percent: number;
  /** The ApprovalGate choice reads this. */
  approval: boolean;
}

export interface RolloutState {
  executionArn: string;
  startedAt: string;
  input: RolloutInput;
  plan: Plan;
  lockKey: string;
  original: ForwardState;
  /** Index of the step in effect; -1 before the first shift. */
  position: number;
  /** The step to shift to next, or null while baking. */
  next: NextStep | null;
  stepStartedAt: string | null;
  /** Every target group's weight in the forward action as the rollout last wrote it (the original's before the first shift). */
  expected: Record<string, number>;
  history: { percent: number; startedAt: string; weights: PairWeights }[];
  /** Alarms (state and history) have been judged up to here (ISO, Lambda clock); the next Evaluate reads their history from a little before it. */
  alarmsReadUntil?: string;
  decision?: Decision;
  approval?: { approvedBy?: string; at?: string };
  /** Set by a Catch (ResultPath $.error): Step Functions' { Error, Cause }. */
  error?: { Error: string; Cause?: string };
}

export function nextStep(plan: Plan, index: number): NextStep | null {
  const step = plan.steps[index];
  return step ? { index, percent: step.percent, approval: step.approval } : null;
}

/** `weights`: every target group's weight as this shift wrote it. */
/** `sides`: the ids of stable and canary in `weights` (the provider's; by default the target's stable/canary fields). */
export function afterShift(
  state: RolloutState,
  index: number,
  weights: Record<string, number>,
  now: Date,
  sides: { stable: string; canary: string } = state.input.target as { stable: string; canary: string },
): RolloutState {
  const step = state.plan.steps[index];
  if (!step) throw new RangeError(`no step ${index} in a plan of ${state.plan.steps.length}`);
  const { decision: _d, error: _e, ...rest } = state;
  return {
    ...rest,
    position: index,
    next: null,
    stepStartedAt: now.toISOString(),
    expected: weights,
    history: [...state.history, { percent: step.percent, startedAt: now.toISOString(), weights: { stable: weights[sides.stable] ?? 0, canary: weights[sides.canary] ?? 0 } }],
  };
}

export function afterDecision(state: RolloutState, decision: Decision): RolloutState {
  return { ...state, decision, next: decision.action === 'advance' ? nextStep(state.plan, state.position + 1) : null };
}

/** Why a rollout is being rolled back, in one line a human can act on. */
export function rollbackCause(state: Partial<RolloutState>): string {
  if (state.decision?.action === 'rollback') return state.decision.reason;
  const at = where(state);
  const err = state.error;
  if (!err) return `rolled back ${at}`;
  const message = causeMessage(err.Cause);
  if (err.Error === 'States.Timeout' && state.next?.approval) {
    return `approval timed out after ${humanSeconds(state.input?.approvals.timeoutSeconds ?? 0)} before step ${state.next.percent}%`;
  }
  if (err.Error === 'Rejected') return `${message || 'approval rejected'} before step ${state.next?.percent ?? '?'}%`;
  return `${err.Error}${message ? `: ${message}` : ''} ${at}`;
}

function where(state: Partial<RolloutState>): string {
  const current = state.position !== undefined && state.position >= 0 ? state.plan?.steps[state.position]?.percent : undefined;
  if (state.next) return `while moving to step ${state.next.percent}%`;
  return current !== undefined ? `at step ${current}%` : 'before the first step';
}

/** A Lambda error's Cause is JSON ({ errorType, errorMessage, trace }); a Fail/SendTaskFailure cause is text. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause;
}

export function humanSeconds(s: number): string {
  if (s % 3600 === 0 && s >= 3600) return `${s / 3600}h`;
  if (s % 60 === 0 && s >= 60) return `${s / 60}m`;
  return `${s}s`;
}
