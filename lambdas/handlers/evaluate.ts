// Evaluate: after each Bake wait, observe (weights, alarms and their ALARM episodes since the previous
// read, canary health) and let `decide` judge.
import { historyStart, withEpisodes } from '../domain/alarm-episodes.ts';
import { decide } from '../domain/decide.ts';
import { afterDecision, type RolloutState } from '../domain/rollout.ts';
import { client } from '../providers/clients.ts';
import { readAlarmHistory, readAlarms } from '../providers/health.ts';
import { log, now, provider } from './deps.ts';

export async function handler(state: RolloutState): Promise<RolloutState> {
  const { target } = state.input;
  const layer = provider(target);
  const readAt = now();
  // Executions started before this field existed fall back to the step's start.
  const readUntil = Date.parse(state.alarmsReadUntil ?? state.stepStartedAt ?? state.startedAt);
  const [current, alarms, changes, health] = await Promise.all([
    layer.shifter(target).read(),
    readAlarms(client('cloudwatch'), state.input.alarms),
    readAlarmHistory(client('cloudwatch'), state.input.alarms, new Date(historyStart(readUntil))),
    layer.canaryHealth(target),
  ]);
  // Episodes that ended before the first shift happened before this rollout moved any traffic.
  const heldFrom = Date.parse(state.history[0]?.startedAt ?? state.stepStartedAt ?? state.startedAt);
  const decision = decide(
    {
      now: readAt.getTime(),
      alarms: withEpisodes(alarms, changes, heldFrom),
      canaryHealthy: health?.healthy,
      weights: current.weights,
    },
    { ...state.input, steps: state.plan.steps },
    { stepIndex: state.position, stepStartedAt: Date.parse(state.stepStartedAt ?? state.startedAt), expected: state.expected, pair: layer.sides(target) },
  );
  log.info('evaluated', { executionArn: state.executionArn, action: decision.action, reason: decision.reason });
  return { ...afterDecision(state, decision), alarmsReadUntil: readAt.toISOString() };
}
