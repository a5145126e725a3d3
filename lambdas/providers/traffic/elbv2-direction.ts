// Alternating releases: an input may name the pair as `targetGroups: [A, B]` and let Prepare pick
// the direction from the live weights, so the same input (a schedule's, say) promotes blue → green
// one day and green → blue the next. Decided once, at Prepare: every later state carries a directed
// target (stable/canary) and never looks at `targetGroups` again.
import { shortName as nameOf, type DirectedTarget, type PairTarget } from './elbv2-target.ts';

export type DirectionResult = { ok: true; target: DirectedTarget } | { ok: false; problem: string };

/**
 * The group taking all of the pair's traffic is stable, the other the canary. A split pair (a
 * rollout left half-way, hand-set weights) or a pair with no traffic at all has no direction to
 * give: refused with the numbers and the fix. `weights` are the forward action's, by ARN.
 */
export function resolveDirection(target: PairTarget, weights: Readonly<Record<string, number>>): DirectionResult {
  const [a, b] = target.targetGroups;
  const wa = weights[a] ?? 0;
  const wb = weights[b] ?? 0;
  const { targetGroups: _pair, ...where } = target;
  if (wa > 0 && wb === 0) return { ok: true, target: { ...where, stable: a, canary: b } };
  if (wb > 0 && wa === 0) return { ok: true, target: { ...where, stable: b, canary: a } };
  const weightsText = `${nameOf(a)} ${wa}, ${nameOf(b)} ${wb}`;
  if (wa === 0 && wb === 0) {
    return {
      ok: false,
      problem:
        `target.targetGroups: neither ${nameOf(a)} nor ${nameOf(b)} takes traffic (weights ${weightsText}), so there is no stable version to start from; ` +
        `give the version serving today weight 1 (the other 0), or name stable and canary instead of targetGroups`,
    };
  }
  const share = Math.round((wb / (wa + wb)) * 1000) / 10;
  return {
    ok: false,
    problem:
      `target.targetGroups: the pair is split (weights ${weightsText}: ${Math.round((100 - share) * 10) / 10}/${share}), so the direction cannot be decided from live weights — ` +
      `a rollout left half-way or weights set by hand; put all of the pair's traffic on the version that should serve (e.g. weights ${nameOf(a)} 1, ${nameOf(b)} 0) and start again, ` +
      `or name stable and canary instead of targetGroups`,
  };
}

/** Before the direction is known: the pair in input order, enough to read the forward action (both must be in it). */
export function readableTarget(target: PairTarget): DirectedTarget {
  const {
    targetGroups: [first, second],
    ...where
  } = target;
  return { ...where, stable: first, canary: second };
}
