// Drift: the weights as the provider has them now against what the rollout last wrote. Someone
// changed them by hand: never fight an operator (decide hands traffic back to the original).
import { describeChange, sameWeightMap, type Pair } from '../shares.ts';
import type { Verdict } from './check.ts';

export const DRIFT = 'drift';

export function driftVerdict(current: Record<string, number>, expected: Record<string, number>, pair: Pair, at: string): Verdict {
  if (sameWeightMap(current, expected)) return { check: DRIFT, status: 'pass', reason: `weights as the rollout wrote them ${at}` };
  return {
    check: DRIFT,
    status: 'fail',
    reason: `weights changed outside the rollout ${at}: ${describeChange(expected, current, pair)}`,
    evidence: { expected, found: current },
    response: 'rollback',
  };
}
