// Weight math: one-decimal percentages ↔ integer ALB weights (0–999), exact and monotone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../lambdas/domain/plan.ts';
import { validateInput } from '../../lambdas/domain/input.ts';
import { canaryShare, formatSplit, MAX_WEIGHT, sameWeights, weightsFor } from '../../lambdas/domain/weights.ts';

/** Every percentage the input accepts: 0.1 … 100 in tenths. */
const validPercent = fc.integer({ min: 1, max: 1000 }).map((tenths) => tenths / 10);

describe('weightsFor: table', () => {
  it.each([
    [0.1, { stable: 999, canary: 1 }],
    [0.5, { stable: 199, canary: 1 }],
    [1, { stable: 99, canary: 1 }],
    [2.5, { stable: 39, canary: 1 }],
    [10, { stable: 9, canary: 1 }],
    [12.5, { stable: 7, canary: 1 }],
    [20, { stable: 4, canary: 1 }],
    [33.3, { stable: 667, canary: 333 }],
    [50, { stable: 1, canary: 1 }],
    [75, { stable: 1, canary: 3 }],
    [99.9, { stable: 1, canary: 999 }],
    [100, { stable: 0, canary: 1 }],
    [0, { stable: 1, canary: 0 }],
  ])('%s%% → %j', (percent, weights) => {
    expect(weightsFor(percent)).toEqual(weights);
  });

  it('0.1% is exactly 999:1 and 100% sends nothing to stable', () => {
    expect(weightsFor(0.1)).toEqual({ stable: 999, canary: 1 });
    expect(weightsFor(100).stable).toBe(0);
    expect(canaryShare(weightsFor(100))).toBe(100);
  });

  it('tolerates floating-point noise in one-decimal input (0.1 + 0.2)', () => {
    expect(weightsFor(0.1 + 0.2)).toEqual(weightsFor(0.3));
    expect(weightsFor(0.3)).toEqual({ stable: 997, canary: 3 });
  });

  it.each([-0.1, 100.1, 150, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s%%', (p) => {
    expect(() => weightsFor(p)).toThrow(RangeError);
  });
});

describe('weightsFor: properties', () => {
  it('weights are always integers 0–999 and never both 0', () => {
    fc.assert(
      fc.property(validPercent, (p) => {
        const w = weightsFor(p);
        for (const x of [w.stable, w.canary]) {
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(MAX_WEIGHT);
        }
        expect(w.stable + w.canary).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('the canary share equals the requested percentage within 0.05 points', () => {
    fc.assert(
      fc.property(validPercent, (p) => {
        expect(Math.abs(canaryShare(weightsFor(p)) - p)).toBeLessThanOrEqual(0.05);
      }),
      { numRuns: 1000 },
    );
  });

  it('every one of the 1,000 possible percentages (exhaustive)', () => {
    for (let tenths = 1; tenths <= 1000; tenths++) {
      const p = tenths / 10;
      const w = weightsFor(p);
      expect(Math.abs(canaryShare(w) - p)).toBeLessThanOrEqual(0.05);
      expect(w.stable).toBeLessThanOrEqual(MAX_WEIGHT);
      expect(w.canary).toBeLessThanOrEqual(MAX_WEIGHT);
    }
  });

  it('the canary share never goes backwards along a valid plan', () => {
    const validSteps = fc.uniqueArray(fc.integer({ min: 1, max: 999 }), { maxLength: 30 }).map((xs) => [...xs.sort((a, b) => a - b).map((t) => t / 10), 100]);
    fc.assert(
      fc.property(validSteps, (steps) => {
        const r = validateInput({
          target: {
            listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/2',
            stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/1',
            canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2',
          },
          steps,
          bakeSeconds: 60,
          pollSeconds: 60,
        });
        if (!r.ok) throw new Error(r.problems.join('; '));
        const shares = buildPlan(r.input).steps.map((s) => canaryShare(s.weights));
        // Also against the original (0%) before the first step.
        [0, ...shares].forEach((share, i, all) => {
          if (i > 0) expect(share).toBeGreaterThan(all[i - 1]!);
        });
        expect(shares.at(-1)).toBe(100);
      }),
    );
  });

  it('formatSplit reads back the one-decimal percentage', () => {
    fc.assert(
      fc.property(validPercent, (p) => {
        const [stable, canary] = formatSplit(weightsFor(p)).split('/').map(Number);
        expect(canary).toBeCloseTo(p, 5);
        expect(stable).toBeCloseTo(100 - p, 5);
      }),
    );
  });
});

describe('canaryShare / formatSplit / sameWeights', () => {
  it.each([
    [{ stable: 9, canary: 1 }, '90/10'],
    [{ stable: 1, canary: 1 }, '50/50'],
    [{ stable: 999, canary: 1 }, '99.9/0.1'],
    [{ stable: 1, canary: 0 }, '100/0'],
    [{ stable: 0, canary: 1 }, '0/100'],
    [{ stable: 2, canary: 1 }, '66.7/33.3'],
    [{ stable: 0, canary: 0 }, '100/0'],
  ])('%j reads %s', (w, text) => {
    expect(formatSplit(w)).toBe(text);
  });

  it('a pair with no weight at all has a canary share of 0', () => {
    expect(canaryShare({ stable: 0, canary: 0 })).toBe(0);
  });

  it('compares the integer weights, not the share (18:2 is not 9:1)', () => {
    expect(sameWeights({ stable: 9, canary: 1 }, { stable: 9, canary: 1 })).toBe(true);
    expect(sameWeights({ stable: 18, canary: 2 }, { stable: 9, canary: 1 })).toBe(false);
  });
});
