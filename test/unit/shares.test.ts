// Shares: other target groups keep their share of all traffic at every step (±0.1 pp); the pair
// splits its share as the step says, as exactly as 0–999 allows; what cannot be done is refused
// with the numbers. Property tests over random forward actions of 2–5 target groups.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeChange, SHARE_TOLERANCE_PP, sharesOf, stepWeights } from '../../lambdas/domain/shares.ts';
import { weightsFor } from '../../lambdas/domain/weights.ts';

const TG = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const [BLUE, GREEN, LEGACY] = [TG('blue'), TG('green'), TG('legacy')];
const PAIR = { stable: BLUE, canary: GREEN };
const percent = fc.integer({ min: 1, max: 1000 }).map((t) => t / 10);

/** A forward action: blue (stable), green (canary), and 0–3 other groups; weights 0–999. */
const forwardAction = fc
  .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 }), fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 0, maxLength: 3 }))
  .map(([stable, canary, others]) => ({
    [BLUE]: stable,
    [GREEN]: canary,
    ...Object.fromEntries(others.map((w, i) => [TG(`other${i}`), w])),
  }));

describe('stepWeights: the issue\'s example (blue 90 / green 0 / legacy 10)', () => {
  const original = { [BLUE]: 90, [GREEN]: 0, [LEGACY]: 10 };
  it.each([
    [0.1, { [BLUE]: 999, [GREEN]: 1, [LEGACY]: 111 }],
    [1, { [BLUE]: 891, [GREEN]: 9, [LEGACY]: 100 }],
    [10, { [BLUE]: 81, [GREEN]: 9, [LEGACY]: 10 }],
    [50, { [BLUE]: 45, [GREEN]: 45, [LEGACY]: 10 }],
    [100, { [BLUE]: 0, [GREEN]: 90, [LEGACY]: 10 }],
  ])('%s%% → %j, legacy keeps 10%%', (p, weights) => {
    const r = stepWeights(original, PAIR, p);
    expect(r).toMatchObject({ ok: true, weights });
    if (!r.ok) return;
    expect(Math.abs(r.shares[LEGACY]! - 10)).toBeLessThanOrEqual(SHARE_TOLERANCE_PP);
    expect(r.split).toBeCloseTo(p, 6);
  });

  it('the old arithmetic (pair reduced, legacy raw) would have given legacy 50% at 10% and 91% at promotion', () => {
    expect(sharesOf({ [BLUE]: 9, [GREEN]: 1, [LEGACY]: 10 })[LEGACY]).toBe(50);
    expect(Math.round(sharesOf({ [BLUE]: 0, [GREEN]: 1, [LEGACY]: 10 })[LEGACY]!)).toBe(91);
  });
});

describe('stepWeights: without other traffic, today\'s exact reduced weights', () => {
  it.each([0.1, 1, 10, 33.3, 50, 100])('%s%%', (p) => {
    expect(stepWeights({ [BLUE]: 1, [GREEN]: 0 }, PAIR, p)).toMatchObject({ ok: true, weights: { [BLUE]: weightsFor(p).stable, [GREEN]: weightsFor(p).canary } });
    // Another group at weight 0 stays at 0 and changes nothing.
    expect(stepWeights({ [BLUE]: 500, [GREEN]: 0, [LEGACY]: 0 }, PAIR, p)).toMatchObject({
      ok: true,
      weights: { [BLUE]: weightsFor(p).stable, [GREEN]: weightsFor(p).canary, [LEGACY]: 0 },
    });
  });
});

describe('stepWeights: refusals carry the numbers', () => {
  it('legacy at 99.9% leaves no room for a 1% split', () => {
    const r = stepWeights({ [BLUE]: 1, [GREEN]: 0, [LEGACY]: 999 }, PAIR, 1);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/^step 1% cannot be represented within ±0\.1 pp with ALB weights 0–999: the other target groups must keep legacy 99\.9% of all traffic; the closest weights \(blue \d+, green \d+, legacy \d+\) give the canary [\d.]+% of the pair's traffic and move another target group's share by [\d.]+ pp$/);
  });

  it('a pair that takes no traffic cannot be shifted without taking share from the others', () => {
    const r = stepWeights({ [BLUE]: 0, [GREEN]: 0, [LEGACY]: 10 }, PAIR, 10);
    expect(r).toEqual({ ok: false, percent: 10, reason: 'step 10%: stable and canary receive no traffic today (weight 0 each; blue 0, green 0, legacy 10); keeping the other target groups\' shares leaves them none' });
  });
});

describe('stepWeights: properties over random forward actions (2–5 target groups, weights 0–999)', () => {
  it('every other target group keeps its share within ±0.1 pp, the pair splits within ±0.1 pp, all weights 0–999; or a refusal with numbers', () => {
    fc.assert(
      fc.property(forwardAction, percent, (original, p) => {
        const r = stepWeights(original, PAIR, p);
        if (!r.ok) {
          expect(r.reason).toMatch(new RegExp(`^step ${p}%`));
          return;
        }
        expect(Object.keys(r.weights)).toEqual(Object.keys(original));
        for (const w of Object.values(r.weights)) expect(Number.isInteger(w) && w >= 0 && w <= 999).toBe(true);
        const before = sharesOf(original);
        for (const arn of Object.keys(original).filter((a) => a !== BLUE && a !== GREEN)) {
          expect(Math.abs(r.shares[arn]! - before[arn]!)).toBeLessThanOrEqual(SHARE_TOLERANCE_PP + 1e-9);
        }
        expect(Math.abs(r.split - p)).toBeLessThanOrEqual(SHARE_TOLERANCE_PP + 1e-9);
        // The step's direction survives rounding: something to the canary; at 100% nothing to stable.
        expect(r.weights[GREEN]).toBeGreaterThan(0);
        if (p === 100) expect(r.weights[BLUE]).toBe(0);
        else expect(r.weights[BLUE]).toBeGreaterThan(0);
        expect(r.shares).toEqual(sharesOf(r.weights));
      }),
      { numRuns: 300 },
    );
  });

  it('when stable holds at least half of all traffic, every step is representable', () => {
    const modest = forwardAction.filter((o) => {
      const s = sharesOf(o);
      return o[BLUE]! > 0 && s[BLUE]! >= 50;
    });
    fc.assert(
      fc.property(modest, percent, (original, p) => {
        expect(stepWeights(original, PAIR, p).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('the pair split is exact whenever exact weights exist for a group keeping its raw weight (ratio 1:9 → exact at every tenth)', () => {
    fc.assert(
      fc.property(percent, (p) => {
        const r = stepWeights({ [BLUE]: 90, [GREEN]: 0, [LEGACY]: 10 }, PAIR, p);
        expect(r.ok && Math.abs(r.split - p) < 1e-9 ? true : r).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('describeChange', () => {
  it('names the pair as a split when only the pair moved, else each changed group', () => {
    expect(describeChange({ [BLUE]: 9, [GREEN]: 1, [LEGACY]: 0 }, { [BLUE]: 1, [GREEN]: 1, [LEGACY]: 0 }, PAIR)).toBe('expected 90/10, found 50/50');
    expect(describeChange({ [BLUE]: 81, [GREEN]: 9, [LEGACY]: 10 }, { [BLUE]: 81, [GREEN]: 9, [LEGACY]: 20 }, PAIR)).toBe('target group legacy (expected 10, found 20) changed');
  });
});
