// The judge: canary against stable on the provider's per-side metrics, one closed period at a time
// (docs/judge.md). Errors and slow requests each run a sequential test (stats.ts) on the canary's
// share of the events; a gross-failure guard, a warm-up and a shared-outage hold cover what the test
// cannot. Pure: Evaluate reads the periods, this module adds them (each exactly once) and judges.
import { alternativeRatio, logMeanExp, mixtureRatios, percentText, periodLlr, poissonUpperTail, round, sprtBounds, type Counts } from './stats.ts';

export const JUDGE_DEFAULTS = {
  mode: 'enforce',
  /** α per metric per step: the chance a healthy canary is rolled back. */
  maxFalseRollbackRate: 0.001,
  /** β per metric per step: the chance a regression of minRatio is passed instead of caught. */
  maxMissRate: 0.05,
  /** The smallest regression of the error (or slow-request) rate worth catching, as a ratio… */
  minRatio: 2,
  /** …and as an absolute increase (percentage points): ρ1 = clamp(max(minRatio, 1 + increase / stable rate), minRatio, maxRatio). */
  minIncreasePercent: 0.5,
  maxRatio: 20,
  /** Gross failure: the canary's 5xx at or above this share of at least grossMinRequests requests. */
  grossErrorPercent: 50,
  grossMinRequests: 20,
  /** Canary requests (latency: samples) a step needs before an open test may pass at the limit. */
  minCanaryRequests: 100,
  /** p99 heuristic (no percentile rank available): canary p99 ≥ ratio × stable's and ≥ stable's + increase, from ≥ minSamples. */
  latencyRatio: 1.2,
  latencyIncreaseMs: 50,
  latencyMinSamples: 1000,
  /** Periods: CloudWatch's 60 s (the lab compresses it), read once closed (settle), after a warm-up. */
  periodSeconds: 60,
  settleSeconds: 120,
  warmupSeconds: 60,
  /** The bake is extended this long at most while the test is open, then inconclusive is decided. */
  maxExtendSeconds: 300,
  /** Stable's history before the step: over-dispersion φ, stable's rate, the latency threshold. */
  baselineSeconds: 3600,
} as const;

export type JudgeMode = 'enforce' | 'advisory';
export type JudgeSettings = { -readonly [K in keyof typeof JUDGE_DEFAULTS]: K extends 'mode' ? JudgeMode : number } & {
  /** Slow = above this; absent: stable's p99 over the baseline window. */
  latencyThresholdMs?: number | undefined;
};

export function judgeSettings(overrides: Partial<JudgeSettings> = {}): JudgeSettings {
  return { ...JUDGE_DEFAULTS, ...overrides } as JudgeSettings;
}

/** One side's counts in one period. `slow` is null when the percentile rank (PR) was not available. */
export interface SideCounts {
  requests: number;
  errors: number;
  /** Latency samples (TargetResponseTime SampleCount) and how many were slower than the threshold. */
  samples: number;
  slow: number | null;
}

export interface PeriodCounts {
  /** ISO start of the period. */
  start: string;
  stable: SideCounts;
  canary: SideCounts;
}

export interface SprtProgress {
  /** Σ of the periods' log-LR against ρ1 (before dividing by φ): the pass side, and one of the mixture. */
  llr: number;
  /**
   * Σ of the periods' log-LR against the mixture's larger alternatives, √(ρ1 · maxRatio) and maxRatio
   * (stats.ts mixtureRatios). Absent in a state written before the mixture: the rollback side is ρ1's alone.
   */
  llrLarger?: [number, number];
  periods: number;
  stable: Counts;
  canary: Counts;
  /** The alternative of the last period added. */
  rho1: number | null;
}

export interface Baseline {
  /** Over-dispersion of stable's errors before the step (≥ 1). */
  phi: number;
  /** Stable's requests and errors before the step: the first period's prior rate. */
  stable: Counts;
  latencyThresholdMs: number | null;
  thresholdFrom: 'input' | 'stable-p99' | 'none';
}

/** The judge's record of one step, carried in the execution state (RolloutState.judge). */
export interface JudgeProgress {
  step: number;
  /** ISO: when the step's weights were applied (a held step approved again restarts the test). */
  shiftedAt: string;
  /** ISO: the first period the test counts (after the warm-up). */
  from: string;
  /** ISO: end of the last period added, the next one starts here (each period is added once). */
  through: string;
  baseline: Baseline;
  errors: SprtProgress;
  latency: SprtProgress & { slowCounted: boolean };
  /** Every closed period since the shift, warm-up included: the gross-failure guard's counts. */
  total: { canary: Counts; stable: Counts };
  /** The periods added to the test, for anyone re-deriving it (the most recent MAX_PERIODS_KEPT). */
  periods: PeriodCounts[];
}

export const MAX_PERIODS_KEPT = 60;

const empty = (): SprtProgress => ({ llr: 0, llrLarger: [0, 0], periods: 0, stable: { requests: 0, events: 0 }, canary: { requests: 0, events: 0 }, rho1: null });

export function startProgress(step: number, shiftedAt: number, baseline: Baseline, s: JudgeSettings): JudgeProgress {
  const period = s.periodSeconds * 1000;
  const firstWhole = Math.ceil(shiftedAt / period) * period;
  return {
    step,
    shiftedAt: new Date(shiftedAt).toISOString(),
    from: new Date(firstWhole + s.warmupSeconds * 1000).toISOString(),
    through: new Date(firstWhole).toISOString(),
    baseline,
    errors: empty(),
    latency: { ...empty(), slowCounted: true },
    total: { canary: { requests: 0, events: 0 }, stable: { requests: 0, events: 0 } },
    periods: [],
  };
}

/** Add one closed period (the caller adds each exactly once, in order). Warm-up periods count only for the gross-failure guard. */
export function addPeriod(p: JudgeProgress, c: PeriodCounts, s: JudgeSettings): JudgeProgress {
  const end = new Date(Date.parse(c.start) + s.periodSeconds * 1000).toISOString();
  const total = {
    canary: add(p.total.canary, c.canary.requests, c.canary.errors),
    stable: add(p.total.stable, c.stable.requests, c.stable.errors),
  };
  if (Date.parse(c.start) < Date.parse(p.from)) return { ...p, through: end, total };
  const limits = { minRatio: s.minRatio, maxRatio: s.maxRatio, minIncrease: s.minIncreasePercent / 100 };
  const errors = step(p.errors, c.stable.requests, c.stable.errors, c.canary.requests, c.canary.errors, rateOf(add(p.baseline.stable, p.errors.stable.requests, p.errors.stable.events)), limits);
  const slowKnown = c.stable.slow !== null && c.canary.slow !== null;
  const hasSamples = c.stable.samples + c.canary.samples > 0;
  const latency =
    slowKnown && p.latency.slowCounted
      ? { ...step(p.latency, c.stable.samples, c.stable.slow ?? 0, c.canary.samples, c.canary.slow ?? 0, rateOf(p.latency.stable), limits), slowCounted: true }
      : { ...p.latency, slowCounted: p.latency.slowCounted && !hasSamples };
  return { ...p, through: end, total, errors, latency, periods: [...p.periods, c].slice(-MAX_PERIODS_KEPT) };
}

function step(t: SprtProgress, sn: number, sx: number, cn: number, cx: number, stableRate: number | null, limits: Parameters<typeof alternativeRatio>[1]): SprtProgress {
  const rho1 = alternativeRatio(stableRate, limits);
  const [, middle, top] = mixtureRatios(rho1, limits.maxRatio);
  const share = sn + cn > 0 ? cn / (sn + cn) : 0;
  const llr = (rho: number) => periodLlr(cx, sx + cx, share, rho);
  const larger = t.llrLarger ?? [0, 0];
  return {
    llr: t.llr + llr(rho1),
    llrLarger: [larger[0] + llr(middle), larger[1] + llr(top)],
    periods: t.periods + 1,
    stable: add(t.stable, sn, sx),
    canary: add(t.canary, cn, cx),
    rho1,
  };
}

const add = (c: Counts, requests: number, events: number): Counts => ({ requests: c.requests + requests, events: c.events + events });
const rateOf = (c: Counts): number | null => (c.requests > 0 ? c.events / c.requests : null);

export type MetricVerdict = 'pass' | 'fail' | 'inconclusive';

export interface MetricJudgement {
  metric: 'errors' | 'latency';
  verdict: MetricVerdict;
  reason: string;
  /** Enough canary requests (samples) that an open test may pass at the limit. */
  enough: boolean;
  /** The open test leans towards a regression (log-LR > 0). */
  leansWorse: boolean;
  evidence: Record<string, unknown>;
}

/** The whole-window p99 of each side (latency fallback when percentile ranks are unavailable). */
export interface P99Window {
  stableMs: number | null;
  canaryMs: number | null;
  canarySamples: number;
}

export interface JudgeReport {
  verdict: MetricVerdict;
  /** Stable is in an outage as bad as the canary's: hold, do not blame the canary. */
  sharedOutage: string | null;
  reason: string;
  metrics: MetricJudgement[];
  evidence: Record<string, unknown>;
}

export function judge(p: JudgeProgress, s: JudgeSettings, p99?: P99Window): JudgeReport {
  const { upper, lower } = sprtBounds(s.maxFalseRollbackRate, s.maxMissRate);
  const gross = grossFailure(p, s);
  const errors = sequential('errors', p.errors, p.baseline.phi, upper, lower, s, 'requests', '5xx');
  const latency = p.latency.slowCounted ? sequential('latency', p.latency, 1, upper, lower, s, 'samples', `slower than ${p.baseline.latencyThresholdMs ?? '?'} ms`) : p99Heuristic(p99, s);
  const metrics = [gross ? { ...errors, verdict: 'fail' as const, reason: gross } : errors, latency];
  const failed = metrics.filter((m) => m.verdict === 'fail');
  const outage = failed.length === 0 ? sharedOutage(p, s) : null;
  const verdict: MetricVerdict = failed.length > 0 ? 'fail' : metrics.every((m) => m.verdict === 'pass') ? 'pass' : 'inconclusive';
  const reason = failed.length > 0 ? failed.map((m) => m.reason).join('; ') : outage ?? metrics.map((m) => m.reason).join('; ');
  return {
    verdict,
    sharedOutage: outage,
    reason,
    metrics,
    evidence: {
      judgedFrom: p.from,
      judgedThrough: p.through,
      periods: p.errors.periods,
      periodSeconds: s.periodSeconds,
      bounds: { rollbackAt: round(upper), passAt: round(lower), alpha: s.maxFalseRollbackRate, beta: s.maxMissRate },
      phi: round(p.baseline.phi),
      baseline: p.baseline,
      sinceShift: p.total,
      ...Object.fromEntries(metrics.map((m) => [m.metric, { verdict: m.verdict, ...m.evidence }])),
    },
  };
}

function sequential(metric: 'errors' | 'latency', t: SprtProgress, phi: number, upper: number, lower: number, s: JudgeSettings, unit: string, what: string): MetricJudgement {
  const statistic = t.llr / phi;
  const mixed = logMeanExp([t.llr, ...(t.llrLarger ?? [])].map((l) => l / phi));
  const ratios = t.rho1 === null ? null : mixtureRatios(t.rho1, s.maxRatio);
  const enough = t.canary.requests >= s.minCanaryRequests;
  const sr = rateOf(t.stable);
  const cr = rateOf(t.canary);
  const seen = `canary ${t.canary.events}/${t.canary.requests} ${what} (${percentText(cr)}) vs stable ${t.stable.events}/${t.stable.requests} (${percentText(sr)})`;
  const against = ratios === null ? '' : ` (ρ ${ratios.map((r) => round(r, 2)).join(', ')})`;
  const stat = `log-LR ${round(statistic, 2)} at ρ1 ${t.rho1 === null ? '-' : round(t.rho1, 2)}, mixed ${round(mixed, 2)}${against}${phi > 1 ? `, φ ${round(phi, 2)}` : ''}; rollback at ${round(upper, 2)} (mixed), pass at ${round(lower, 2)} (ρ1)`;
  const verdict: MetricVerdict = mixed >= upper ? 'fail' : statistic <= lower ? 'pass' : 'inconclusive';
  const label = metric === 'errors' ? 'error rate' : 'slow requests';
  const reason =
    verdict === 'fail'
      ? `${label}: canary worse than stable: ${seen}; ${stat}`
      : verdict === 'pass'
        ? `${label}: canary no worse than stable: ${seen}; ${stat}`
        : `${label}: not decided yet: ${seen}; ${stat}${enough ? '' : `; fewer than ${s.minCanaryRequests} canary ${unit}`}`;
  return {
    metric,
    verdict,
    reason,
    enough,
    leansWorse: statistic > 0,
    evidence: {
      stable: { [unit]: t.stable.requests, events: t.stable.events, rate: sr === null ? null : round(sr, 6) },
      canary: { [unit]: t.canary.requests, events: t.canary.events, rate: cr === null ? null : round(cr, 6) },
      statistic: round(statistic),
      rho1: t.rho1 === null ? null : round(t.rho1),
      mixed: round(mixed),
      mixedOver: ratios === null ? null : ratios.map((r) => round(r)),
      periods: t.periods,
    },
  };
}

function p99Heuristic(w: P99Window | undefined, s: JudgeSettings): MetricJudgement {
  const base = { metric: 'latency' as const, leansWorse: false };
  if (!w || w.stableMs === null || w.canaryMs === null || w.canarySamples < s.latencyMinSamples) {
    const have = w ? `${w.canarySamples} canary samples` : 'no percentile rank and no p99';
    return { ...base, verdict: 'inconclusive', enough: false, reason: `latency: ${have}; the p99 comparison needs ${s.latencyMinSamples}`, evidence: { method: 'p99', ...(w ?? {}) } };
  }
  const worse = w.canaryMs >= w.stableMs * s.latencyRatio && w.canaryMs - w.stableMs >= s.latencyIncreaseMs;
  const seen = `canary p99 ${round(w.canaryMs, 1)} ms vs stable ${round(w.stableMs, 1)} ms from ${w.canarySamples} samples (fails at ×${s.latencyRatio} and +${s.latencyIncreaseMs} ms; heuristic)`;
  return {
    ...base,
    verdict: worse ? 'fail' : 'pass',
    enough: true,
    leansWorse: worse,
    reason: `latency: ${worse ? 'canary slower than stable' : 'canary no slower than stable'}: ${seen}`,
    evidence: { method: 'p99', ...w, ratio: s.latencyRatio, increaseMs: s.latencyIncreaseMs },
  };
}

/**
 * A crashed canary needs no statistics: 5xx on half of its requests is a failure at once — unless
 * stable fails at least half as often over the same periods (everyone's outage, not the canary's).
 */
function grossFailure(p: JudgeProgress, s: JudgeSettings): string | null {
  const { requests, events } = p.total.canary;
  if (requests < s.grossMinRequests || events < (s.grossErrorPercent / 100) * requests) return null;
  const stable = rateOf(p.total.stable);
  if (stable !== null && events / requests < 2 * stable) return null;
  return `gross failure: canary 5xx on ${events} of ${requests} requests (${percentText(events / requests)}) since the shift, at or above ${s.grossErrorPercent}% of at least ${s.grossMinRequests}${stable === null ? '' : ` (stable ${percentText(stable)})`}`;
}

/**
 * Stable clearly worse than its own baseline (≥ max(2×, + minIncrease) and surprising at α) in either of
 * its last two periods with traffic: everyone's outage. The test does not blame the canary for it; the
 * step holds. Two periods, so one quiet period inside an outage (a chance dip, or a period read before
 * all of its data arrived) does not end the hold; a period without stable requests says nothing either way.
 */
function sharedOutage(p: JudgeProgress, s: JudgeSettings): string | null {
  const prior = rateOf(p.baseline.stable) ?? 0;
  const outage = (c: PeriodCounts): boolean => {
    const rate = c.stable.errors / c.stable.requests;
    const elevated = rate >= Math.max(2 * prior, prior + s.minIncreasePercent / 100);
    return elevated && poissonUpperTail(c.stable.errors, c.stable.requests * Math.max(prior, 1e-4)) < s.maxFalseRollbackRate;
  };
  const last = p.periods.filter((c) => c.stable.requests > 0).slice(-2).reverse().find(outage);
  if (!last) return null;
  const rate = last.stable.errors / last.stable.requests;
  const canary = last.canary.requests > 0 ? ` and canary ${percentText(last.canary.errors / last.canary.requests)}` : '';
  return `shared outage: stable 5xx ${percentText(rate)} (${last.stable.errors}/${last.stable.requests}) in the period from ${last.start}${canary}, against stable's ${percentText(prior)} before the step; not blamed on the canary, holding until stable recovers (two periods back to normal)`;
}
