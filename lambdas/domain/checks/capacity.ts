// The capacity gate (issue 14): before raising the canary's share, the canary must have enough
// healthy targets to carry it. Stable's healthy count carries all of the pair's traffic today, so
// a share s (0–1) needs ceil(s × stable healthy × factor) healthy canary targets. Too few is a
// hold ("wait"), never a rollback: the canary is not broken, it is small (still scaling up).
import type { Verdict } from './check.ts';

export interface CapacityObservation {
  /** The canary's share of the pair after the shift, in percent (0–100). */
  percent: number;
  canaryHealthy: number;
  stableHealthy: number;
  /** input.capacity.factor. */
  factor: number;
}

/** Healthy canary targets a share needs. At least 1 for any share above 0. */
export function requiredCanaryTargets(percent: number, stableHealthy: number, factor: number): number {
  // Round the product to 1e-9 first: 0.1 × 30 × 1 is 3.0000000000000004 in floating point.
  const raw = Math.round((percent / 100) * stableHealthy * factor * 1e9) / 1e9;
  return Math.max(percent > 0 ? 1 : 0, Math.ceil(raw));
}

export function capacityVerdict(o: CapacityObservation): Verdict {
  const needed = requiredCanaryTargets(o.percent, o.stableHealthy, o.factor);
  const evidence = { percent: o.percent, canaryHealthy: o.canaryHealthy, stableHealthy: o.stableHealthy, factor: o.factor, needed };
  if (o.canaryHealthy >= needed) {
    return { check: 'capacity', status: 'pass', reason: `canary has ${o.canaryHealthy} healthy targets, ${needed} needed for ${o.percent}%`, evidence };
  }
  return {
    check: 'capacity',
    status: 'wait',
    reason:
      `holding before ${o.percent}%: canary has ${o.canaryHealthy} healthy target${o.canaryHealthy === 1 ? '' : 's'}, ` +
      `needs ${needed} = ceil(${o.percent}% × ${o.stableHealthy} stable healthy × factor ${o.factor}); scale the canary up or lower capacity.factor`,
    evidence,
  };
}
