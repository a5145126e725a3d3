// Shares: the weight of every target group in a forward action for one rollout step, so that the
// target groups outside the stable/canary pair keep their share of ALL traffic (within ±0.1
// percentage point), and the pair splits its own share as the step says, as exactly as integer
// weights 0–999 allow. Pure; the weights of the recorded original are the only input that is not
// in the rollout input, so Prepare checks every step against them and Shift computes from them.
import { formatChange, MAX_WEIGHT as ELBV2_MAX_WEIGHT, weightsFor } from './weights.ts';

/** Integer weights 0–max per side (ELBv2 0–999, Route 53 0–255), and how to name them in a refusal. */
export interface WeightScale {
  max: number;
  /** "ALB weights 0–999". */
  label: string;
}

export const ELBV2_SCALE: WeightScale = { max: ELBV2_MAX_WEIGHT, label: `ALB weights 0–${ELBV2_MAX_WEIGHT}` };

/** ±0.1 percentage point: how far another target group's share may move, and the pair's split. */
export const SHARE_TOLERANCE_PP = 0.1;
/** An ALB forward action holds at most 5 target groups. */
export const MAX_TARGET_GROUPS = 5;

export interface Pair {
  stable: string;
  canary: string;
}

export interface StepWeights {
  ok: true;
  percent: number;
  /** Weight of every target group of the forward action, by ARN (the original's keys, in its order). */
  weights: Record<string, number>;
  /** Each target group's share of all traffic, in percent. */
  shares: Record<string, number>;
  /** The canary's share of the pair's traffic, in percent (what the step asks for). */
  split: number;
}

export interface NotRepresentable {
  ok: false;
  percent: number;
  /** One line with the numbers: what the step needs and the closest the weights can get. */
  reason: string;
}

/** Each target group's share (percent) of the traffic a forward action with these weights sends. */
export function sharesOf(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(weights).map(([arn, w]) => [arn, total === 0 ? 0 : (w / total) * 100]));
}

/**
 * The forward action's weights at `percent` (one decimal) given the original weights.
 * Without another target group that takes traffic, the pair's exact reduced weights (weightsFor:
 * 0.1% → 999:1, 10% → 9:1, 100% → 0:1) and the others stay at 0. Otherwise the pair's total is
 * searched (1…1998) for the best split whose other groups, scaled with it, keep their shares.
 */
export function stepWeights(original: Record<string, number>, pair: Pair, percent: number, scale: WeightScale = ELBV2_SCALE): StepWeights | NotRepresentable {
  const MAX_WEIGHT = scale.max;
  const tenths = Math.round(percent * 10);
  if (!Number.isInteger(tenths) || tenths < 0 || tenths > 1000) throw new RangeError(`canary share ${percent}% is outside 0–100`);
  const arns = Object.keys(original);
  if (arns.length > MAX_TARGET_GROUPS) throw new RangeError(`a forward action holds at most ${MAX_TARGET_GROUPS} target groups; found ${arns.length}`);
  const others = arns.filter((a) => a !== pair.stable && a !== pair.canary);
  const othersTotal = others.reduce((sum, a) => sum + (original[a] ?? 0), 0);
  const pairTotal = (original[pair.stable] ?? 0) + (original[pair.canary] ?? 0);

  if (othersTotal === 0 && MAX_WEIGHT >= ELBV2_MAX_WEIGHT) {
    const w = weightsFor(tenths / 10);
    return answer(percent, { ...original, [pair.stable]: w.stable, [pair.canary]: w.canary }, pair);
  }
  if (pairTotal === 0 && othersTotal > 0) {
    return {
      ok: false,
      percent,
      reason: `step ${percent}%: stable and canary receive no traffic today (weight 0 each; ${describe(original)}); keeping the other target groups' shares leaves them none`,
    };
  }

  const total0 = pairTotal + othersTotal;
  const target = tenths / 1000;
  const otherWeights = others.map((a) => original[a] ?? 0);
  const otherShares = otherWeights.map((w) => w / total0);
  const scaled = new Array<number>(others.length).fill(0);
  type Candidate = { p: number; splitErr: number; otherErr: number; distance: number; total: number };
  let best: Candidate | undefined;
  let closest: Candidate | undefined;
  let closestKeepingShares: Candidate | undefined;
  for (let p = 1; p <= 2 * MAX_WEIGHT; p++) {
    const canary = Math.round(target * p);
    const stable = p - canary;
    if (canary > MAX_WEIGHT || stable > MAX_WEIGHT) continue;
    // The step's direction must survive rounding: a step above 0 sends something to the canary.
    if ((tenths > 0 && canary === 0) || (tenths < 1000 && stable === 0)) continue;
    let total = p;
    for (let i = 0; i < others.length; i++) {
      scaled[i] = pairTotal === 0 ? 0 : Math.min(MAX_WEIGHT, Math.round(((otherWeights[i] ?? 0) * p) / pairTotal));
      total += scaled[i] ?? 0;
    }
    let otherErr = 0;
    for (let i = 0; i < others.length; i++) otherErr = Math.max(otherErr, Math.abs((scaled[i] ?? 0) / total - (otherShares[i] ?? 0)) * 100);
    const splitErr = Math.abs(canary / p - target) * 100;
    const candidate = { p, splitErr, otherErr, distance: Math.abs(total - total0), total };
    if (!closest || Math.max(splitErr, otherErr) < Math.max(closest.splitErr, closest.otherErr)) closest = candidate;
    if (otherErr > SHARE_TOLERANCE_PP + 1e-9) continue;
    if (!closestKeepingShares || splitErr < closestKeepingShares.splitErr) closestKeepingShares = candidate;
    if (splitErr > SHARE_TOLERANCE_PP + 1e-9) continue;
    if (!best || better(candidate, best)) best = candidate;
  }
  const build = (p: number): Record<string, number> => {
    const canary = Math.round(target * p);
    const w: Record<string, number> = {};
    for (const arn of arns) {
      w[arn] = arn === pair.stable ? p - canary : arn === pair.canary ? canary : pairTotal === 0 ? 0 : Math.min(MAX_WEIGHT, Math.round(((original[arn] ?? 0) * p) / pairTotal));
    }
    return w;
  };
  if (best) return answer(percent, build(best.p), pair);
  const nearest = closestKeepingShares ?? closest;
  const near = nearest
    ? `; the closest weights (${describe(build(nearest.p))}) give the canary ${round2(splitOf(build(nearest.p), pair))}% of the pair's traffic and move another target group's share by ${round2(nearest.otherErr)} pp`
    : '';
  return {
    ok: false,
    percent,
    reason:
      `step ${percent}% cannot be represented within ±${SHARE_TOLERANCE_PP} pp with ${scale.label}` +
      (others.some((a) => (original[a] ?? 0) > 0)
        ? `: the other target groups must keep ${others.map((a) => `${shortArn(a)} ${round2(((original[a] ?? 0) / total0) * 100)}%`).join(', ')} of all traffic${near}`
        : `: the smallest non-zero share is 1/${MAX_WEIGHT + 1} (≈${round2(100 / (MAX_WEIGHT + 1))}%); use a step of at least that, or a finer layer`),
  };
}

/** Smaller split error first, then smaller share error, then the total nearest the original's (others keep their raw weights when they can), then the smaller total. */
function better(a: { splitErr: number; otherErr: number; distance: number; total: number }, b: typeof a): boolean {
  const eps = 1e-12;
  if (Math.abs(a.splitErr - b.splitErr) > eps) return a.splitErr < b.splitErr;
  if (Math.abs(a.otherErr - b.otherErr) > eps) return a.otherErr < b.otherErr;
  if (a.distance !== b.distance) return a.distance < b.distance;
  return a.total < b.total;
}

function answer(percent: number, weights: Record<string, number>, pair: Pair): StepWeights {
  return { ok: true, percent, weights, shares: sharesOf(weights), split: splitOf(weights, pair) };
}

function splitOf(weights: Record<string, number>, pair: Pair): number {
  const p = (weights[pair.stable] ?? 0) + (weights[pair.canary] ?? 0);
  return p === 0 ? 0 : ((weights[pair.canary] ?? 0) / p) * 100;
}

/** The same target groups with the same weights (a group missing on one side counts as different). */
export function sameWeightMap(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/** `blue 81, green 9, legacy 10`. */
export function describe(weights: Record<string, number>): string {
  return Object.entries(weights)
    .map(([arn, w]) => `${shortArn(arn)} ${w}`)
    .join(', ');
}

/** `blue 81%, green 9%, legacy 10%`, shares rounded to 0.01. */
export function describeShares(shares: Record<string, number>): string {
  return Object.entries(shares)
    .map(([arn, s]) => `${shortArn(arn)} ${round2(s)}%`)
    .join(', ');
}

/** `targetgroup/blue/73e2…` → `blue` (the domain keeps its own copy: it may not import providers). */
function shortArn(arn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * What changed between the weights the rollout wrote and the weights found, for a drift message:
 * the pair as a split when only the pair moved (`expected 90/10, found 50/50`), else each group.
 */
export function describeChange(expected: Record<string, number>, found: Record<string, number>, pair: Pair): string {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])];
  const changed = keys.filter((k) => expected[k] !== found[k]);
  if (changed.every((k) => k === pair.stable || k === pair.canary)) {
    const e = { stable: expected[pair.stable] ?? 0, canary: expected[pair.canary] ?? 0 };
    const f = { stable: found[pair.stable] ?? 0, canary: found[pair.canary] ?? 0 };
    return formatChange(e, f);
  }
  const one = (w: number | undefined) => (w === undefined ? 'absent' : String(w));
  return `target group${changed.length > 1 ? 's' : ''} ${changed.map((k) => `${shortArn(k)} (expected ${one(expected[k])}, found ${one(found[k])})`).join(', ')} changed`;
}
