// The judge scenarios (lab/scenarios.ts JUDGE_SCENARIOS) played on the lab's services: each service's
// misbehaviour from the start, with errors drawn from a seeded source (so a run can be repeated), the shared
// outage once green takes traffic, and whether the run did what the scenario calls for beyond its outcome.
import { heldThrough, JUDGE_SCENARIOS, JUDGE_WARMUP_MINUTES, type JudgeScenario, type Scenario } from './scenarios.ts';
import { seededRandom } from './traffic/random.ts';
import type { Service } from './traffic/services.ts';

export interface JudgeScenarioRun {
  plan: JudgeScenario;
  /** Traffic before the workflow starts (ms): stable's baseline for the judge. */
  warmupMs: number;
  /** Call with green's share (0–100) as it changes: returns when green first took traffic (the fault, for users). */
  watch(greenPercent: number): number | undefined;
  /** The shared outage as it happened: when, at which canary share, until when. */
  outage(): { from: number; until: number; percent: number } | undefined;
  /** What the plan asks beyond the outcome: held its step through the shared outage. */
  right(steps: readonly { at: number; percent: number }[]): boolean;
}

export interface JudgeScenarioOptions {
  seed: number;
  /** The lab minute, seconds (the warm-up is counted in lab minutes). */
  minuteSeconds: number;
  bakeSeconds: number;
  print(line: string): void;
  now?: () => number;
}

/** CloudWatch's periods: 1, 5, 10, 20, 30 s or a multiple of 60. */
const cloudWatchPeriodAtLeast = (seconds: number) => [1, 5, 10, 20, 30].find((p) => p >= seconds) ?? Math.ceil(seconds / 60) * 60;

/**
 * The judge's settings in the lab (the input's `judge`): its period is the lab minute, and so are the settle time
 * and the warm-up; the baseline is the warm-up's traffic; the bake may be extended twice over. Outside the judge
 * scenarios a step sees the few requests of a time-compressed bake (1% of 200 req/s for 6 s = 12), so the
 * minimum before an open test may pass is 10 there (the judge's default, 100, in the judge scenarios), and with
 * no warm-up there is no stable p99 to take the slow-request threshold from: it is the lab's p99 alarm's 250 ms.
 */
export function labJudgeSettings(scenario: Scenario, minuteSeconds: number, bakeSeconds: number): Record<string, number> {
  return {
    periodSeconds: minuteSeconds,
    settleSeconds: minuteSeconds,
    warmupSeconds: minuteSeconds,
    maxExtendSeconds: 2 * bakeSeconds,
    baselineSeconds: cloudWatchPeriodAtLeast(JUDGE_WARMUP_MINUTES * minuteSeconds),
    ...(JUDGE_SCENARIOS[scenario] ? {} : { minCanaryRequests: 10, latencyThresholdMs: 250 }),
  };
}

/** Start a judge scenario on `services` (undefined: not a judge scenario, nothing done). */
export function startJudgeScenario(scenario: Scenario, services: { blue: Service; green: Service }, options: JudgeScenarioOptions): JudgeScenarioRun | undefined {
  const plan = JUDGE_SCENARIOS[scenario];
  if (!plan) return undefined;
  const now = options.now ?? Date.now;
  // One seeded source per service, so blue's draws do not depend on how much traffic green gets.
  const random = { blue: seededRandom(options.seed), green: seededRandom(options.seed + 1) };
  for (const side of ['blue', 'green'] as const) {
    const m = plan[side];
    if (m) services[side].setFault({ ...m, random: random[side] });
  }
  const described = (['blue', 'green'] as const)
    .filter((side) => plan[side])
    .map((side) => `${side} ${[plan[side]?.errorRate ? `${plan[side]?.errorRate! * 100}% errors` : '', plan[side]?.latencyMs ? `+${plan[side]?.latencyMs} ms` : ''].filter(Boolean).join(', ')}`);
  if (described.length) options.print(`  ! ${described.join('; ')} (errors drawn at random, seed ${options.seed})`);
  let greenAt: number | undefined;
  let outage: { from: number; until: number; percent: number } | undefined;
  return {
    plan,
    warmupMs: JUDGE_WARMUP_MINUTES * options.minuteSeconds * 1000,
    watch(greenPercent) {
      if (greenPercent <= 0 || greenAt !== undefined) return greenAt;
      greenAt = now();
      const shared = plan.sharedOutage;
      if (shared) {
        const forMs = shared.bakes * options.bakeSeconds * 1000;
        outage = { from: greenAt, until: greenAt + forMs, percent: greenPercent };
        for (const side of ['blue', 'green'] as const) services[side].setFault({ errorRate: shared.errorRate, forMs, random: random[side] });
        options.print(`  ! blue and green both fail ${shared.errorRate * 100}% of requests for ${forMs / 1000} s, then recover`);
      }
      return greenAt;
    },
    outage: () => outage,
    right: (steps) => !plan.holds || (outage !== undefined && heldThrough(steps, outage)),
  };
}
