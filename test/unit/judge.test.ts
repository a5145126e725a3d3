// The judge, table-tested: the statistic re-derived by hand, seeded simulations of healthy, regressed
// and shared-outage canaries, sparse counts, over-dispersion, the gross-failure guard, the warm-up,
// slow-request counting and its p99 fallback, and the check's timing (extend, then decide).
import { describe, expect, it } from 'vitest';
import { judgeVerdict } from '../../lambdas/domain/checks/judge.ts';
import { addPeriod, judge, judgeSettings, startProgress, type Baseline, type JudgeProgress, type PeriodCounts, type SideCounts } from '../../lambdas/domain/judge.ts';
import { alternativeRatio, logMeanExp, mixtureRatios, overdispersion, periodLlr, poissonUpperTail, sprtBounds } from '../../lambdas/domain/stats.ts';
import { seededRandom } from '../../lab/traffic/random.ts';

const S = judgeSettings();
const T0 = Date.parse('2026-12-02T10:00:00Z');
const MIN = 60_000;
const baseline = (over: Partial<Baseline> = {}): Baseline => ({ phi: 1, stable: { requests: 60_000, events: 300 }, latencyThresholdMs: 250, thresholdFrom: 'stable-p99', ...over });

/** Binomial(n, p) by counting (n is at most a few thousand here). */
function binomial(r: () => number, n: number, p: number): number {
  let x = 0;
  for (let i = 0; i < n; i += 1) if (r() < p) x += 1;
  return x;
}
const side = (requests: number, errors: number, slow: number | null = 0): SideCounts => ({ requests, errors, samples: requests, slow });
const period = (i: number, stable: SideCounts, canary: SideCounts): PeriodCounts => ({ start: new Date(T0 + i * MIN).toISOString(), stable, canary });

/** A step shifted at T0: periods 0 (warm-up) … minutes-1, `perMinute` requests split by `share`. */
function simulate(seed: number, o: { minutes: number; perMinute: number; share: number; stableRate: number; canaryRate: number; base?: Baseline }): { p: JudgeProgress; failedAt: number | null; canaryAtFail: number | null } {
  const r = seededRandom(seed);
  let p = startProgress(0, T0, o.base ?? baseline(), S);
  let failedAt: number | null = null;
  let canaryAtFail: number | null = null;
  for (let i = 0; i < o.minutes; i += 1) {
    const cn = binomial(r, o.perMinute, o.share);
    const sn = o.perMinute - cn;
    p = addPeriod(p, period(i, side(sn, binomial(r, sn, o.stableRate)), side(cn, binomial(r, cn, o.canaryRate))), S);
    if (failedAt === null && judge(p, S).verdict === 'fail') {
      failedAt = i;
      canaryAtFail = p.total.canary.requests;
    }
  }
  return { p, failedAt, canaryAtFail };
}

describe('stats', () => {
  it('Wald bounds for α 0.001, β 0.05: roll back at ln(0.95/0.001), pass at ln(0.05/0.999)', () => {
    const { upper, lower } = sprtBounds(0.001, 0.05);
    expect(upper).toBeCloseTo(6.856, 3);
    expect(lower).toBeCloseTo(-2.995, 3);
  });

  it.each([
    [0.005, 2],
    [0.001, 6],
    [0.0001, 20],
    [0.05, 2],
    [0, 20],
    [null, 20],
  ])('ρ1 for a stable rate of %s is %s', (rate, rho) => {
    expect(alternativeRatio(rate, { minRatio: 2, maxRatio: 20, minIncrease: 0.005 })).toBeCloseTo(rho, 9);
  });

  it('one period by hand: 3 canary of 10 errors at a 10% share, ρ1 2 → 3·ln 2 − 10·ln 1.1', () => {
    expect(periodLlr(3, 10, 0.1, 2)).toBeCloseTo(3 * Math.log(2) - 10 * Math.log(1.1), 12);
    expect(periodLlr(0, 0, 0.1, 2)).toBe(0);
    // All traffic on one side carries no information about the ratio.
    expect(periodLlr(4, 4, 1, 5)).toBeCloseTo(0, 12);
  });

  it('the mixture: ρ1, √(ρ1 · maxRatio) and maxRatio, equally weighted (ln of the mean of the likelihood ratios)', () => {
    expect(mixtureRatios(2, 20)).toEqual([2, Math.sqrt(40), 20]);
    expect(mixtureRatios(20, 20)).toEqual([20, 20, 20]);
    expect(logMeanExp([0, Math.log(4), Math.log(7)])).toBeCloseTo(Math.log(4), 12);
    // One of exactly ρ1 pays ln 3 against the bound; identical components pay nothing.
    expect(logMeanExp([10, -Infinity, -Infinity])).toBeCloseTo(10 - Math.log(3), 12);
    expect(logMeanExp([5, 5, 5])).toBeCloseTo(5, 12);
    // Large log-LRs neither overflow nor lose the smaller ones.
    expect(logMeanExp([1000, 1000 + Math.log(2)])).toBeCloseTo(1000 + Math.log(1.5), 9);
  });

  it('φ is 1 for steady counts and large for bursts', () => {
    expect(overdispersion(Array.from({ length: 10 }, () => ({ requests: 1000, events: 5 })))).toBe(1);
    const bursty = [0, 0, 0, 40, 0, 0, 0, 0, 10, 0].map((events) => ({ requests: 1000, events }));
    expect(overdispersion(bursty)).toBeGreaterThan(10);
    expect(overdispersion([{ requests: 1000, events: 5 }])).toBe(1);
  });

  it('Poisson tail: P(X ≥ 0) = 1, P(X ≥ 1 | 1) = 1 − e^-1, tiny far out', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(poissonUpperTail(30, 5)).toBeLessThan(1e-9);
    expect(poissonUpperTail(2000, 1000)).toBeLessThan(1e-9);
  });
});

describe('judge: seeded simulations', () => {
  it('healthy canary (0.5% vs 0.5%) at 10% of 2,000 req/min for 20 minutes: no false rollback in 100 runs', () => {
    const fails = Array.from({ length: 100 }, (_, seed) => simulate(seed, { minutes: 20, perMinute: 2000, share: 0.1, stableRate: 0.005, canaryRate: 0.005 })).filter((s) => s.failedAt !== null);
    expect(fails).toHaveLength(0);
  });

  it('canary 2% vs stable 0.5% at 10% of 2,000 req/min: caught within 10 minutes in ≥ 95 of 100 runs', () => {
    const runs = Array.from({ length: 100 }, (_, seed) => simulate(1000 + seed, { minutes: 10, perMinute: 2000, share: 0.1, stableRate: 0.005, canaryRate: 0.02 }));
    expect(runs.filter((s) => s.failedAt !== null).length).toBeGreaterThanOrEqual(95);
  });

  it('shared outage (both at 3% against 0.5% before the step): not blamed, held with the reason', () => {
    let p = simulate(7, { minutes: 6, perMinute: 2000, share: 0.1, stableRate: 0.005, canaryRate: 0.005 }).p;
    const r = seededRandom(99);
    for (let i = 6; i < 10; i += 1) p = addPeriod(p, period(i, side(1800, binomial(r, 1800, 0.03)), side(200, binomial(r, 200, 0.03))), S);
    const report = judge(p, S);
    expect(report.verdict).not.toBe('fail');
    expect(report.sharedOutage).toMatch(/^shared outage: stable 5xx \d\.\d\d% .* not blamed on the canary, holding until stable recovers \(two periods back to normal\)$/);
    const v = judgeVerdict(report, S, { elapsed: 600, bakeSeconds: 600, insufficientData: 'fail', insufficientDataWaitSeconds: 1800, percent: 10 });
    expect(v.status).toBe('wait');
    // A period without stable requests says nothing: still held.
    p = addPeriod(p, period(10, side(0, 0), side(0, 0)), S);
    expect(judge(p, S).sharedOutage).not.toBeNull();
    // One healthy period is not yet a recovery (a chance dip inside an outage looks the same)…
    p = addPeriod(p, period(11, side(1800, 9), side(200, 1)), S);
    expect(judge(p, S).sharedOutage).not.toBeNull();
    // …two are: the hold clears.
    p = addPeriod(p, period(12, side(1800, 8), side(200, 1)), S);
    expect(judge(p, S).sharedOutage).toBeNull();
  });

  it('sparse counts: 2× at 0.5% from 200 canary requests is below the floor (not decided), 20× is caught', () => {
    const slow = (canaryRate: number, seed: number) => simulate(seed, { minutes: 11, perMinute: 2000, share: 0.01, stableRate: 0.005, canaryRate });
    const twice = Array.from({ length: 20 }, (_, s) => slow(0.01, 200 + s));
    expect(twice.every((s) => s.p.total.canary.requests < 300)).toBe(true);
    expect(twice.filter((s) => s.failedAt !== null).length).toBeLessThanOrEqual(2);
    const gross = Array.from({ length: 20 }, (_, s) => slow(0.1, 300 + s));
    expect(gross.filter((s) => s.failedAt !== null).length).toBeGreaterThanOrEqual(19);
    // Decided from at most 200 canary requests (median, warm-up included).
    const used = gross.map((s) => s.canaryAtFail ?? Infinity).sort((a, b) => a - b);
    expect(used[10]).toBeLessThanOrEqual(200);
  });
});

describe('judge: rules', () => {
  it('a rollback anyone can re-derive: Σ per-period log-LR / φ against the bound', () => {
    // Stable at ~1% before and during the step: ρ1 = max(2, 1 + 0.005 / 0.01) = 2 every period.
    let p = startProgress(0, T0, baseline({ phi: 1.5, stable: { requests: 60_000, events: 600 } }), S);
    p = addPeriod(p, period(0, side(900, 9), side(100, 9)), S); // warm-up: gross guard only
    for (let i = 1; i <= 4; i += 1) p = addPeriod(p, period(i, side(900, 9), side(100, 6)), S);
    const report = judge(p, S);
    // Each period: 6 canary of 15 errors at a 10% share, against ρ = 2, √40 and 20; then / φ.
    const byHand = (rho: number) => (4 * (6 * Math.log(rho) - 15 * Math.log(1 + (rho - 1) * 0.1))) / 1.5;
    const mixed = Math.log((Math.exp(byHand(2)) + Math.exp(byHand(Math.sqrt(40))) + Math.exp(byHand(20))) / 3);
    const errors = report.evidence.errors as { statistic: number; mixed: number; mixedOver: number[]; stable: unknown; canary: unknown; periods: number };
    expect(errors.statistic).toBeCloseTo(byHand(2), 3);
    expect(errors.mixed).toBeCloseTo(mixed, 3);
    expect(errors.mixedOver).toEqual([2, 6.3246, 20]);
    expect(errors).toMatchObject({ periods: 4, stable: { requests: 3600, events: 36 }, canary: { requests: 400, events: 24 } });
    expect(report.verdict).toBe(mixed >= sprtBounds(0.001, 0.05).upper ? 'fail' : 'inconclusive');
    expect(p.through).toBe(new Date(T0 + 5 * MIN).toISOString());
  });

  it('a large regression is caught from a few errors: 6 canary 5xx of 100 at a 1% share fail on the mixture, where ρ1 = 2 alone stays open', () => {
    let p = startProgress(0, T0, baseline(), S);
    p = addPeriod(p, period(0, side(9900, 50), side(100, 0)), S); // warm-up
    p = addPeriod(p, period(1, side(9900, 50), side(100, 6)), S);
    const llr = (rho: number) => 6 * Math.log(rho) - 56 * Math.log(1 + (rho - 1) * 0.01);
    const { upper, lower } = sprtBounds(0.001, 0.05);
    expect(llr(2)).toBeLessThan(upper);
    expect(llr(2)).toBeGreaterThan(lower);
    expect(logMeanExp([llr(2), llr(Math.sqrt(40)), llr(20)])).toBeGreaterThanOrEqual(upper);
    const report = judge(p, S);
    expect(report.verdict).toBe('fail');
    expect(report.reason).toMatch(/^error rate: canary worse than stable: canary 6\/100 5xx \(6\.00%\) vs stable 50\/9900 \(0\.51%\); log-LR 3\.6 at ρ1 2, mixed 7\.8\d* \(ρ 2, 6\.32, 20\); rollback at 6\.86 \(mixed\), pass at -2\.99 \(ρ1\)$/);
  });

  it('the warm-up period (and the partial minute of the shift) is not in the test', () => {
    const p = startProgress(0, T0 + 10_000, baseline(), S);
    expect(p).toMatchObject({ through: new Date(T0 + MIN).toISOString(), from: new Date(T0 + 2 * MIN).toISOString() });
    const warm = addPeriod(p, period(1, side(900, 0), side(100, 8)), S);
    expect(warm.errors.periods).toBe(0);
    expect(warm.total.canary).toEqual({ requests: 100, events: 8 });
  });

  it('gross failure: canary 5xx on ≥ 50% of ≥ 20 requests fails at once, warm-up included', () => {
    const p = addPeriod(startProgress(0, T0, baseline(), S), period(0, side(1000, 5), side(24, 13)), S);
    const report = judge(p, S);
    expect(report.verdict).toBe('fail');
    expect(report.reason).toBe('gross failure: canary 5xx on 13 of 24 requests (54.2%) since the shift, at or above 50% of at least 20 (stable 0.50%)');
    // Everyone's outage is not the canary's crash: stable at 40% 5xx over the same minute.
    expect(judge(addPeriod(startProgress(0, T0, baseline(), S), period(0, side(1000, 400), side(24, 13)), S), S).verdict).not.toBe('fail');
    expect(judge(addPeriod(startProgress(0, T0, baseline(), S), period(0, side(1000, 5), side(19, 19)), S), S).verdict).not.toBe('fail');
  });

  it('over-dispersion: the same canary burst fails at φ 1 and is not decided at φ 5', () => {
    const run = (phi: number) => {
      let p = startProgress(0, T0, baseline({ phi }), S);
      for (let i = 0; i <= 3; i += 1) p = addPeriod(p, period(i, side(900, 3), side(100, 5)), S);
      return judge(p, S).verdict;
    };
    expect(run(1)).toBe('fail');
    expect(run(5)).toBe('inconclusive');
  });

  it('latency: slow-request counts (PR) fail a canary slower than the threshold', () => {
    let p = startProgress(0, T0, baseline(), S);
    for (let i = 0; i <= 5; i += 1) p = addPeriod(p, period(i, side(900, 4, 9), side(100, 0, 30)), S);
    const report = judge(p, S);
    expect(report.metrics.map((m) => [m.metric, m.verdict])).toEqual([
      ['errors', 'inconclusive'],
      ['latency', 'fail'],
    ]);
    expect(report.reason).toMatch(/^slow requests: canary worse than stable: canary 150\/500 slower than 250 ms/);
  });

  it('latency without percentile ranks: whole-window p99 only from ≥ 1,000 canary samples, ratio and increase both', () => {
    let p = startProgress(0, T0, baseline(), S);
    for (let i = 0; i <= 3; i += 1) p = addPeriod(p, period(i, side(900, 4, null), side(400, 0, null)), S);
    expect(p.latency.slowCounted).toBe(false);
    const at = (canaryMs: number, canarySamples: number) => judge(p, S, { stableMs: 200, canaryMs, canarySamples }).metrics.find((m) => m.metric === 'latency')?.verdict;
    expect(at(400, 999)).toBe('inconclusive');
    expect(at(400, 1200)).toBe('fail');
    expect(at(245, 1200)).toBe('pass'); // +45 ms: under the 50 ms increase
    expect(at(239, 1200)).toBe('pass'); // ×1.195: under the 1.2 ratio
  });
});

describe('judge check: timing and policy', () => {
  const open = () => {
    let p = startProgress(0, T0, baseline(), S);
    for (let i = 0; i <= 5; i += 1) p = addPeriod(p, period(i, side(900, 5), side(100, 1)), S);
    return judge(p, S);
  };
  const sparse = () => judge(addPeriod(addPeriod(startProgress(0, T0, baseline(), S), period(0, side(90, 0), side(2, 0)), S), period(1, side(90, 1), side(2, 1)), S), S);
  const timing = (elapsed: number, insufficientData: 'fail' | 'ignore' | 'wait' = 'fail') => ({ elapsed, bakeSeconds: 600, insufficientData, insufficientDataWaitSeconds: 1800, percent: 10 });

  it('an open test leaning worse holds after the bake, up to maxExtendSeconds, then advances (never rolls back)', () => {
    const report = open();
    expect(report.verdict).toBe('inconclusive');
    expect(report.metrics[0]).toMatchObject({ leansWorse: true, enough: true });
    expect(judgeVerdict(report, S, timing(300)).status).toBe('pass');
    expect(judgeVerdict(report, S, timing(600))).toMatchObject({ status: 'wait', reason: expect.stringMatching(/^judge: holding step 10% until the test decides \(600s baked, at most 900s\)/) });
    expect(judgeVerdict(report, S, timing(900))).toMatchObject({ status: 'pass', reason: expect.stringMatching(/an open test never rolls back: advancing$/) });
  });

  it.each([
    ['fail', 2400, 'fail'],
    ['ignore', 900, 'pass'],
    ['wait', 900, 'wait'],
    ['wait', 2700, 'fail'],
  ] as const)('too few canary requests at the limit follow insufficientData %s (at %ss → %s)', (policy, elapsed, status) => {
    expect(judgeVerdict(sparse(), S, timing(elapsed, policy)).status).toBe(status);
  });

  it('advisory: a regression is told (notify), a hold does not hold', () => {
    const advisory = judgeSettings({ mode: 'advisory' });
    const p = addPeriod(startProgress(0, T0, baseline(), advisory), period(0, side(1000, 5), side(40, 30)), advisory);
    expect(judgeVerdict(judge(p, advisory), advisory, timing(60))).toMatchObject({ status: 'fail', response: 'notify', reason: expect.stringMatching(/^judge \(advisory\): gross failure/) });
    expect(judgeVerdict(open(), advisory, timing(600)).status).toBe('pass');
  });

  it('a fail carries the input\'s response for "judge"', () => {
    const p = addPeriod(startProgress(0, T0, baseline(), S), period(0, side(1000, 5), side(40, 30)), S);
    expect(judgeVerdict(judge(p, S), S, timing(60), 'hold')).toMatchObject({ status: 'fail', response: 'hold' });
  });
});

describe('judge check: a shared outage holds, bounded', () => {
  it('holds while stable is out, up to the judge\'s hold limit, then follows insufficientData', () => {
    let p = startProgress(0, T0, baseline(), S);
    for (let i = 0; i <= 3; i += 1) p = addPeriod(p, period(i, side(900, 30), side(100, 3)), S);
    const report = judge(p, S);
    expect(report.sharedOutage).not.toBeNull();
    const at = (elapsed: number, insufficientData: 'fail' | 'ignore' | 'wait') => judgeVerdict(report, S, { elapsed, bakeSeconds: 600, insufficientData, insufficientDataWaitSeconds: 1800, percent: 10 }).status;
    expect([at(300, 'fail'), at(899, 'fail'), at(900, 'fail'), at(900, 'ignore')]).toEqual(['wait', 'wait', 'fail', 'pass']);
    expect([at(2699, 'wait'), at(2700, 'wait')]).toEqual(['wait', 'fail']);
  });
});
