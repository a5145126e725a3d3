// Evaluate: after each Bake wait, observe (weights, alarms, canary health) and let `decide` judge.
import { decide } from '../domain/decide.ts';
import { afterDecision, type RolloutState } from '../domain/rollout.ts';
import { client } from '../providers/clients.ts';
import { countHealthy, readAlarms } from '../providers/health.ts';

import { log, now, shifter } from './deps.ts';

export async function handler(state: RolloutState): Promise<RolloutState> {
  const { target } = state.input;
  const [current, alarms, health] = await Promise.all([
    shifter(target).read(),
    readAlarms(client('cloudwatch'), state.input.alarms),
    countHealthy(client('elb'), target.canary),
  ]);
  const decision = decide(
    {
      now: now().getTime(),
      alarms,
      canaryHealthy: health.healthy,
      weights: current.weights,
    },
    { ...state.input, steps: state.plan.steps },
    { stepIndex: state.position, stepStartedAt: Date.parse(state.stepStartedAt ?? state.startedAt), expected: state.expected, pair: target },
  );
  log.info('evaluated', { executionArn: state.executionArn, action: decision.action, reason: decision.reason });
  return afterDecision(state, decision);
}
