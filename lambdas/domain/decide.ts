// The one decision a rollout makes every poll: keep baking, advance, promote, or roll back.
// Pure: the Evaluate handler gathers observations; this function only judges them.
import { describeEpisode, type AlarmEpisode } from './alarm-episodes.ts';
import type { RolloutInput } from './input.ts';
import { DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS, type PlanStep } from './plan.ts';
import { describeChange, sameWeightMap, type Pair } from './shares.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmObservation {
  name: string;
  state: AlarmState;
  reason?: string;
  /** An ALARM episode since the previous read (the alarm may be OK again now): judged as ALARM. */
  episode?: AlarmEpisode;
}

export interface Observations {
  /** Epoch milliseconds when the observations were taken. */
  now: number;
  alarms: AlarmObservation[];
  /** Healthy canary targets; undefined when the layer has no target health (Route 53 without health checks, API Gateway). */
  canaryHealthy: number | undefined;
  /** Every target group's weight in the forward action as the listener has it now. */
  weights: Record<string, number>;
}

export interface Position {
  stepIndex: number;
  /** Epoch milliseconds when this step's weights were applied. */
  stepStartedAt: number;
  /** Every target group's weight as the rollout last wrote it. */
  expected: Record<string, number>;
  /** The stable and canary target groups (to name them in a drift message). */
  pair: Pair;
}

export type DecisionPolicy = Pick<RolloutInput, 'bakeSeconds' | 'insufficientData' | 'minHealthyTargets'> &
  Partial<Pick<RolloutInput, 'insufficientDataWaitSeconds'>> & { steps: PlanStep[] };

export type Action = 'bake' | 'advance' | 'promote' | 'rollback';

export interface Decision {
  action: Action;
  reason: string;
}

export function decide(obs: Observations, plan: DecisionPolicy, pos: Position): Decision {
  const step = plan.steps[pos.stepIndex];
  if (!step) throw new RangeError(`step index ${pos.stepIndex} is outside the plan (${plan.steps.length} steps)`);
  const at = `at step ${step.percent}%`;

  // Never fight an operator: if someone moved the weights, hand traffic back to the original.
  if (!sameWeightMap(obs.weights, pos.expected)) {
    return rollback(`weights changed outside the rollout ${at}: ${describeChange(pos.expected, obs.weights, pos.pair)}`);
  }
  const firing = obs.alarms.filter((a) => a.state === 'ALARM');
  if (firing.length > 0) {
    const names = firing.map((a) => a.name).join(', ');
    const why = firing[0]?.reason ? ` (${firing[0].reason})` : '';
    return rollback(`alarm ${names} in ALARM ${at}${why}`);
  }
  // In ALARM since the previous poll, OK again now: a burst between two polls still rolls back.
  const missed = obs.alarms.filter((a) => a.episode);
  if (missed.length > 0) {
    const first = missed[0]?.episode;
    const episodes = missed.map((a) => describeEpisode(a.name, a.episode as AlarmEpisode)).join('; ');
    return rollback(`alarm ${episodes} ${at}${first?.reason ? ` (${first.reason})` : ''}`);
  }
  const noData = obs.alarms.filter((a) => a.state === 'INSUFFICIENT_DATA').map((a) => a.name);
  if (noData.length > 0 && plan.insufficientData === 'fail') {
    return rollback(`alarm ${noData.join(', ')} has INSUFFICIENT_DATA ${at} and insufficientData is "fail"`);
  }
  if (obs.canaryHealthy !== undefined && obs.canaryHealthy < plan.minHealthyTargets) {
    return rollback(`canary has ${obs.canaryHealthy} healthy target${obs.canaryHealthy === 1 ? '' : 's'} ${at}, fewer than minHealthyTargets ${plan.minHealthyTargets}`);
  }

  const elapsed = Math.max(0, Math.floor((obs.now - pos.stepStartedAt) / 1000));
  const targets = obs.canaryHealthy === undefined ? '' : `, ${obs.canaryHealthy} canary target${obs.canaryHealthy === 1 ? '' : 's'} healthy`;
  const health = `${obs.alarms.length} alarm${obs.alarms.length === 1 ? '' : 's'} OK${targets}`;
  if (noData.length > 0 && plan.insufficientData === 'wait') {
    // The hold is bounded (plan.ts counts it in the plan's events and time): no data for this long
    // means the alarm cannot judge the canary, and a held step must not outlive the execution.
    const wait = plan.insufficientDataWaitSeconds ?? DEFAULT_INSUFFICIENT_DATA_WAIT_SECONDS;
    if (elapsed >= plan.bakeSeconds + wait) {
      return rollback(
        `alarm ${noData.join(', ')} still has INSUFFICIENT_DATA ${at} after ${elapsed}s (bakeSeconds ${plan.bakeSeconds} + insufficientDataWaitSeconds ${wait}); ` +
          'check that the alarm\'s metric reports at this traffic share, or raise insufficientDataWaitSeconds',
      );
    }
    return { action: 'bake', reason: `holding step ${step.percent}%: alarm ${noData.join(', ')} has INSUFFICIENT_DATA (${elapsed}s baked, rolls back at ${plan.bakeSeconds + wait}s)` };
  }
  if (elapsed < plan.bakeSeconds) {
    return { action: 'bake', reason: `baking step ${step.percent}%: ${elapsed}s of ${plan.bakeSeconds}s, ${health}` };
  }
  const last = pos.stepIndex === plan.steps.length - 1;
  if (last) return { action: 'promote', reason: `step ${step.percent}% baked ${elapsed}s with ${health}: promoting` };
  const next = plan.steps[pos.stepIndex + 1];
  return { action: 'advance', reason: `step ${step.percent}% baked ${elapsed}s with ${health}: advancing to ${next?.percent}%` };
}

function rollback(reason: string): Decision {
  return { action: 'rollback', reason };
}
