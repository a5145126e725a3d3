// The rollout policy around `decide` (issue 14, docs/policy.md): a step moves traffic only inside a
// window, outside blackouts, while no freeze is on and with enough canary capacity; otherwise the
// rollout holds at its step (still watching, still rolling back) and looks again at a timestamp.
// After the last step, postPromotionSeconds more of watching before the promotion. Pure.
import type { Verdict } from './checks/check.ts';
import { decide, type Decision, type DecisionPolicy, type Observations, type Position } from './decide.ts';
import type { RolloutInput } from './input.ts';
import { HOLD_EVALUATIONS, untimedHoldEvery } from './plan.ts';
import { humanSeconds } from './rollout.ts';
import { openness, type TimePolicy } from './windows.ts';

export type HoldKind = 'window' | 'freeze' | 'capacity';

/** Why the rollout holds and when the Hold wait (TimestampPath $.hold.wakeAt) ends. */
export interface Hold {
  kind: HoldKind;
  reason: string;
  /** ISO: when this hold began (Shift found the gate closed). */
  since: string;
  /** ISO: the next opening, for a window or blackout hold. */
  opensAt?: string;
  /** Seconds between evaluations while held (fixed for the stretch, so it is evaluated a bounded number of times). */
  every: number;
  /** ISO: when to evaluate next: min(opensAt, now + every). */
  wakeAt: string;
}

/** The operator's freeze switch as stored in the table (`canary-switch freeze on --reason …`). */
export interface Freeze {
  frozen: boolean;
  reason?: string;
  by?: string;
  at?: string;
}

/** What the hold's pace depends on. */
export type HoldTiming = Pick<RolloutInput, 'pollSeconds' | 'bakeSeconds'>;

export type Gate = { open: true } | { open: false; kind: HoldKind; reason: string; opensAt?: number };

/** May a step move traffic now? Windows and blackouts first (a known opening), then a freeze, then capacity. */
export function gate(now: number, policy: TimePolicy, freeze?: Freeze, capacity?: Verdict): Gate {
  const time = openness(now, policy);
  if (!time.open) return { open: false, kind: 'window', reason: time.why, ...(time.opensAt !== undefined ? { opensAt: time.opensAt } : {}) };
  if (freeze?.frozen) return { open: false, kind: 'freeze', reason: `holding: freeze on since ${freeze.at ?? '?'} by ${freeze.by ?? '?'}: ${freeze.reason ?? 'no reason given'} (canary-switch freeze off lifts it)` };
  if (capacity && capacity.status !== 'pass') return { open: false, kind: 'capacity', reason: capacity.reason };
  return { open: true };
}

/**
 * The hold for a closed gate. A window hold is evaluated every max(pollSeconds, stretch /
 * HOLD_EVALUATIONS), fixed while the opening stays the same, so a long weekend costs at most
 * HOLD_EVALUATIONS + 2 evaluations; a freeze or capacity hold (no known end) every
 * untimedHoldEvery (min(5 min, bakeSeconds), at least pollSeconds).
 */
export function holdFor(now: number, closed: Extract<Gate, { open: false }>, timing: HoldTiming, previous?: Hold): Hold {
  const opensAt = closed.opensAt !== undefined ? new Date(closed.opensAt).toISOString() : undefined;
  const same = previous && previous.kind === closed.kind && previous.opensAt === opensAt;
  const every = same
    ? previous.every
    : closed.opensAt !== undefined
      ? Math.max(timing.pollSeconds, Math.ceil((closed.opensAt - now) / 1000 / HOLD_EVALUATIONS))
      : untimedHoldEvery(timing);
  const wake = closed.opensAt !== undefined ? Math.min(closed.opensAt, now + every * 1000) : now + every * 1000;
  return {
    kind: closed.kind,
    reason: closed.reason,
    since: same ? previous.since : new Date(now).toISOString(),
    ...(opensAt ? { opensAt } : {}),
    every,
    wakeAt: new Date(wake).toISOString(),
  };
}

export type HeldAction = 'pause' | 'resume';
export interface HeldDecision {
  action: HeldAction;
  reason: string;
  /** Never set on a held decision: the same optional field as Decision's, so readers need not tell them apart. */
  checks?: Decision['checks'];
}

/**
 * Evaluate while held, once the watch found nothing to roll back: keep holding until the wake-up
 * time; then a window hold looks at the windows again, and a freeze or capacity hold goes back to
 * Shift, which reads the freeze and the capacity afresh.
 */
export function whileHeld(now: number, hold: Hold, policy: TimePolicy, timing: HoldTiming): { decision: HeldDecision; hold?: Hold } {
  const wakeAt = Date.parse(hold.wakeAt);
  if (now < wakeAt) return { decision: { action: 'pause', reason: holdText(hold) }, hold };
  if (hold.kind === 'window') {
    const g = gate(now, policy);
    if (!g.open) {
      const next = holdFor(now, g, timing, hold);
      return { decision: { action: 'pause', reason: holdText(next) }, hold: next };
    }
    return { decision: { action: 'resume', reason: `window open since ${hold.opensAt ?? new Date(now).toISOString()}: resuming after holding since ${hold.since}` } };
  }
  return { decision: { action: 'resume', reason: `looking again at the ${hold.kind === 'freeze' ? 'freeze' : 'canary capacity'} (holding since ${hold.since})` } };
}

export function holdText(hold: Hold): string {
  return `${hold.opensAt ? `holding until ${hold.opensAt}: ` : ''}${hold.reason}; still watching, next look ${hold.wakeAt} (every ${humanSeconds(hold.every)})`;
}

/**
 * decide, with the last step's bake extended by postPromotionSeconds: the watch after 100%, the old
 * group still in the forward action at weight 0, so an alarm restores the original at once.
 */
export function decideWithPostPromotion(obs: Observations, policy: DecisionPolicy, pos: Position, postPromotionSeconds = 0): Decision {
  const last = pos.stepIndex === policy.steps.length - 1;
  if (!last || postPromotionSeconds <= 0) return decide(obs, policy, pos);
  const decision = decide(obs, { ...policy, bakeSeconds: policy.bakeSeconds + postPromotionSeconds }, pos);
  const elapsed = Math.max(0, Math.floor((obs.now - pos.stepStartedAt) / 1000));
  if (decision.action === 'bake' && elapsed >= policy.bakeSeconds && decision.reason.startsWith('baking')) {
    const watched = elapsed - policy.bakeSeconds;
    return { ...decision, reason: `watching after 100%: ${watched}s of postPromotionSeconds ${postPromotionSeconds}, the old group at weight 0 in the forward action; an alarm restores the original` };
  }
  if (decision.action === 'promote') return { ...decision, reason: `${decision.reason} after watching ${postPromotionSeconds}s at 100%` };
  return decision;
}

export interface ScheduledStep {
  percent: number;
  /** Epoch ms when the step's shift happens (at the earliest, with no approvals, freeze or capacity holds). */
  at: number;
  /** It waits for a window or a blackout to end first. */
  held: boolean;
}

/** When each step runs under the windows if the rollout starts at `start`; undefined `at` when no window opens. */
export function schedule(input: Pick<RolloutInput, 'steps' | 'bakeSeconds' | 'pollSeconds' | 'windows' | 'blackouts' | 'postPromotionSeconds'>, start: number): { steps: ScheduledStep[]; endsAt?: number } {
  const bake = Math.ceil(input.bakeSeconds / input.pollSeconds) * input.pollSeconds * 1000;
  const steps: ScheduledStep[] = [];
  let t = start;
  for (const percent of input.steps) {
    const o = openness(t, input);
    if (!o.open && o.opensAt === undefined) return { steps };
    const at = o.open ? t : (o.opensAt as number);
    steps.push({ percent, at, held: !o.open });
    t = at + bake;
  }
  return { steps, endsAt: t + Math.ceil((input.postPromotionSeconds ?? 0) / input.pollSeconds) * input.pollSeconds * 1000 };
}

/** Started at `now`, would the windows push the end past the state machine's execution timeout? (Prepare refuses it.) */
export function windowTimeoutProblem(input: Parameters<typeof schedule>[0], now: number, timeoutSeconds: number): string | undefined {
  if (timeoutSeconds <= 0 || (!input.windows?.length && !input.blackouts?.length)) return undefined;
  const { endsAt } = schedule(input, now);
  const deadline = now + timeoutSeconds * 1000;
  if (endsAt !== undefined && endsAt <= deadline) return undefined;
  const when = endsAt === undefined ? 'never (no window opens for every step within 400 days)' : `at the earliest at ${new Date(endsAt).toISOString()}`;
  return (
    `windows: started now (${new Date(now).toISOString()}), this rollout ends ${when} because its steps wait for the windows and blackouts, ` +
    `after the state machine's execution timeout of ${humanSeconds(timeoutSeconds)} (${new Date(deadline).toISOString()}); ` +
    `raise the stack's executionTimeout (e.g. 7 days), or start it when a window can take all its steps`
  );
}
