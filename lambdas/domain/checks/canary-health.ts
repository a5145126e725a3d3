// Canary health: at least minHealthyTargets healthy targets behind the canary (an ALB fails open
// into unhealthy targets when none are healthy). One rule for Prepare (pre-flight), Shift (before
// sending traffic) and Evaluate (while baking); each says it in its own words.
import type { Response, Verdict } from './check.ts';

export const CANARY_HEALTH = 'canary-health';

export interface HealthReading {
  healthy: number;
  total?: number;
}

/** Where the rule is applied: the message says what to do at that point. */
export type HealthPhase = { phase: 'preflight'; canary: string } | { phase: 'shift'; canary: string; percent: number } | { phase: 'evaluate'; at: string };

/** `h` undefined: the layer has no target health to read (Route 53 without health checks, API Gateway): nothing to hold against it. */
export function canaryHealthVerdict(h: HealthReading | undefined, minHealthyTargets: number, where: HealthPhase, response: Response = 'rollback'): Verdict {
  if (h === undefined) return { check: CANARY_HEALTH, status: 'pass', reason: 'no target health on this layer' };
  const evidence = { healthy: h.healthy, ...(h.total !== undefined ? { total: h.total } : {}), minHealthyTargets };
  const s = h.healthy === 1 ? '' : 's';
  if (h.healthy >= minHealthyTargets) {
    return { check: CANARY_HEALTH, status: 'pass', reason: `${h.healthy} canary target${s} healthy`, evidence };
  }
  const reason =
    where.phase === 'preflight'
      ? `canary ${where.canary} has ${h.healthy} healthy of ${h.total} targets, fewer than minHealthyTargets ${minHealthyTargets}; ` +
        'register healthy targets first (an ALB sends traffic to unhealthy targets when none are healthy)'
      : where.phase === 'shift'
        ? `refusing to send ${where.percent}% to ${where.canary}: ${h.healthy} of ${h.total} targets healthy, minHealthyTargets is ${minHealthyTargets}`
        : `canary has ${h.healthy} healthy target${s} ${where.at}, fewer than minHealthyTargets ${minHealthyTargets}`;
  return { check: CANARY_HEALTH, status: 'fail', reason, evidence, response };
}
