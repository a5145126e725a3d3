// Weight math: a percentage with one decimal ↔ integer ALB weights (0–999).
// The canary's share is of the traffic the stable and canary target groups receive together; when
// other target groups take traffic too, shares.ts scales every weight so they keep their share.

export const MAX_WEIGHT = 999;

export interface PairWeights {
  stable: number;
  canary: number;
}

/** Weights for a canary share of `percent` (one decimal). Exact: 0.1% → 999:1, 10% → 9:1, 100% → 0:1. */
export function weightsFor(percent: number): PairWeights {
  const tenths = Math.round(percent * 10);
  if (!Number.isInteger(tenths) || tenths < 0 || tenths > 1000) {
    throw new RangeError(`canary share ${percent}% is outside 0–100`);
  }
  if (tenths === 0) return { stable: 1, canary: 0 };
  if (tenths === 1000) return { stable: 0, canary: 1 };
  // On a 1000 scale both weights are ≤ 999; dividing by the gcd keeps the ratio exact and readable.
  const g = gcd(tenths, 1000);
  return { stable: (1000 - tenths) / g, canary: tenths / g };
}

/** The canary's share (0–100) of the pair's traffic; 0 when neither receives any. */
export function canaryShare(w: PairWeights): number {
  const total = w.stable + w.canary;
  return total === 0 ? 0 : (w.canary / total) * 100;
}

export function sameWeights(a: PairWeights, b: PairWeights): boolean {
  return a.stable === b.stable && a.canary === b.canary;
}

/** "90/10" — the pair as percentages, how an operator reads it. */
export function formatSplit(w: PairWeights): string {
  const share = canaryShare(w);
  return `${round1(100 - share)}/${round1(share)}`;
}

/** Two pairs side by side; raw weights are added when the percentages alone look the same (9:1 vs 18:2). */
export function formatChange(expected: PairWeights, found: PairWeights): string {
  const [e, f] = [formatSplit(expected), formatSplit(found)];
  return e === f ? `expected ${e} (${expected.stable}:${expected.canary}), found ${f} (${found.stable}:${found.canary})` : `expected ${e}, found ${f}`;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
