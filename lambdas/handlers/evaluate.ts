// Evaluate: after each Bake wait, observe (weights, alarms and their ALARM episodes since the previous
// read, canary health) and let `decide` judge. While held (docs/policy.md) it watches the same way
// and says hold (Wait until $.hold.wakeAt) or resume (back to Shift).
import { historyStart, withEpisodes } from '../domain/alarm-episodes.ts';
import { decideWithPostPromotion, whileHeld } from '../domain/policy.ts';
import { afterDecision, type RolloutState } from '../domain/rollout.ts';
import { client } from '../providers/clients.ts';
import { readAlarmHistory, readAlarms } from '../providers/health.ts';
import { log, now, provider } from './deps.ts';

export async function handler(state: RolloutState): Promise<RolloutState> {
  const { target } = state.input;
  const layer = provider(target);
  const readAt = now();
  // Held before the first shift: nothing has moved yet, so there is nothing to watch.
  if (state.hold && state.position < 0) return held(state, state.hold, readAt);
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
  const decision = decideWithPostPromotion(
    {
      now: readAt.getTime(),
      alarms: withEpisodes(alarms, changes, heldFrom),
      canaryHealthy: health?.healthy,
      weights: current.weights,
    },
    { ...state.input, steps: state.plan.steps },
    { stepIndex: state.position, stepStartedAt: Date.parse(state.stepStartedAt ?? state.startedAt), expected: state.expected, pair: layer.sides(target) },
    state.input.postPromotionSeconds,
  );
  log.info('evaluated', { executionArn: state.executionArn, action: decision.action, reason: decision.reason });
  const watched = { ...state, alarmsReadUntil: readAt.toISOString() };
  // Held: a rollback is a rollback; otherwise the hold decides (the step has long baked).
  if (state.hold && decision.action !== 'rollback') return held(watched, state.hold, readAt);
  return afterDecision(watched, decision);
}

function held(state: RolloutState, current: NonNullable<RolloutState['hold']>, at: Date): RolloutState {
  const { decision, hold } = whileHeld(at.getTime(), current, state.input, state.input);
  log.info('evaluated', { executionArn: state.executionArn, action: decision.action, reason: decision.reason });
  // resume keeps `next` (the held step) and the hold until Shift moves traffic or holds again.
  return { ...state, decision, ...(hold ? { hold } : {}) };
}
