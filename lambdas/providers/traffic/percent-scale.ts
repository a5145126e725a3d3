// Layers whose split is a percentage with one decimal (API Gateway percentTraffic, CloudFront's
// policy weight): weights are tenths of a percent, canary + stable = 1000, so every one-decimal
// step is exact. Shared by the providers whose scale is a percentage rather than integer weights.
import type { StepWeights } from '../../domain/shares.ts';
import type { Sides } from './provider.ts';

export const TENTHS = 1000;

/** One-decimal percent → tenths (10.5 → 105); throws outside 0–100 (the input schema keeps steps there). */
export function toTenths(percent: number): number {
  const tenths = Math.round(percent * 10);
  if (tenths < 0 || tenths > TENTHS) throw new RangeError(`canary share ${percent}% is outside 0–100`);
  return tenths;
}

/** The weights of a two-sided percentage split at `percent`: canary = percent × 10, stable = 1000 − canary. */
export function percentSplit(sides: Sides, percent: number): StepWeights {
  const canary = toTenths(percent);
  return {
    ok: true,
    percent,
    weights: { [sides.stable]: TENTHS - canary, [sides.canary]: canary },
    shares: { [sides.stable]: (TENTHS - canary) / 10, [sides.canary]: canary / 10 },
    split: canary / 10,
  };
}
