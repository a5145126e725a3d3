// `plan`: what a rollout will do, from the domain's buildPlan. Needs no AWS.
import { HISTORY_EVENT_BUDGET, HISTORY_EVENT_LIMIT, type RolloutInput } from '../lambdas/domain/input.ts';
import { holdSeconds, type Plan } from '../lambdas/domain/plan.ts';
import { formatSplit } from '../lambdas/domain/weights.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { shortName } from '../lambdas/providers/traffic.ts';
import { columns, roughly, targetLine } from './format.ts';

const INSUFFICIENT_DATA = { fail: 'roll back', ignore: 'treated as OK', wait: 'hold the step until there is data' } as const;

export function renderPlan(input: RolloutInput, plan: Plan): string[] {
  const stable = shortName(input.target.stable);
  const canary = shortName(input.target.canary);
  const rows = [
    ['step', 'canary', `ALB weights ${stable}:${canary}`, 'split', 'first'],
    ...plan.steps.map((s) => [String(s.index + 1), `${s.percent}%`, `${s.weights.stable}:${s.weights.canary}`, formatSplit(s.weights), s.approval ? 'approval' : '']),
  ];
  const gates = plan.steps.filter((s) => s.approval).map((s) => `${s.percent}%`);
  const approvalWait = plan.approvalGates * input.approvals.timeoutSeconds;
  const lines = [
    `Rollout plan: ${targetLine(input.target)}`,
    '',
    ...columns(rows).map((l) => `  ${l}`),
    '',
    `  bake       ${humanSeconds(plan.bakeSeconds)} per step, checked every ${humanSeconds(plan.pollSeconds)} (${plan.pollsPerStep} polls per step)`,
    `  alarms     ${input.alarms.length ? input.alarms.join(', ') : 'none (only target health and drift are watched)'}${input.alarms.length ? `; INSUFFICIENT_DATA: ${INSUFFICIENT_DATA[input.insufficientData]}${holdSeconds(input) ? `, at most ${humanSeconds(holdSeconds(input))} past the bake, then roll back` : ''}` : ''}`,
    `  health     the canary needs at least ${input.minHealthyTargets} healthy target${input.minHealthyTargets === 1 ? '' : 's'} before and during every step`,
    `  approvals  ${gates.length ? `before ${gates.join(', ')}: each waits up to ${humanSeconds(input.approvals.timeoutSeconds)}, then ${input.approvals.onTimeout === 'rollback' ? 'rolls back' : 'proceeds'}` : 'none'}`,
    ...(input.slack ? [`  slack      progress${gates.length ? ' and approvals' : ''} in channel ${input.slack.channel}`] : []),
    `  ETA        ${roughly(plan.estimatedSeconds)} of baking${approvalWait ? `, plus up to ${roughly(approvalWait)} waiting for approvals` : ''}`,
    `  states     Prepare, then per step: ${gates.length ? '[RequestApproval →] ' : ''}Shift → ${plan.pollsPerStep} × (Bake → Evaluate → Decide), then Finalize → Promoted`,
    `             any failure or alarm → Rollback to the recorded original → RolledBack`,
    `  cost       ${plan.stateTransitions.toLocaleString('en-US')} state transitions, ${plan.historyEvents.toLocaleString('en-US')} history events at most (limit ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')}, refused above ${HISTORY_EVENT_BUDGET.toLocaleString('en-US')}): ≈$${plan.estimatedCostUsd.toFixed(4)} per rollout (Standard workflow, $0.025 per 1,000 transitions)`,
  ];
  return lines;
}

export function planJson(input: RolloutInput, plan: Plan): Record<string, unknown> {
  return { input, plan };
}
