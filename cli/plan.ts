// `plan`: what a rollout will do, from the domain's buildPlan. Needs no AWS.
import { HISTORY_EVENT_LIMIT, isPairTarget, type RolloutRequest } from '../lambdas/domain/input.ts';
import type { Plan } from '../lambdas/domain/plan.ts';
import { formatSplit } from '../lambdas/domain/weights.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { shortName } from '../lambdas/providers/traffic.ts';
import { columns, roughly, targetLine } from './format.ts';

const INSUFFICIENT_DATA = { fail: 'roll back', ignore: 'treated as OK', wait: 'hold the step until there is data' } as const;

export function renderPlan(input: RolloutRequest, plan: Plan): string[] {
  // targetGroups: which group is stable is only known at start (the one taking all the traffic).
  const pair = isPairTarget(input.target);
  const stable = isPairTarget(input.target) ? 'stable' : shortName(input.target.stable);
  const canary = isPairTarget(input.target) ? 'canary' : shortName(input.target.canary);
  const rows = [
    ['step', 'canary', `ALB weights ${stable}:${canary}`, 'split', 'first'],
    ...plan.steps.map((s) => [String(s.index + 1), `${s.percent}%`, `${s.weights.stable}:${s.weights.canary}`, formatSplit(s.weights), s.approval ? 'approval' : '']),
  ];
  const gates = plan.steps.filter((s) => s.approval).map((s) => `${s.percent}%`);
  const approvalWait = plan.approvalGates * input.approvals.timeoutSeconds;
  const lines = [
    `Rollout plan: ${targetLine(input.target)}`,
    ...(pair ? [`  the target group taking all of the pair's traffic at start is stable, the other the canary; a split pair is refused`] : []),
    '',
    ...columns(rows).map((l) => `  ${l}`),
    '',
    `  bake       ${humanSeconds(plan.bakeSeconds)} per step, checked every ${humanSeconds(plan.pollSeconds)} (${plan.pollsPerStep} polls per step)`,
    `  alarms     ${input.alarms.length ? input.alarms.join(', ') : 'none (only target health and drift are watched)'}${input.alarms.length ? `; INSUFFICIENT_DATA: ${INSUFFICIENT_DATA[input.insufficientData]}` : ''}`,
    `  health     the canary needs at least ${input.minHealthyTargets} healthy target${input.minHealthyTargets === 1 ? '' : 's'} before and during every step`,
    `  approvals  ${gates.length ? `before ${gates.join(', ')}: each waits up to ${humanSeconds(input.approvals.timeoutSeconds)}, then ${input.approvals.onTimeout === 'rollback' ? 'rolls back' : 'proceeds'}` : 'none'}`,
    ...(input.slack ? [`  slack      progress${gates.length ? ' and approvals' : ''} in channel ${input.slack.channel}`] : []),
    `  ETA        ${roughly(plan.estimatedSeconds)} of baking${approvalWait ? `, plus up to ${roughly(approvalWait)} waiting for approvals` : ''}`,
    `  states     Prepare, then per step: ${gates.length ? '[RequestApproval →] ' : ''}Shift → ${plan.pollsPerStep} × (Bake → Evaluate → Decide), then Finalize → Promoted`,
    `             any failure or alarm → Rollback to the recorded original → RolledBack`,
    `  cost       ${plan.stateTransitions.toLocaleString('en-US')} state transitions, ${plan.historyEvents.toLocaleString('en-US')} history events (limit ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')}): ≈$${plan.estimatedCostUsd.toFixed(4)} per rollout (Standard workflow, $0.025 per 1,000 transitions)`,
  ];
  return lines;
}

export function planJson(input: RolloutRequest, plan: Plan): Record<string, unknown> {
  return { input, plan };
}
