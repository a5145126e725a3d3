// The Shift path's policy gate (docs/policy.md): before a step moves traffic, the windows and
// blackouts (pure), the freeze switch (the table) and, with `capacity`, the canary's healthy targets
// against stable's. A closed gate holds the rollout at its current step: no traffic change.
import { capacityVerdict } from '../domain/checks/capacity.ts';
import type { Verdict } from '../domain/checks/check.ts';
import { gate, holdFor, holdText } from '../domain/policy.ts';
import type { RolloutState } from '../domain/rollout.ts';
import { notifySafely } from '../providers/notify.ts';
import { log, logWarn, provider, store } from './deps.ts';

/** The held state when the gate is closed for a shift to `percent`, else undefined. */
export async function holdBeforeShift(state: RolloutState, percent: number, at: Date): Promise<RolloutState | undefined> {
  const { input } = state;
  const now = at.getTime();
  let closed = gate(now, input);
  if (closed.open) {
    const [freeze, capacity] = await Promise.all([store().getFreeze(), capacityCheck(state, percent)]);
    closed = gate(now, input, freeze, capacity);
  }
  if (closed.open) return undefined;
  const hold = holdFor(now, closed, input, state.hold);
  const reason = holdText(hold);
  log.info('held', { executionArn: state.executionArn, percent, kind: hold.kind, reason });
  // Said once per hold: a hold that only moves its next look is not news.
  if (state.hold?.kind !== hold.kind || state.hold.opensAt !== hold.opensAt) {
    await notifySafely({ kind: 'held', executionArn: state.executionArn, percent, reason }, input.slack?.channel, logWarn);
  }
  return { ...state, hold, decision: { action: 'pause', reason } };
}

/** Off unless the input has `capacity`, and for a provider without target health (said in the log). */
async function capacityCheck(state: RolloutState, percent: number): Promise<Verdict | undefined> {
  const factor = state.input.capacity?.factor;
  if (factor === undefined) return undefined;
  const layer = provider(state.input.target);
  const [s, c] = await Promise.all([layer.stableHealth?.(state.input.target), layer.canaryHealth(state.input.target)]);
  if (!s || !c) {
    logWarn('capacity gate off: this provider reports no target health', { executionArn: state.executionArn, type: state.input.target.type ?? 'elbv2' });
    return undefined;
  }
  return capacityVerdict({ percent, canaryHealthy: c.healthy, stableHealthy: s.healthy, factor });
}
