// `plan`: what a rollout will do, from the domain's buildPlan. Needs no AWS; with --read-listener it
// also reads the forward action and shows every target group's share at each step.
import { HISTORY_EVENT_BUDGET, HISTORY_EVENT_LIMIT, isUndirected, type RolloutInput, type RolloutRequest } from '../lambdas/domain/input.ts';
import { alarmHoldSeconds, judgeHoldSeconds, planShares, type Plan } from '../lambdas/domain/plan.ts';
import { judgeSettingsOf } from '../lambdas/domain/judge-input.ts';
import type { ForwardState } from '../lambdas/domain/rollout.ts';
import { describeShares, sharesOf } from '../lambdas/domain/shares.ts';
import { stickinessProblem, stickinessRisk } from '../lambdas/domain/stickiness.ts';
import { formatSplit } from '../lambdas/domain/weights.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { metricSourceOf, providerOf } from '../lambdas/providers/traffic/index.ts';
import { columns, roughly, targetLine, weightsLine, whereOf } from './format.ts';
import { policyJson, policyLines } from './plan-policy.ts';
import { CliError, EXIT } from './io.ts';

const INSUFFICIENT_DATA = { fail: 'roll back', ignore: 'treated as OK', wait: 'hold the step until there is data' } as const;

/**
 * The plan against the forward action as it is now: refuses (exit 2, with the numbers) a step that
 * cannot keep the other target groups' shares, or a sticky action the input does not handle.
 */
export function checkAgainstListener(input: RolloutInput, plan: Plan, current: ForwardState): void {
  const layer = providerOf(input.target);
  const problems = planShares(plan, (percent) => layer.stepWeights(current, input.target, percent)).flatMap((r) => (r.ok ? [] : [r.reason]));
  problems.push(...(layer.preflight?.(input.target, current, input) ?? []));
  const sticky = stickinessProblem(input.stickiness, current.stickiness, whereOf(input.target));
  if (sticky) problems.push(sticky);
  if (problems.length > 0) throw new CliError(`this rollout would be refused at Prepare:\n- ${problems.join('\n- ')}`, EXIT.USAGE);
}

/** With `current` (the listener read), a `targetGroups` input must already carry its direction (directedInput). */
export function renderPlan(input: RolloutRequest, plan: Plan, current?: ForwardState, now: number = Date.now()): string[] {
  // targetGroups: which group is stable is only known at start (the one taking all the traffic).
  const pair = isUndirected(input.target);
  const layer = providerOf(input.target);
  const sides = pair ? undefined : layer.sides(input.target);
  const stable = sides ? layer.sideName(sides.stable) : 'stable';
  const canary = sides ? layer.sideName(sides.canary) : 'canary';
  // ELBv2 without a read shows the pair's 0–999 weights; another layer shows its own scale from a
  // start with all of the pair's traffic on stable.
  const start = current ?? (sides && layer.type !== 'elbv2' ? { actions: [], weights: { [sides.stable]: 1, [sides.canary]: 0 } } : undefined);
  const shares = start && sides ? planShares(plan, (percent) => layer.stepWeights(start, input.target, percent)) : undefined;
  const notes = layer.notes?.(input.target, current) ?? [];
  const rows = shares
    ? [
        ['step', 'canary', layer.type === 'elbv2' ? 'ALB weights' : 'weights', 'shares of all traffic', 'first'],
        ...plan.steps.map((s, i) => {
          const r = shares[i];
          return [String(s.index + 1), `${s.percent}%`, r?.ok ? weightsLine(r.weights) : 'not representable', r?.ok ? describeShares(r.shares) : '', s.approval ? 'approval' : ''];
        }),
      ]
    : [
        ['step', 'canary', `ALB weights ${stable}:${canary}`, 'split', 'first'],
        ...plan.steps.map((s) => [String(s.index + 1), `${s.percent}%`, `${s.weights.stable}:${s.weights.canary}`, formatSplit(s.weights), s.approval ? 'approval' : '']),
      ];
  const stickyNow = current ? (current.stickiness?.enabled ? `on (DurationSeconds ${current.stickiness.durationSeconds ?? '?'})` : 'off') : undefined;
  const gates = plan.steps.filter((s) => s.approval).map((s) => `${s.percent}%`);
  const approvalWait = plan.approvalGates * input.approvals.timeoutSeconds;
  const lines = [
    `Rollout plan: ${targetLine(input.target)}`,
    ...(current ? [`  now        ${weightsLine(current.weights)} (${describeShares(sharesOf(current.weights))}); other target groups keep their share at every step`] : []),
    ...(pair ? [`  the target group taking all of the pair's traffic at start is stable, the other the canary; a split pair is refused`] : []),
    '',
    ...columns(rows).map((l) => `  ${l}`),
    ...(current || layer.type !== 'elbv2' ? [] : ['', `  shares     pair weights only; a forward action with other target groups is scaled so they keep their share (±0.1 pp): --read-listener shows it`]),
    ...notes.map((n, i) => `  ${i === 0 ? 'layer      ' : '           '}${n}`),
    '',
    `  bake       ${humanSeconds(plan.bakeSeconds)} per step, checked every ${humanSeconds(plan.pollSeconds)} (${plan.pollsPerStep} polls per step)`,
    `  alarms     ${input.alarms.length ? input.alarms.join(', ') : 'none (only target health and drift are watched)'}${input.alarms.length ? `; INSUFFICIENT_DATA: ${INSUFFICIENT_DATA[input.insufficientData]}${alarmHoldSeconds(input) ? `, at most ${humanSeconds(alarmHoldSeconds(input))} past the bake, then roll back` : ''}` : ''}`,
    `  judge      ${judgeLine(input)}`,
    `  health     the canary needs at least ${input.minHealthyTargets} healthy target${input.minHealthyTargets === 1 ? '' : 's'} before and during every step`,
    `  stickiness ${stickyNow ? `target group stickiness ${stickyNow}; ` : ''}${input.stickiness ? `"${input.stickiness}": ` : ''}${stickinessRisk(input.stickiness)}`,
    `  approvals  ${gates.length ? `before ${gates.join(', ')}: each waits up to ${humanSeconds(input.approvals.timeoutSeconds)}, then ${input.approvals.onTimeout === 'rollback' ? 'rolls back' : 'proceeds'}` : 'none'}`,
    ...(input.slack ? [`  slack      progress${gates.length ? ' and approvals' : ''} in channel ${input.slack.channel}`] : []),
    ...policyLines(input, plan, now),
    `  ETA        ${roughly(plan.estimatedSeconds)} of baking${approvalWait ? `, plus up to ${roughly(approvalWait)} waiting for approvals` : ''}`,
    `  states     Prepare, then per step: ${gates.length ? '[RequestApproval →] ' : ''}Shift → ${plan.pollsPerStep} × (Bake → Evaluate → Decide), then Finalize → Promoted`,
    `             any failure or alarm → Rollback to the recorded original → RolledBack`,
    `  cost       ${plan.stateTransitions.toLocaleString('en-US')} state transitions, ${plan.historyEvents.toLocaleString('en-US')} history events at most (limit ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')}, refused above ${HISTORY_EVENT_BUDGET.toLocaleString('en-US')}): ≈$${plan.estimatedCostUsd.toFixed(4)} per rollout (Standard workflow, $0.025 per 1,000 transitions)`,
  ];
  return lines;
}

/** Whether and how the built-in judge (docs/judge.md) decides this rollout. */
function judgeLine(input: RolloutRequest): string {
  const settings = judgeSettingsOf(input.judge);
  if (!settings) return 'off ("judge": "off"): alarms, target health and drift decide';
  const source = metricSourceOf(input.target);
  if (!source) return `not run: ${providerOf(input.target).type === 'apigateway' ? 'add target.apiName (the ApiName dimension) for the judge to read the stage\'s metrics' : 'this layer publishes no per-side metrics to compare'}; alarms, target health and drift decide`;
  const what = `canary vs stable on ${source.namespace} ${Object.values(source.metrics).filter((m) => m !== source.metrics.latencyUnit).join(', ')}, ${humanSeconds(settings.periodSeconds)} periods`;
  if (settings.mode === 'advisory') return `advisory: ${what}; reports its verdicts, never rolls back or holds`;
  return `on: ${what}; rolls back on a regression, holds through a shared outage; an open test extends a step by up to ${humanSeconds(settings.maxExtendSeconds)}${judgeHoldSeconds(input) > settings.maxExtendSeconds ? `, then with too few canary requests up to ${humanSeconds(judgeHoldSeconds(input) - settings.maxExtendSeconds)} more (insufficientData "wait")` : ''}`;
}

export function planJson(input: RolloutRequest, plan: Plan, now: number = Date.now()): Record<string, unknown> {
  return { input, plan, ...policyJson(input, now) };
}

