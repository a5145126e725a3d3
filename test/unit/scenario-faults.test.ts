// The lab's fault model (what a service answers under a fault, no sockets), the seeded source the judge
// scenarios draw errors from, the judge scenarios table, and the "held through the outage" rule.
import { describe, expect, it } from 'vitest';
import { labJudgeSettings, startJudgeScenario } from '../../lab/judge-scenario.ts';
import { heldThrough, JUDGE_SCENARIOS, SCENARIOS } from '../../lab/scenarios.ts';
import { seededRandom } from '../../lab/traffic/random.ts';
import { FaultModel, type Fault, type Service } from '../../lab/traffic/services.ts';

const statuses = (model: FaultModel, n: number, at = 0) => Array.from({ length: n }, () => model.answer(at).status);
const failures = (model: FaultModel, n: number, at = 0) => statuses(model, n, at).filter((s) => s === 500).length;

describe('FaultModel', () => {
  it('without a fault: 200 at once', () => {
    expect(new FaultModel().answer(0)).toEqual({ status: 200, delayMs: 0 });
  });

  it('errors spread evenly: exactly errorRate × n, every 1/errorRate-th request', () => {
    const m = new FaultModel();
    m.set({ errorRate: 0.25 }, 0);
    expect(statuses(m, 8)).toEqual([200, 200, 200, 500, 200, 200, 200, 500]);
  });

  it('with a random source: independent draws, repeatable for a seed, near the rate over many', () => {
    const run = (seed: number) => {
      const m = new FaultModel();
      m.set({ errorRate: 0.02, random: seededRandom(seed) }, 0);
      return statuses(m, 20_000);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const failed = run(7).filter((s) => s === 500).length;
    // Binomial(20,000, 0.02): mean 400, sd 19.8; ±5 sd.
    expect(failed).toBeGreaterThan(300);
    expect(failed).toBeLessThan(500);
    // Not evenly spaced: some gaps between failures are far from 50.
    const gaps = run(7).flatMap((s, i) => (s === 500 ? [i] : [])).map((i, k, all) => (k ? i - (all[k - 1] as number) : 50));
    expect(Math.max(...gaps)).toBeGreaterThan(150);
  });

  it('latency is added while the fault is active; fromMs delays it, forMs ends it (the service recovers)', () => {
    const m = new FaultModel();
    const fault: Fault = { errorRate: 1, latencyMs: 80, fromMs: 1_000, forMs: 5_000 };
    m.set(fault, 10_000);
    expect(m.answer(10_999)).toEqual({ status: 200, delayMs: 0 });
    expect(m.answer(11_000)).toEqual({ status: 500, delayMs: 80 });
    expect(m.answer(15_999)).toEqual({ status: 500, delayMs: 80 });
    expect(m.answer(16_000)).toEqual({ status: 200, delayMs: 0 });
    expect(m.active(16_000)).toBe(false);
  });

  it('set({}) heals; an error rate outside 0..1 is refused', () => {
    const m = new FaultModel();
    m.set({ errorRate: 1 }, 0);
    expect(failures(m, 3)).toBe(3);
    m.set({}, 0);
    expect(failures(m, 3)).toBe(0);
    expect(() => m.set({ errorRate: 1.5 }, 0)).toThrow(/1.5 is not between 0 and 1/);
  });
});

describe('seededRandom', () => {
  it('is in [0, 1), repeatable, and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 10_000 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    const low = draws.filter((x) => x < 0.5).length;
    expect(low).toBeGreaterThan(4_800);
    expect(low).toBeLessThan(5_200);
  });
});

describe('judge scenarios', () => {
  it('are listed scenarios with the outcomes the issue names', () => {
    expect(Object.keys(JUDGE_SCENARIOS).every((k) => k in SCENARIOS)).toBe(true);
    expect(JUDGE_SCENARIOS['subtle-errors']).toMatchObject({ expected: 'rolled-back', blue: { errorRate: 0.005 }, green: { errorRate: 0.02 } });
    expect(JUDGE_SCENARIOS['subtle-latency']).toMatchObject({ expected: 'rolled-back', green: { latencyMs: 80 } });
    expect(JUDGE_SCENARIOS['shared-outage']).toMatchObject({ expected: 'promoted', sharedOutage: { errorRate: 0.03 }, holds: true });
  });

  it('heldThrough: no step above the outage share before it ended', () => {
    const outage = { percent: 10, until: 30_000 };
    expect(heldThrough([{ at: 1_000, percent: 10 }, { at: 31_000, percent: 50 }], outage)).toBe(true);
    expect(heldThrough([{ at: 1_000, percent: 10 }, { at: 29_000, percent: 50 }], outage)).toBe(false);
    expect(heldThrough([{ at: 1_000, percent: 10 }], outage)).toBe(true);
  });

  it('startJudgeScenario sets each service misbehaviour at once and starts the shared outage when green takes traffic', () => {
    const faults: { blue: Fault[]; green: Fault[] } = { blue: [], green: [] };
    const service = (name: string) => ({ name, url: '', setFault: (f: Fault) => faults[name as 'blue' | 'green'].push(f), close: async () => {} }) as Service;
    const services = { blue: service('blue'), green: service('green') };
    let clock = 1_000;
    const lines: string[] = [];
    const errors = startJudgeScenario('subtle-errors', services, { seed: 3, minuteSeconds: 1, bakeSeconds: 10, print: (l) => lines.push(l), now: () => clock });
    expect(faults.blue.map(({ random: _, ...f }) => f)).toEqual([{ errorRate: 0.005 }]);
    expect(faults.green.map(({ random: _, ...f }) => f)).toEqual([{ errorRate: 0.02 }]);
    expect(typeof faults.green[0]?.random).toBe('function');
    expect(errors?.warmupMs).toBe(5_000);
    expect(errors?.watch(0)).toBeUndefined();
    expect(errors?.watch(10)).toBe(1_000);
    expect(errors?.right([])).toBe(true);

    faults.blue = [];
    faults.green = [];
    const outage = startJudgeScenario('shared-outage', services, { seed: 3, minuteSeconds: 1, bakeSeconds: 10, print: (l) => lines.push(l), now: () => clock });
    expect(faults).toEqual({ blue: [], green: [] });
    clock = 2_000;
    outage?.watch(10);
    clock = 9_000;
    expect(outage?.watch(50)).toBe(2_000);
    expect(faults.blue.map(({ random: _, ...f }) => f)).toEqual([{ errorRate: 0.03, forMs: 20_000 }]);
    expect(faults.green.map(({ random: _, ...f }) => f)).toEqual([{ errorRate: 0.03, forMs: 20_000 }]);
    expect(outage?.outage()).toEqual({ from: 2_000, until: 22_000, percent: 10 });
    expect(outage?.right([{ at: 2_000, percent: 10 }, { at: 21_000, percent: 50 }])).toBe(false);
    expect(outage?.right([{ at: 2_000, percent: 10 }, { at: 23_000, percent: 50 }])).toBe(true);

    expect(startJudgeScenario('healthy', services, { seed: 3, minuteSeconds: 1, bakeSeconds: 10, print: () => {} })).toBeUndefined();
  });

  it('labJudgeSettings: the judge in lab minutes, with a baseline window CloudWatch accepts as one period', () => {
    expect(labJudgeSettings('subtle-errors', 1, 10)).toEqual({ periodSeconds: 1, settleSeconds: 1, warmupSeconds: 1, maxExtendSeconds: 20, baselineSeconds: 5 });
    expect(labJudgeSettings('healthy', 1, 6)).toEqual({ periodSeconds: 1, settleSeconds: 1, warmupSeconds: 1, maxExtendSeconds: 12, baselineSeconds: 5, minCanaryRequests: 10, latencyThresholdMs: 250 });
    expect(labJudgeSettings('subtle-errors', 5, 10).baselineSeconds).toBe(30);
    expect(labJudgeSettings('subtle-errors', 60, 600).baselineSeconds).toBe(300);
  });
});
