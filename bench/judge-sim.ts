// Seeded simulated rollouts for bench/judge.ts: per-minute counts as an ALB would publish them (requests split
// by the canary's share, 5xx and slow requests drawn per request), read as Evaluate reads them (closed periods
// once, after the settle time, every poll) and decided by the real domain code: judge.ts + decide(). The same
// draws feed the judge (with the alarms, as deployed) and an alarm-only gate.
//
// Model (stated, not measured): stable 0.5% 5xx; latency lognormal with median 50 ms and p99 150 ms, so the
// slow-request threshold T (stable's p99) marks 1% of stable's requests slow; a canary 80 ms slower has
// P(latency > T) = 23.8% and P(> 250 ms) = 0.48% (stable 0.033%). The alarms: 5xx rate > 5% and p99 > 250 ms
// on the canary group, 1-minute periods, 2 of 3 breaching, a minute without canary requests not breaching.
import { decide, type AlarmObservation } from '../lambdas/domain/decide.ts';
import { addPeriod, judge, judgeSettings, startProgress, type JudgeProgress, type JudgeSettings, type PeriodCounts } from '../lambdas/domain/judge.ts';
import { overdispersion } from '../lambdas/domain/stats.ts';
import { weightsFor } from '../lambdas/domain/weights.ts';
import { seededRandom } from '../lab/traffic/random.ts';

export interface SimCase {
  name: string;
  stableErrorRate: number;
  canaryErrorRate: number;
  /** Share of canary requests slower than T (stable: 1%). */
  canarySlowRate: number;
  /** Share of canary requests slower than 250 ms (the p99 alarm's threshold). */
  canaryOver250: number;
  /** Both groups at this 5xx rate from `fromMinute` for `minutes` after the first shift. */
  outage?: { fromMinute: number; minutes: number; errorRate: number };
  expected: 'promoted' | 'rolled-back';
}

const STABLE_SLOW = 0.01;
const STABLE_OVER_250 = 0.00033;

export const CASES: Record<string, SimCase> = {
  healthy: { name: 'healthy', stableErrorRate: 0.005, canaryErrorRate: 0.005, canarySlowRate: STABLE_SLOW, canaryOver250: STABLE_OVER_250, expected: 'promoted' },
  'subtle-errors': { name: 'subtle-errors', stableErrorRate: 0.005, canaryErrorRate: 0.02, canarySlowRate: STABLE_SLOW, canaryOver250: STABLE_OVER_250, expected: 'rolled-back' },
  'subtle-latency': { name: 'subtle-latency', stableErrorRate: 0.005, canaryErrorRate: 0.005, canarySlowRate: 0.238, canaryOver250: 0.0048, expected: 'rolled-back' },
  'shared-outage': { name: 'shared-outage', stableErrorRate: 0.005, canaryErrorRate: 0.005, canarySlowRate: STABLE_SLOW, canaryOver250: STABLE_OVER_250, outage: { fromMinute: 5, minutes: 15, errorRate: 0.03 }, expected: 'promoted' },
};

export interface SimOptions {
  /** Requests per second through the load balancer (a whole number; every second the same). */
  rate: number;
  steps: number[];
  bakeSeconds: number;
  pollSeconds: number;
  /** judge: the judge alone; alarms: the alarms alone; both: as deployed (alarms stay and combine with the judge). */
  gate: 'judge' | 'alarms' | 'both';
  seed: number;
  settings?: JudgeSettings;
  /** End the run at the judge's first pass or fail (the test's own decision, whatever the bake). */
  untilVerdict?: boolean;
}

export interface SimResult {
  outcome: 'promoted' | 'rolled-back';
  /** Minutes from the first shift to the rollback decision. */
  decidedAfterMinutes?: number;
  /** Canary requests served from the first shift to the decision (or the end). */
  canaryRequests: number;
  /** Who decided a rollback: the judge or an alarm. */
  by?: 'judge' | 'alarm';
  /** Canary requests the judge had counted when the first step ended (advanced or rolled back); alarm gate: 0. */
  firstStepCanaryRequests: number;
  /** The judge's first pass or fail on the first step, and the canary requests it had counted then. */
  firstVerdict?: { verdict: 'pass' | 'fail'; canaryRequests: number };
  /** With an outage: no step advanced while both groups failed. */
  heldThroughOutage?: boolean;
  reason: string;
}

const T0 = Date.UTC(2025, 0, 6, 10, 0, 0);
const MINUTE = 60_000;
const PAIR = { stable: 'blue', canary: 'green' };

interface Minute extends PeriodCounts {
  canaryOver250: number;
}

/** A binomial draw by geometric gaps: cost ∝ n·min(p, 1−p). */
export function binomial(n: number, p: number, random: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, random);
  const log1p = Math.log(1 - p);
  let k = 0;
  for (let at = Math.floor(Math.log(1 - random()) / log1p) + 1; at <= n; at += Math.floor(Math.log(1 - random()) / log1p) + 1) k++;
  return k;
}

export function simulateRollout(c: SimCase, o: SimOptions): SimResult {
  const s = o.settings ?? judgeSettings();
  const random = seededRandom(o.seed);
  // The canary's share over time: [from, share] in order (0 before the first shift).
  const shares: [number, number][] = [[-Infinity, 0]];
  const minutes = new Map<number, Minute>();
  const outageFrom = c.outage ? T0 + c.outage.fromMinute * MINUTE : Infinity;
  const outageTo = c.outage ? outageFrom + c.outage.minutes * MINUTE : -Infinity;
  const minute = (start: number): Minute => {
    const known = minutes.get(start);
    if (known) return known;
    const m: Minute = { start: new Date(start).toISOString(), stable: { requests: 0, errors: 0, samples: 0, slow: 0 }, canary: { requests: 0, errors: 0, samples: 0, slow: 0 }, canaryOver250: 0 };
    // Each second at the share in effect then (a shift lands on a poll, mid-minute).
    for (let t = start; t < start + MINUTE; t += 1000) {
      const share = (shares.findLast(([from]) => from <= t) as [number, number])[1];
      const n = o.rate;
      const nc = binomial(n, share / 100, random);
      const outage = t >= outageFrom && t < outageTo;
      const side = (x: typeof m.stable, requests: number, errorRate: number, slowRate: number) => {
        x.requests += requests;
        x.samples += requests;
        x.errors += binomial(requests, outage ? c.outage!.errorRate : errorRate, random);
        x.slow = (x.slow ?? 0) + binomial(requests, slowRate, random);
      };
      side(m.stable, n - nc, c.stableErrorRate, STABLE_SLOW);
      side(m.canary, nc, c.canaryErrorRate, c.canarySlowRate);
      m.canaryOver250 += binomial(nc, c.canaryOver250, random);
    }
    minutes.set(start, m);
    return m;
  };
  const steps = o.steps.map((percent, index) => ({ index, percent, weights: weightsFor(percent), approval: false }));
  const policy = { bakeSeconds: o.bakeSeconds, insufficientData: 'wait' as const, insufficientDataWaitSeconds: 1800, minHealthyTargets: 1, steps };
  let stepIndex = 0;
  let stepStartedAt = T0;
  shares.push([T0, o.steps[0] as number]);
  let progress: JudgeProgress | undefined;
  const advancedAt: number[] = [];
  let firstStepCanaryRequests: number | undefined;
  let firstVerdict: SimResult['firstVerdict'];
  const stepEnded = () => (firstStepCanaryRequests ??= progress?.total.canary.requests ?? 0);
  const end = (outcome: SimResult['outcome'], now: number, reason: string): SimResult => {
    const canaryRequests = [...minutes.values()].filter((m) => Date.parse(m.start) >= T0 && Date.parse(m.start) < now).reduce((n, m) => n + m.canary.requests, 0);
    stepEnded();
    return {
      outcome,
      firstStepCanaryRequests: firstStepCanaryRequests ?? 0,
      ...(firstVerdict ? { firstVerdict } : {}),
      ...(outcome === 'rolled-back' ? { decidedAfterMinutes: (now - T0) / MINUTE, by: reason.startsWith('judge') ? ('judge' as const) : ('alarm' as const) } : {}),
      canaryRequests,
      ...(c.outage ? { heldThroughOutage: !advancedAt.some((t) => t > outageFrom && t < outageTo) } : {}),
      reason,
    };
  };
  for (let now = T0 + o.pollSeconds * 1000; now < T0 + 24 * 60 * MINUTE; now += o.pollSeconds * 1000) {
    const alarms = o.gate === 'judge' ? [] : alarmStates(minute, now);
    let judged;
    if (o.gate !== 'alarms') {
      if (!progress || progress.step !== stepIndex) progress = startProgress(stepIndex, stepStartedAt, baseline(minute, stepStartedAt, s), s);
      const closedUntil = Math.floor((now - s.settleSeconds * 1000) / (s.periodSeconds * 1000)) * s.periodSeconds * 1000;
      for (let p = Date.parse(progress.through); p < closedUntil; p += MINUTE) progress = addPeriod(progress, minute(p), s);
      judged = { report: judge(progress, s), settings: s };
      if (stepIndex === 0 && judged.report.verdict !== 'inconclusive') firstVerdict ??= { verdict: judged.report.verdict, canaryRequests: progress.total.canary.requests };
      if (o.untilVerdict && firstVerdict) return end(firstVerdict.verdict === 'fail' ? 'rolled-back' : 'promoted', now, judged.report.reason);
    }
    const weights = { blue: (steps[stepIndex] as (typeof steps)[number]).weights.stable, green: (steps[stepIndex] as (typeof steps)[number]).weights.canary };
    const d = decide({ now, alarms, canaryHealthy: 1, weights, ...(judged ? { judge: judged } : {}) }, policy, { stepIndex, stepStartedAt, expected: weights, pair: PAIR });
    if (d.action === 'rollback') return end('rolled-back', now, d.reason);
    if (d.action === 'promote') return end('promoted', now, d.reason);
    if (d.action === 'advance') {
      stepEnded();
      stepIndex++;
      stepStartedAt = now;
      advancedAt.push(now);
      shares.push([now, o.steps[stepIndex] as number]);
    }
  }
  return end('rolled-back', T0 + 24 * 60 * MINUTE, 'simulation limit (24 h) reached');
}

/** Stable's hour before the step, as readBaseline reads it: φ, its counts, the threshold (stable's p99). */
function baseline(minute: (start: number) => Minute, stepStart: number, s: JudgeSettings) {
  const to = Math.floor(stepStart / MINUTE) * MINUTE;
  const counts = [];
  for (let t = to - s.baselineSeconds * 1000; t < to; t += MINUTE) counts.push({ requests: minute(t).stable.requests, events: minute(t).stable.errors });
  const stable = counts.reduce((a, c) => ({ requests: a.requests + c.requests, events: a.events + c.events }), { requests: 0, events: 0 });
  return { phi: overdispersion(counts), stable, latencyThresholdMs: 150, thresholdFrom: 'stable-p99' as const };
}

/** The two canary alarms at `now`: each over the last 3 whole minutes, 2 breaching → ALARM. */
function alarmStates(minute: (start: number) => Minute, now: number): AlarmObservation[] {
  const last = Math.floor(now / MINUTE) * MINUTE;
  const recent = [1, 2, 3].map((k) => minute(last - k * MINUTE));
  const breaching = (f: (m: Minute) => boolean) => recent.filter((m) => m.canary.requests > 0 && f(m)).length >= 2;
  // p99 > 250 ms (nearest rank) ⇔ more than n − ⌈0.99 n⌉ requests above 250 ms.
  const p99Over = (m: Minute) => m.canaryOver250 >= m.canary.requests - Math.ceil(0.99 * m.canary.requests) + 1;
  return [
    { name: 'green-5xx', state: breaching((m) => m.canary.errors / m.canary.requests > 0.05) ? 'ALARM' : 'OK' },
    { name: 'green-p99', state: breaching(p99Over) ? 'ALARM' : 'OK' },
  ];
}
