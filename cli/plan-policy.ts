// `plan`'s lines for the rollout policy (docs/policy.md): windows and blackouts, when each step runs
// under them if started now, the freeze, the capacity gate and the watch after 100%.
import { HISTORY_EVENT_BUDGET, type RolloutRequest } from '../lambdas/domain/input.ts';
import { HOLD_EVALUATIONS, untimedHoldEventsPerHour, type Plan } from '../lambdas/domain/plan.ts';
import { schedule } from '../lambdas/domain/policy.ts';
import { humanSeconds } from '../lambdas/domain/rollout.ts';
import { timestamp } from './format.ts';

export function policyLines(input: RolloutRequest, plan: Plan, now: number): string[] {
  const lines: string[] = [];
  const windows = input.windows ?? [];
  const blackouts = input.blackouts ?? [];
  if (windows.length || blackouts.length) {
    const w = windows.map((x) => `${x.days.join(',')} ${x.start}–${x.end} ${x.timezone}`).join('; ');
    lines.push(`  windows    ${w || 'any time'}${blackouts.length ? `; blackouts ${blackouts.join(', ')} (${windows.length ? "days in each window's time zone" : 'UTC days'})` : ''}`);
    const s = schedule(input, now);
    const when = s.steps.map((x) => `${x.percent}% ${timestamp(x.at)}${x.held ? ' (waits for the window)' : ''}`);
    lines.push(`  schedule   if started now (${timestamp(now)}), at the earliest: ${when.join(', ')}${s.endsAt !== undefined ? `; promoted ${timestamp(s.endsAt)}` : '; then no window opens within 400 days'}`);
    lines.push(`             outside a window a step holds (still watching, rolling back on alarms): ${HOLD_EVALUATIONS} looks at most per closed stretch, the last at the opening`);
  }
  // Said when the input has a policy; the freeze applies to every rollout either way.
  if (lines.length === 0 && !input.capacity && !input.postPromotionSeconds) return lines;
  const headroom = Math.max(0, HISTORY_EVENT_BUDGET - plan.historyEvents);
  const perHour = untimedHoldEventsPerHour(input);
  lines.push(`  freeze     canary-switch freeze on holds every rollout at its step; this plan leaves room for ${Math.floor(headroom / perHour)}h of freeze or capacity hold (${perHour} events an hour)`);
  if (input.capacity) lines.push(`  capacity   before each step the canary needs ceil(share × stable healthy × ${input.capacity.factor}) healthy targets, else it holds`);
  if (input.postPromotionSeconds) lines.push(`  after 100% watched ${humanSeconds(input.postPromotionSeconds)} more with the old group at weight 0; an alarm restores the original, then it is promoted`);
  return lines;
}

/** `plan --json`: with windows or blackouts, when each step would run if started now (ISO), else nothing. */
export function policyJson(input: RolloutRequest, now: number): { schedule?: { startsAt: string; steps: { percent: number; at: string; held: boolean }[]; endsAt: string | null } } {
  if (!input.windows?.length && !input.blackouts?.length) return {};
  const s = schedule(input, now);
  const iso = (ms: number) => new Date(ms).toISOString();
  return { schedule: { startsAt: iso(now), steps: s.steps.map((x) => ({ percent: x.percent, at: iso(x.at), held: x.held })), endsAt: s.endsAt === undefined ? null : iso(s.endsAt) } };
}
