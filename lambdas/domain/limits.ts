// How long and how big a rollout may get: Step Functions' history-event limit and the state
// machine's execution timeout, judged on the plan's worst case. One rule, used by validateInput
// (CLI `plan`, Prepare) and by the stack's synth-time schedule checks (infra/validate.ts).
import type { RolloutInput } from './input.ts';
import { historyEvents, holdSeconds, judgeHoldSeconds, postPromotionPolls, windowHolds, HOLD_EVENTS_PER_CLOSURE, worstPollsPerStep, type Judged } from './plan.ts';
import { humanSeconds } from './rollout.ts';

/** Step Functions' hard limit on events in one execution's history. */
export const HISTORY_EVENT_LIMIT = 25_000;
/**
 * A plan may use at most 80% of it: retries (Transient errors, Lambda service errors), a redriven
 * Rollback and re-asked approvals add events the plan does not count.
 */
export const HISTORY_EVENT_BUDGET = HISTORY_EVENT_LIMIT * 0.8;

/** What `limitProblems` needs to know about the deployed state machine. */
export interface ExecutionLimits extends Judged {
  /** The state machine's TimeoutSeconds; unknown offline (CLI `plan`), so not checked then. */
  executionTimeoutSeconds?: number;
}

type Limited = Pick<RolloutInput, 'steps' | 'bakeSeconds' | 'pollSeconds' | 'alarms' | 'insufficientData' | 'insufficientDataWaitSeconds' | 'approvals' | 'postPromotionSeconds' | 'judge'> & Judged;

/** The longest a rollout can run: every step baking and holding to its bound, every approval to its timeout. */
export function worstCaseSeconds(input: Limited): number {
  return (input.steps.length * worstPollsPerStep(input) + postPromotionPolls(input)) * input.pollSeconds + approvalGates(input) * input.approvals.timeoutSeconds;
}

/** Every way this plan could outgrow its execution (empty when it fits). */
export function limitProblems(given: RolloutInput, limits: ExecutionLimits = {}): string[] {
  const input = limits.judged === undefined ? given : { ...given, judged: limits.judged };
  const problems: string[] = [];
  const polls = worstPollsPerStep(input);
  const holding = holdText(input);
  const events = historyEvents(input);
  if (events > HISTORY_EVENT_BUDGET) {
    const minPoll = smallestPollWithinBudget(input);
    problems.push(
      `pollSeconds = ${input.pollSeconds}: this plan needs up to ${n(events)} Step Functions history events ` +
        `(${input.steps.length} steps × ${polls} polls${holding}` +
        `${windowHolds(input) ? `, ${windowHolds(input)} holds outside the windows × ${n(HOLD_EVENTS_PER_CLOSURE)}` : ''}), ` +
        `over ${n(HISTORY_EVENT_BUDGET)} (80% of the ${n(HISTORY_EVENT_LIMIT)}-event limit, the rest kept for retries); ` +
        (minPoll !== undefined ? `raise pollSeconds to at least ${minPoll}, or ` : '') +
        `shorten ${shorten(input)}, or use fewer steps`,
    );
  }
  const timeout = limits.executionTimeoutSeconds;
  if (timeout !== undefined && timeout > 0) {
    const needs = worstCaseSeconds(input);
    if (needs > timeout) {
      const gates = approvalGates(input);
      problems.push(
        `input: this rollout may take up to ${humanSeconds(needs)} (${input.steps.length} steps × ${polls} polls of ${humanSeconds(input.pollSeconds)}` +
          `${holding}` +
          `${gates > 0 ? `, + ${gates} approval${gates > 1 ? 's' : ''} of up to ${humanSeconds(input.approvals.timeoutSeconds)}` : ''}), ` +
          `longer than the state machine's execution timeout of ${humanSeconds(timeout)}; raise the stack's executionTimeout or shorten the plan`,
      );
    }
  }
  return problems;
}

/** `, counting up to 1h of INSUFFICIENT_DATA hold per step`, `…5m of the judge's extension per step`, or both: `…65m per step past the bake (…)`. */
function holdText(input: Limited): string {
  const hold = holdSeconds(input);
  const extension = judgeHoldSeconds({ ...input, insufficientData: 'fail' });
  if (!hold) return '';
  if (!extension) return `, counting up to ${humanSeconds(hold)} of INSUFFICIENT_DATA hold per step`;
  if (hold === extension) return `, counting up to ${humanSeconds(hold)} of the judge's extension per step`;
  return `, counting up to ${humanSeconds(hold)} per step past the bake (the judge's extension ${humanSeconds(extension)} + INSUFFICIENT_DATA hold ${humanSeconds(hold - extension)})`;
}

/** What to shorten: `bakeSeconds`, `bakeSeconds or judge.maxExtendSeconds`, `bakeSeconds, insufficientDataWaitSeconds or judge.maxExtendSeconds`. */
function shorten(input: Limited): string {
  const extension = judgeHoldSeconds({ ...input, insufficientData: 'fail' });
  const fields = ['bakeSeconds', ...(holdSeconds(input) > extension ? ['insufficientDataWaitSeconds'] : []), ...(extension ? ['judge.maxExtendSeconds'] : [])];
  return fields.length > 1 ? `${fields.slice(0, -1).join(', ')} or ${fields.at(-1)}` : fields[0]!;
}

function approvalGates(input: Pick<Limited, 'steps' | 'approvals'>): number {
  return input.steps.filter((p) => input.approvals.before.includes(p)).length;
}

/** The smallest pollSeconds that keeps this plan within the budget, if any does. */
function smallestPollWithinBudget(input: RolloutInput): number | undefined {
  for (let poll = input.pollSeconds + 1; poll <= input.bakeSeconds; poll++) {
    if (historyEvents({ ...input, pollSeconds: poll }) <= HISTORY_EVENT_BUDGET) return poll;
  }
  return undefined;
}

const n = (x: number) => x.toLocaleString('en-US');
