// Evaluate: after each Bake wait, observe (weights, alarms and their ALARM episodes since the previous
// read, canary health, the judge's newly closed periods) and let `decide` judge. While paused by the
// policy (docs/policy.md) it watches the same way and says pause (Wait until $.hold.wakeAt) or resume.
import { historyStart, withEpisodes } from '../domain/alarm-episodes.ts';
import type { Verdict } from '../domain/checks/check.ts';
import type { Decision } from '../domain/decide.ts';
import { judgeSettingsOf } from '../domain/judge-input.ts';
import { decideWithPostPromotion, whileHeld } from '../domain/policy.ts';
import { afterDecision, type RolloutState } from '../domain/rollout.ts';
import { client } from '../providers/clients.ts';
import { readAlarmHistory, readAlarms } from '../providers/health.ts';
import { observeJudge } from '../providers/judge-observe.ts';
import { notifySafely } from '../providers/notify.ts';
import { log, logWarn, now, provider } from './deps.ts';

export async function handler(state: RolloutState): Promise<RolloutState> {
  const { target } = state.input;
  const layer = provider(target);
  const readAt = now();
  // Held before the first shift: nothing has moved yet, so there is nothing to watch.
  if (state.hold && state.position < 0) return held(state, state.hold, readAt);
  // Executions started before this field existed fall back to the step's start.
  const readUntil = Date.parse(state.alarmsReadUntil ?? state.stepStartedAt ?? state.startedAt);
  const stepStartedAt = Date.parse(state.stepStartedAt ?? state.startedAt);
  const settings = judgeSettingsOf(state.input.judge);
  // The layer's per-side metrics (ELBv2 ALB: AWS/ApplicationELB); none: the judge has nothing to compare.
  const source = settings ? layer.metrics?.(target) : undefined;
  const [current, alarms, changes, health, judged] = await Promise.all([
    layer.shifter(target).read(),
    readAlarms(client('cloudwatch'), state.input.alarms),
    readAlarmHistory(client('cloudwatch'), state.input.alarms, new Date(historyStart(readUntil))),
    layer.canaryHealth(target),
    settings && source ? observeJudge(client('cloudwatch'), source, settings, { step: state.position, shiftedAt: stepStartedAt, now: readAt.getTime() }, state.judge) : undefined,
  ]);
  // Episodes that ended before the first shift happened before this rollout moved any traffic.
  const heldFrom = Date.parse(state.history[0]?.startedAt ?? state.stepStartedAt ?? state.startedAt);
  const decision = decideWithPostPromotion(
    {
      now: readAt.getTime(),
      alarms: withEpisodes(alarms, changes, heldFrom),
      canaryHealthy: health?.healthy,
      weights: current.weights,
      ...(judged && settings ? { judge: { report: judged.report, settings } } : {}),
    },
    { ...state.input, steps: state.plan.steps },
    { stepIndex: state.position, stepStartedAt, expected: state.expected, pair: layer.sides(target) },
    state.input.postPromotionSeconds,
  );
  log.info('evaluated', { executionArn: state.executionArn, action: decision.action, reason: decision.reason, ...(judged ? { judge: judged.report.verdict } : {}) });
  const notified = await tell(state, decision);
  const watched: RolloutState = {
    ...state,
    alarmsReadUntil: readAt.toISOString(),
    ...(judged ? { judge: judged.progress } : {}),
    ...(notified.length ? { notified: [...(state.notified ?? []), ...notified] } : {}),
  };
  // Paused by the policy: a rollback (or a human hold) is that; otherwise the pause decides (the step has long baked).
  if (state.hold && decision.action !== 'rollback' && decision.action !== 'hold') return held(watched, state.hold, readAt);
  return afterDecision(watched, decision);
}

function held(state: RolloutState, current: NonNullable<RolloutState['hold']>, at: Date): RolloutState {
  const { decision, hold } = whileHeld(at.getTime(), current, state.input, state.input);
  log.info('evaluated', { executionArn: state.executionArn, action: decision.action, reason: decision.reason });
  // resume keeps `next` (the held step) and the hold until Shift moves traffic or holds again.
  return { ...state, decision, ...(hold ? { hold } : {}) };
}

/**
 * "notify" responses go to Slack once per signal per step (the decisions' evidence is audited by
 * Shift, Rollback and Finalize, which act on them). Returns the notices told now.
 */
async function tell(state: RolloutState, decision: Decision): Promise<string[]> {
  const percent = state.plan.steps[state.position]?.percent ?? 0;
  const key = (v: Verdict) => `${state.position}:${v.check}${alarmNames(v)}`;
  const fresh = (decision.checks ?? []).filter((v) => v.status === 'fail' && v.response === 'notify' && !(state.notified ?? []).includes(key(v)));
  for (const v of fresh) {
    await notifySafely({ kind: 'notice', executionArn: state.executionArn, percent, check: v.check, reason: v.reason }, state.input.slack?.channel, logWarn);
  }
  return fresh.map(key);
}

/** `:web-5xx,web-p99` for an alarms verdict: each alarm is its own signal. */
function alarmNames(v: Verdict): string {
  const alarms = (v.evidence as { alarms?: { name: string }[] } | undefined)?.alarms;
  return alarms ? `:${alarms.map((a) => a.name).join(',')}` : '';
}
