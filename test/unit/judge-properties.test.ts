// Properties of the judge's statistic that hold for every count, not just the table's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPeriod, judge, judgeSettings, startProgress } from '../../lambdas/domain/judge.ts';
import { periodLlr } from '../../lambdas/domain/stats.ts';

const S = judgeSettings();
const T0 = Date.parse('2026-12-02T10:00:00Z');

describe('judge: properties', () => {
  it('a canary whose share of the errors equals its share of requests never gains evidence against it, however large the outage (log-LR ≤ 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 1.01, max: 50, noNaN: true }), (canary, total, rho1) => {
        const m = canary + total; // errors: canary's share of them = its share of requests
        const w = canary / m;
        expect(periodLlr(canary, m, w, rho1)).toBeLessThanOrEqual(1e-9);
      }),
    );
  });

  it('more canary errors in the same period never lower the statistic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 1.01, max: 50, noNaN: true }), (xc, xs, w, rho1) => {
        expect(periodLlr(xc + 1, xc + 1 + xs, w, rho1)).toBeGreaterThan(periodLlr(xc, xc + xs, w, rho1));
      }),
    );
  });

  it('scaling both sides\' errors by the same outage never turns a healthy canary into a fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 8 }), (k, periods) => {
        // Canary 100 of 1,000 requests a period, errors exactly in proportion, k per 1,000.
        let p = startProgress(0, T0, { phi: 1, stable: { requests: 60_000, events: 300 }, latencyThresholdMs: 200, thresholdFrom: 'stable-p99' }, S);
        for (let i = 0; i <= periods; i += 1) {
          p = addPeriod(p, { start: new Date(T0 + i * 60_000).toISOString(), stable: { requests: 900, errors: 9 * k, samples: 900, slow: 9 }, canary: { requests: 100, errors: k, samples: 100, slow: 1 } }, S);
        }
        const report = judge(p, S);
        expect(report.metrics.find((m) => m.metric === 'errors')?.verdict).not.toBe('fail');
      }),
    );
  });
});
