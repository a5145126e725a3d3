// The statistics behind the judge (docs/judge.md): Wald's sequential probability ratio test on the
// canary's share of all errors, the over-dispersion factor that keeps bursty errors from looking
// like evidence, and a Poisson tail for "stable is in an outage". Pure and small on purpose: every
// number here can be re-derived by hand from the counts the judge records.

/** Wald's boundaries for error rates α (false rollback) and β (missed regression): roll back at ≥ upper, pass at ≤ lower. */
export function sprtBounds(alpha: number, beta: number): { upper: number; lower: number } {
  return { upper: Math.log((1 - beta) / alpha), lower: Math.log(beta / (1 - alpha)) };
}

export interface RatioLimits {
  /** The smallest regression worth detecting, as a rate ratio (canary rate / stable rate), e.g. 2. */
  minRatio: number;
  /** The largest alternative tested, e.g. 20 (also used while stable has no errors yet). */
  maxRatio: number;
  /** The smallest absolute increase worth detecting, as a fraction (0.005 = 0.5 percentage points). */
  minIncrease: number;
}

/**
 * The alternative ρ1 tested this period: clamp(max(minRatio, 1 + minIncrease / stable rate),
 * minRatio, maxRatio). A stable rate of 0 (or unknown) tests maxRatio. Chosen from data before the
 * period only, so the test keeps its false-rollback bound (Ville's inequality holds for any
 * predictable alternative).
 */
export function alternativeRatio(stableRate: number | null, limits: RatioLimits): number {
  const { minRatio, maxRatio, minIncrease } = limits;
  if (stableRate === null || !(stableRate > 0)) return maxRatio;
  return Math.min(maxRatio, Math.max(minRatio, 1 + minIncrease / stableRate));
}

/**
 * The alternatives the rollback side mixes, equally weighted: ρ1 (the smallest regression worth
 * catching), √(ρ1 · maxRatio) and maxRatio. A large regression is then caught from a few errors
 * instead of the ~10 that ρ1 = 2 needs, at a cost of ln 3 on the bound for one of exactly ρ1. Each
 * component is a likelihood ratio (a nonnegative martingale under "the same rate"), so is their
 * mean: Ville's bound on a false rollback holds for the mixture as for one ratio.
 */
export function mixtureRatios(rho1: number, maxRatio: number): [number, number, number] {
  const top = Math.max(rho1, maxRatio);
  return [rho1, Math.sqrt(rho1 * top), top];
}

/** ln(mean(exp(l))): the log-LR of an equal-weight mixture, from its components' log-LRs (no overflow). */
export function logMeanExp(ls: readonly number[]): number {
  const max = Math.max(...ls);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(ls.reduce((sum, l) => sum + Math.exp(l - max), 0) / ls.length);
}

/**
 * One period's log-likelihood ratio of "canary rate = ρ1 × stable rate" against "the same rate",
 * conditioned on the period's total events m: canary events ~ Binomial(m, q), q = ρw / (ρw + 1 − w),
 * w = the canary's share of requests. A shared outage raises m, not q, so it is not evidence.
 * = x_c · ln ρ1 − m · ln(1 + (ρ1 − 1) · w).
 */
export function periodLlr(canaryEvents: number, totalEvents: number, canaryShare: number, rho1: number): number {
  if (totalEvents <= 0) return 0;
  return canaryEvents * Math.log(rho1) - totalEvents * Math.log(1 + (rho1 - 1) * canaryShare);
}

export interface Counts {
  requests: number;
  events: number;
}

/**
 * Over-dispersion φ ≥ 1: Pearson χ² / df of stable's per-period event counts against one common
 * rate. Errors come in bursts; dividing the log-LR by φ keeps a burst worth what it is worth.
 * 1 when there are fewer than two periods with requests or no events at all.
 */
export function overdispersion(periods: readonly Counts[]): number {
  const used = periods.filter((p) => p.requests > 0);
  const n = used.reduce((s, p) => s + p.requests, 0);
  const x = used.reduce((s, p) => s + p.events, 0);
  if (used.length < 2 || x === 0 || x >= n) return 1;
  const rate = x / n;
  const chi2 = used.reduce((s, p) => {
    const expected = p.requests * rate;
    return s + (p.events - expected) ** 2 / (expected * (1 - rate));
  }, 0);
  return Math.max(1, chi2 / (used.length - 1));
}

/** P(X ≥ k) for X ~ Poisson(λ): how surprising k events are when λ were expected. */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  // 1 − P(X ≤ k − 1), summed in log space so large λ does not underflow the first terms.
  let term = Math.exp(-lambda);
  let below = 0;
  if (term === 0) {
    // λ is huge (> ~745): the normal approximation is ample for an outage test.
    const z = (k - 0.5 - lambda) / Math.sqrt(lambda);
    return 0.5 * erfc(z / Math.SQRT2);
  }
  for (let i = 0; i < k; i += 1) {
    below += term;
    term *= lambda / (i + 1);
  }
  return Math.max(0, 1 - below);
}

/** Complementary error function (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return x >= 0 ? y : 2 - y;
}

/** A rate for humans: 0.0123 → "1.23%". */
export function percentText(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return 'n/a';
  const p = rate * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(2)}%`;
}

/** Round for evidence (stable JSON, no 0.30000000000000004). */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
